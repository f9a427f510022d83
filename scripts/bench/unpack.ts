/**
 * Layer unpack throughput (edge-agent/images/unpack) against GNU `tar -x` of the same tars.
 *
 * A three-layer set of about 55 MiB is built once: a busybox root file system (the binary,
 * its applet symlinks, a hard link), a layer of many small files (10,000 files of
 * 64 B – 8 KiB in 200 directories) and a layer of bigger ones (40 files of 64 KiB – 1 MiB
 * and two of 8 MiB). Each run unpacks all three into fresh directories with unpackLayer
 * (from a file stream) and with `tar -xf` (a child process; as root both apply owners,
 * modes and times), in rotating order, uncompressed and gzip-compressed; medians of the
 * runs give the ratio, whose target is ≥ 0.8x on the bench's data directory (disk). A
 * second pass into tmpfs, where writes cost no I/O, shows the CPU-only case.
 */
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LANES, unpackLayer } from '../../edge-agent/images/unpack/index.ts';
import { setMallocMmapThreshold } from '../../native/index.ts';
import { MMAP_THRESHOLD_BYTES } from '../../server/cli/process-memory.ts';
import { BUSYBOX, buildBusyboxRootfs } from '../../test/helpers/bundle.ts';
import type { Bench, BenchContext, BenchResult, ResultRow } from './report.ts';
import { median, summarize } from './stats.ts';

const TARGETS = {
  /** unpackLayer throughput ≥ this × tar -x's, on the same layers. */
  vsTar: 0.8,
};

/** Read size for the layer files: every read is a thread-pool round trip, so fewer, bigger ones. */
const READ_CHUNK = 1024 * 1024;

export interface LayerFile {
  name: string;
  tar: string;
  gzip: string;
  /** Bytes of the uncompressed tar. */
  bytes: number;
  entries: number;
}

/** Deterministic bytes, so every run of the bench unpacks the same layers. */
function seededBytes(seed: string, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let counter = 0;
  for (let offset = 0; offset < size; offset += 32) {
    crypto.createHash('sha256').update(`${seed}/${counter++}`).digest().copy(out, offset);
  }
  return out;
}

/** Sizes spread evenly on a log scale between lo and hi, in a seeded order. */
function logSizes(count: number, lo: number, hi: number, seed: string): number[] {
  const noise = seededBytes(seed, count * 4);
  return Array.from({ length: count }, (_, i) => Math.round(lo * (hi / lo) ** (noise.readUInt32LE(i * 4) / 2 ** 32)));
}

function writeTree(dir: string, files: Array<{ name: string; size: number; text: boolean }>): void {
  for (const file of files) {
    const where = path.join(dir, file.name);
    fs.mkdirSync(path.dirname(where), { recursive: true });
    const raw = seededBytes(file.name, file.text ? Math.ceil((file.size * 3) / 4) : file.size);
    // Text files compress like source and config files do; binary ones do not compress.
    fs.writeFileSync(where, file.text ? raw.toString('base64').slice(0, file.size) : raw, { mode: 0o644 });
  }
}

/** Builds the three layers (tar and tar.gz) under `dir`. */
export function buildLayerSet(dir: string): LayerFile[] {
  const trees: Array<{ name: string; fill: (root: string) => void }> = [
    {
      name: 'busybox',
      fill: (root) => {
        buildBusyboxRootfs(root);
        fs.linkSync(path.join(root, 'bin/busybox'), path.join(root, 'bin/sh.static'));
      },
    },
    {
      name: 'small-files',
      fill: (root) => {
        const sizes = logSizes(10_000, 64, 8 * 1024, 'small');
        writeTree(root, sizes.map((size, i) => ({ name: `usr/share/d${Math.floor(i / 250)}/s${i % 5}/f${i}.txt`, size, text: true })));
      },
    },
    {
      name: 'big-files',
      fill: (root) => {
        const sizes = logSizes(40, 64 * 1024, 1024 * 1024, 'medium');
        writeTree(root, [
          ...sizes.map((size, i) => ({ name: `opt/app/lib/m${i}.so`, size, text: i % 2 === 0 })),
          { name: 'opt/app/data/model-a.bin', size: 8 * 1024 * 1024, text: false },
          { name: 'opt/app/data/model-b.bin', size: 8 * 1024 * 1024, text: false },
        ]);
      },
    },
  ];
  return trees.map(({ name, fill }) => {
    const root = path.join(dir, `${name}.src`);
    fs.mkdirSync(root);
    fill(root);
    const tar = path.join(dir, `${name}.tar`);
    execFileSync('tar', ['--sort=name', '--numeric-owner', '--mtime=@1700000000', '-C', root, '-cf', tar, '.']);
    execFileSync('gzip', ['-6', '-k', tar]);
    const entries = execFileSync('tar', ['-tf', tar], { maxBuffer: 64 << 20 }).toString().split('\n').filter(Boolean).length;
    fs.rmSync(root, { recursive: true, force: true });
    return { name, tar, gzip: `${tar}.gz`, bytes: fs.statSync(tar).size, entries };
  });
}

function runTar(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tar ${args.join(' ')} exited ${code}: ${stderr.trim()}`))));
  });
}

export type Method = 'unpack' | 'tar' | 'unpackGzip' | 'tarGzip';

/** Unpacks every layer once with `method` into fresh dirs under `out`; returns ms per layer. */
export async function unpackAll(method: Method, layers: LayerFile[], out: string, tag = ''): Promise<number[]> {
  const times: number[] = [];
  for (const layer of layers) {
    const target = path.join(out, `${layer.name}.${method}${tag}`);
    const gz = method === 'unpackGzip' || method === 'tarGzip';
    if (method === 'tar' || method === 'tarGzip') fs.mkdirSync(target);
    const t0 = performance.now();
    if (method === 'unpack' || method === 'unpackGzip') {
      await unpackLayer(fs.createReadStream(gz ? layer.gzip : layer.tar, { highWaterMark: READ_CHUNK }), target, { compression: gz ? 'gzip' : 'none' });
    } else {
      await runTar([gz ? '-xzf' : '-xf', gz ? layer.gzip : layer.tar, '-C', target]);
    }
    times.push(performance.now() - t0);
  }
  return times;
}

/** CPU of this process plus its reaped children, in ms (children in 10 ms ticks). */
function cpuMs(): number {
  const self = process.cpuUsage();
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (self.user + self.system) / 1000 + (Number(fields[13]) + Number(fields[14])) * 10;
}

interface Pass {
  /** Wall ms per round, per layer. */
  wall: Record<Method, number[][]>;
  /** CPU ms per round (all layers). */
  cpu: Record<Method, number[]>;
}

const METHODS: Method[] = ['unpack', 'tar', 'unpackGzip', 'tarGzip'];

/**
 * Rounds of every method on one file system. On disk nothing is deleted until the end:
 * ext4 without a journal (this machine's /tmp) scans recently deleted inodes on every
 * create, so whichever method ran right after a big delete would pay for it.
 */
async function pass(out: string, layers: LayerFile[], runs: number, warmup: number, keep: boolean, progress: (m: string) => void, label: string): Promise<Pass> {
  const wall = Object.fromEntries(METHODS.map((m) => [m, [] as number[][]])) as Pass['wall'];
  const cpu = Object.fromEntries(METHODS.map((m) => [m, [] as number[]])) as Pass['cpu'];
  fs.mkdirSync(out, { recursive: true });
  try {
    for (let round = -warmup; round < runs; round++) {
      const order = METHODS.map((_, i) => METHODS[(i + Math.max(round, 0)) % METHODS.length]!);
      for (const method of order) {
        execFileSync('sync');
        const c0 = cpuMs();
        const times = await unpackAll(method, layers, out, `.${round + warmup}`);
        const used = cpuMs() - c0;
        if (round >= 0) {
          wall[method].push(times);
          cpu[method].push(used);
        }
      }
      if (!keep) {
        fs.rmSync(out, { recursive: true, force: true });
        fs.mkdirSync(out);
      }
      if (round >= 0) progress(`${label} round ${round + 1}/${runs}: unpack ${sum(wall.unpack.at(-1)!).toFixed(0)} ms, tar ${sum(wall.tar.at(-1)!).toFixed(0)} ms`);
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  return { wall, cpu };
}

async function run(context: BenchContext): Promise<BenchResult> {
  const { dir, quick, progress } = context;
  if (process.getuid?.() !== 0) throw new Error('the unpack bench needs root (tar -x and unpackLayer both apply owners)');
  if (!fs.existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing (Debian package busybox-static)`);
  const runs = quick ? 3 : 9;
  const warmup = quick ? 1 : 2;
  // As `skerry agent` runs (ADR 013): the 1 MiB read buffers then reuse heap memory instead
  // of each being mapped, faulted in and unmapped.
  const heapTuned = setMallocMmapThreshold(MMAP_THRESHOLD_BYTES);

  progress('building the layer set');
  const layers = buildLayerSet(dir);
  const totalBytes = layers.reduce((n, l) => n + l.bytes, 0);
  const totalEntries = layers.reduce((n, l) => n + l.entries, 0);
  const gzipBytes = layers.reduce((n, l) => n + fs.statSync(l.gzip).size, 0);
  progress(`${layers.length} layers, ${(totalBytes / 2 ** 20).toFixed(1)} MiB in ${totalEntries} entries (gzip ${(gzipBytes / 2 ** 20).toFixed(1)} MiB)`);

  const disk = await pass(path.join(dir, 'out'), layers, runs, warmup, true, progress, 'disk');
  const shm = fs.existsSync('/dev/shm') ? fs.mkdtempSync('/dev/shm/skerry-bench-unpack-') : undefined;
  let memory: Pass | undefined;
  try {
    if (shm) memory = await pass(path.join(shm, 'out'), layers, runs, warmup, false, progress, 'tmpfs');
  } finally {
    if (shm) fs.rmSync(shm, { recursive: true, force: true });
  }

  const mib = totalBytes / 2 ** 20;
  const total = (p: Pass, m: Method) => median(p.wall[m].map(sum));
  const layerMs = (p: Pass, m: Method, i: number) => median(p.wall[m].map((t) => t[i]!));
  const ratio = (p: Pass, unpack: Method, tar: Method) => total(p, tar) / total(p, unpack);
  const perLayer = (p: Pass, unpack: Method, tar: Method) =>
    layers.map((l, i) => `${l.name} ${(layerMs(p, tar, i) / layerMs(p, unpack, i)).toFixed(2)}x (${layerMs(p, unpack, i).toFixed(0)} vs ${layerMs(p, tar, i).toFixed(0)} ms)`).join('; ');
  const cpuNote = (p: Pass, unpack: Method, tar: Method) => `CPU per set: unpackLayer ${median(p.cpu[unpack]).toFixed(0)} ms, tar ${median(p.cpu[tar]).toFixed(0)} ms`;
  const timing = (p: Pass, m: Method) => `${(mib / (total(p, m) / 1000)).toFixed(0)} MiB/s of uncompressed tar; p90 ${summarize(p.wall[m].map(sum)).p90.toFixed(0)} ms`;

  const rows: ResultRow[] = [
    {
      id: 'ratio_tar', metric: 'unpackLayer / tar -x throughput, uncompressed', value: ratio(disk, 'unpack', 'tar'), unit: 'x',
      target: { op: '>=', value: TARGETS.vsTar },
      notes: `${perLayer(disk, 'unpack', 'tar')}; ${cpuNote(disk, 'unpack', 'tar')}`,
    },
    {
      id: 'ratio_tar_gzip', metric: 'unpackLayer / tar -xz throughput, gzip', value: ratio(disk, 'unpackGzip', 'tarGzip'), unit: 'x',
      target: { op: '>=', value: TARGETS.vsTar },
      notes: `${perLayer(disk, 'unpackGzip', 'tarGzip')}; ${cpuNote(disk, 'unpackGzip', 'tarGzip')}; tar runs gzip -d in a second process`,
    },
    { id: 'unpack_ms', metric: 'unpackLayer, 3 layers, uncompressed', value: total(disk, 'unpack'), unit: 'ms', notes: timing(disk, 'unpack') },
    { id: 'tar_ms', metric: 'tar -x, 3 layers, uncompressed', value: total(disk, 'tar'), unit: 'ms', notes: timing(disk, 'tar') },
    { id: 'unpack_gzip_ms', metric: 'unpackLayer, 3 layers, gzip', value: total(disk, 'unpackGzip'), unit: 'ms', notes: timing(disk, 'unpackGzip') },
    { id: 'tar_gzip_ms', metric: 'tar -xz, 3 layers, gzip', value: total(disk, 'tarGzip'), unit: 'ms', notes: timing(disk, 'tarGzip') },
  ];
  if (memory) {
    rows.push(
      {
        id: 'ratio_tar_tmpfs', metric: 'Into tmpfs (CPU only): unpackLayer / tar -x', value: ratio(memory, 'unpack', 'tar'), unit: 'x',
        notes: `${perLayer(memory, 'unpack', 'tar')}; ${cpuNote(memory, 'unpack', 'tar')}`,
      },
      {
        id: 'ratio_tar_gzip_tmpfs', metric: 'Into tmpfs (CPU only): unpackLayer / tar -xz', value: ratio(memory, 'unpackGzip', 'tarGzip'), unit: 'x',
        notes: `${perLayer(memory, 'unpackGzip', 'tarGzip')}; ${cpuNote(memory, 'unpackGzip', 'tarGzip')}`,
      },
    );
  }

  return {
    rows,
    versions: {
      tar: execFileSync('tar', ['--version']).toString().split('\n')[0]!.replace(/^tar \(GNU tar\) /, 'GNU '),
      gzip: execFileSync('gzip', ['--version']).toString().split('\n')[0]!.replace(/^gzip /, ''),
      zlib: process.versions.zlib ?? 'unknown',
    },
    config: {
      quick,
      runs,
      warmup,
      targets: TARGETS,
      layers: layers.map((l) => ({ name: l.name, bytes: l.bytes, entries: l.entries, gzipBytes: fs.statSync(l.gzip).size })),
      method: [
        `Layers: busybox (busybox-static, its applet symlinks, one hard link), small-files (10,000 files of 64 B – 8 KiB, log-uniform, base64 text, in 200 directories), big-files (40 files of 64 KiB – 1 MiB, half text and half random; two random 8 MiB files). ${mib.toFixed(1)} MiB of tar in ${totalEntries} entries; gzip -6: ${(gzipBytes / 2 ** 20).toFixed(1)} MiB. Built with GNU tar (--sort=name --numeric-owner).`,
        `Each run unpacks the three layers one after another into fresh directories: unpackLayer(fs.createReadStream(file, { highWaterMark: 1 MiB })) in this process, compression given; and \`tar -xf file -C dir\` (-xzf for gzip) as a child process. This process sets the C heap's mmap threshold to ${MMAP_THRESHOLD_BYTES / 2 ** 20} MiB as \`skerry agent\` does (ADR 013)${heapTuned ? '' : ' (not applied: the C library is not glibc)'}; unpackLayer makes files on up to ${LANES} writer threads. Both run as root, so both apply owners, modes and times. Timed from the call (spawn) to the promise (exit). CPU: this process's user+system time plus reaped children's.`,
        `${warmup} warm-up rounds, then ${runs} rounds; each round runs every method once, the order rotated each round; \`sync\` before each method, untimed. On disk (the bench's data directory) outputs are kept until the end of the pass, since ext4 without a journal scans recently deleted inodes on each create and would charge a delete to whichever method came next; in tmpfs they are removed after each round. The tars stay in the page cache. Ratios are median total tar time ÷ median total unpackLayer time (a throughput ratio); the target applies on disk, tmpfs shows the CPU-only case.`,
      ],
    },
    details: { disk, tmpfs: memory ?? null },
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export const unpackBench: Bench = { name: 'unpack', title: 'Layer unpack: unpackLayer vs GNU tar -x', run };
