/**
 * Image pull (issue 4, point 8) against skopeo, in the same run, from the same registry:
 *
 * - a ~50 MB image (busybox + random-content files over 4 gzip layers) built as an OCI
 *   layout and pushed with skopeo into Debian's docker-registry, started by the bench on
 *   127.0.0.1 (plain http);
 * - skerry's pullImage into a fresh content store vs `skopeo copy docker://… oci:DIR`
 *   into a fresh directory, alternating, median of ≥ 5 runs each;
 * - a pull through a TCP proxy that drops the connection at 30, 60 and 90 % of the image's
 *   bytes: total bytes sent to the client / image size.
 *
 * Needs docker-registry, skopeo and busybox-static (Debian packages).
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { pullImage } from '../../edge-agent/images/registry/index.ts';
import { openContentStore } from '../../storage/content/index.ts';
import { buildOciLayout, busyboxEntries, randomSource, type BuiltLayout } from '../../test/helpers/oci-layout.ts';
import { pushLayout, startProxy, startRegistry, type Registry } from '../../test/helpers/registry.ts';
import type { Bench, BenchContext, BenchResult, ResultRow } from './report.ts';
import { median, summarize, type Summary } from './stats.ts';

const run = promisify(execFile);

const TARGETS = {
  /** skerry's median pull time ≤ this × skopeo's. */
  vsSkopeo: 1.0,
  /** Bytes moved by a pull cut three times ≤ this × the image size. */
  resumedBytes: 1.05,
};

const REPO = 'bench/pull';
const TAG = 'v1';
const RANDOM_LAYERS = [16, 12, 12, 8].map((mib) => mib << 20);

const ms = (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function versionOf(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]!.trim();
  } catch {
    return 'unknown';
  }
}

function checkPrerequisites(): void {
  for (const tool of ['/usr/bin/docker-registry', '/usr/bin/skopeo', '/bin/busybox']) {
    if (!fs.existsSync(tool)) throw new Error(`${tool} is missing: apt-get install docker-registry skopeo busybox-static`);
  }
}

async function buildImage(dir: string): Promise<BuiltLayout> {
  const layers = [{ entries: busyboxEntries(), gzip: true }];
  RANDOM_LAYERS.forEach((size, i) => {
    const source = randomSource(path.join(dir, `random-${i}`), size);
    layers.push({ entries: [{ path: 'data', type: 'dir' }, { path: `data/random-${i}.bin`, type: 'file', source }], gzip: true } as never);
  });
  const layout = await buildOciLayout(path.join(dir, 'layout'), TAG, [{ layers }]);
  for (let i = 0; i < RANDOM_LAYERS.length; i++) fs.rmSync(path.join(dir, `random-${i}`));
  return layout;
}

const TICK_MS = 10;

/** CPU time of this process's reaped children (cutime + cstime), in ms. */
function childrenCpuMs(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

interface Timed {
  ms: number;
  cpuMs: number;
}

async function timeSkerry(registry: Registry, root: string): Promise<Timed & { bytes: number }> {
  fs.rmSync(root, { recursive: true, force: true });
  // An agent opens its store once at start; opening (mkdir + fsync of its dirs) is not timed.
  const store = openContentStore(root);
  const cpu0 = ownCpuMs();
  const t0 = performance.now();
  const pulled = await pullImage(`${registry.host}/${REPO}:${TAG}`, { store, insecure: true });
  const elapsed = performance.now() - t0;
  const cpuMs = ownCpuMs() - cpu0;
  fs.rmSync(root, { recursive: true, force: true });
  return { ms: elapsed, cpuMs, bytes: pulled.bytesFetched };
}

async function timeSkopeo(registry: Registry, target: string): Promise<Timed> {
  fs.rmSync(target, { recursive: true, force: true });
  const cpu0 = childrenCpuMs();
  const t0 = performance.now();
  await run('skopeo', ['--insecure-policy', 'copy', '--quiet', '--src-tls-verify=false', `docker://${registry.host}/${REPO}:${TAG}`, `oci:${target}:${TAG}`], { env: { ...process.env, TMPDIR: path.dirname(target) } });
  const elapsed = performance.now() - t0;
  const cpuMs = childrenCpuMs() - cpu0;
  fs.rmSync(target, { recursive: true, force: true });
  return { ms: elapsed, cpuMs };
}

async function timeSkopeoFloor(): Promise<number> {
  const t0 = performance.now();
  await run('skopeo', ['--version']);
  return performance.now() - t0;
}

interface Resumed {
  ms: number;
  downstream: number;
  cuts: number;
  rangeRequests: number;
  bytesFetched: number;
}

async function resumedPull(registry: Registry, layout: BuiltLayout, root: string): Promise<Resumed> {
  const cutAt = [0.3, 0.6, 0.9].map((f) => Math.round(f * layout.totalSize));
  const proxy = await startProxy({ host: '127.0.0.1', port: registry.port }, cutAt);
  try {
    fs.rmSync(root, { recursive: true, force: true });
    const t0 = performance.now();
    const pulled = await pullImage(`${proxy.host}/${REPO}:${TAG}`, { store: openContentStore(root), insecure: true, retry: { attempts: 5, baseDelayMs: 50, maxDelayMs: 1000 } });
    const elapsed = performance.now() - t0;
    const rangeRequests = proxy.requests.filter((r) => /^range: bytes=/im.test(r)).length;
    return { ms: elapsed, downstream: proxy.downstream, cuts: proxy.cuts, rangeRequests, bytesFetched: pulled.bytesFetched };
  } finally {
    await proxy.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function benchRun(context: BenchContext): Promise<BenchResult> {
  const { dir, quick, progress } = context;
  checkPrerequisites();
  const runs = quick ? 2 : 9;
  const resumedRuns = quick ? 1 : 3;
  progress('building the image (busybox + 4 random layers, gzip)');
  const layout = await buildImage(dir);
  const registry = await startRegistry(path.join(dir, 'registry'));
  const samples = { skerry: [] as number[], skopeo: [] as number[], floor: [] as number[] };
  const cpu = { skerry: [] as number[], skopeo: [] as number[] };
  const resumed: Resumed[] = [];
  let fetched = 0;
  try {
    progress(`pushing ${mib(layout.totalSize)} to docker-registry on ${registry.host} with skopeo`);
    await pushLayout(layout.dir, TAG, registry.host, REPO);
    // One untimed pull of each warms the registry's and the page cache's view of the blobs.
    await timeSkerry(registry, path.join(dir, 'skerry'));
    await timeSkopeo(registry, path.join(dir, 'skopeo'));
    for (let round = 0; round < runs; round++) {
      progress(`round ${round + 1}/${runs}`);
      const order = round % 2 === 0 ? ['skerry', 'skopeo'] : ['skopeo', 'skerry'];
      for (const who of order) {
        if (who === 'skerry') {
          const result = await timeSkerry(registry, path.join(dir, 'skerry'));
          samples.skerry.push(result.ms);
          cpu.skerry.push(result.cpuMs);
          fetched = result.bytes;
        } else {
          const result = await timeSkopeo(registry, path.join(dir, 'skopeo'));
          samples.skopeo.push(result.ms);
          cpu.skopeo.push(result.cpuMs);
        }
      }
      samples.floor.push(await timeSkopeoFloor());
    }
    for (let i = 0; i < resumedRuns; i++) {
      progress(`resumed pull ${i + 1}/${resumedRuns} through a proxy cutting at 30/60/90 %`);
      resumed.push(await resumedPull(registry, layout, path.join(dir, 'resumed')));
    }
  } finally {
    await registry.stop();
  }

  const s: Record<'skerry' | 'skopeo' | 'floor', Summary> = { skerry: summarize(samples.skerry), skopeo: summarize(samples.skopeo), floor: summarize(samples.floor) };
  const worst = resumed.reduce((a, b) => (b.downstream > a.downstream ? b : a));
  const size = layout.totalSize;
  const spread = (x: Summary) => `min ${ms(x.min)}, max ${ms(x.max)}`;
  const rows: ResultRow[] = [
    {
      id: 'pull_skerry', metric: `skerry pullImage, ${mib(size)} in ${layout.images[0]!.layers.length} layers`, value: s.skerry.p50, unit: 'ms',
      notes: `median of ${runs}; ${spread(s.skerry)}; ${((size / 2 ** 20) / (s.skerry.p50 / 1000)).toFixed(0)} MiB/s; CPU ≈ ${ms(median(cpu.skerry))}/pull`,
    },
    {
      id: 'pull_skopeo', metric: 'skopeo copy docker:// → oci:', value: s.skopeo.p50, unit: 'ms',
      notes: `median of ${runs}; ${spread(s.skopeo)}; CPU ≈ ${ms(median(cpu.skopeo))}/pull (10 ms ticks); includes skopeo's start (skopeo --version: ${ms(s.floor.p50)})`,
    },
    {
      id: 'ratio_skopeo', metric: 'skerry / skopeo', value: s.skerry.p50 / s.skopeo.p50, unit: 'x', target: { op: '<=', value: TARGETS.vsSkopeo },
      notes: `medians; against skopeo minus its start: ${(s.skerry.p50 / (s.skopeo.p50 - s.floor.p50)).toFixed(2)}x`,
    },
    {
      id: 'resumed_bytes', metric: 'Pull cut 3 times: bytes sent / image size', value: worst.downstream / size, unit: 'x', target: { op: '<=', value: TARGETS.resumedBytes },
      notes: `worst of ${resumedRuns}: ${worst.downstream.toLocaleString('en-US')} bytes through the proxy (HTTP heads included) for ${size.toLocaleString('en-US')}; ${worst.cuts} cuts, ${worst.rangeRequests} Range requests`,
    },
    { id: 'resumed_ms', metric: 'Pull cut 3 times: time', value: summarize(resumed.map((r) => r.ms)).p50, unit: 'ms', notes: 'median; includes the back-off pauses (50 ms base, jittered)' },
  ];
  return {
    rows,
    versions: {
      skopeo: versionOf('skopeo', ['--version']).replace(/^skopeo version /, ''),
      'docker-registry': versionOf('/usr/bin/docker-registry', ['--version']).replace(/^\S+ \S+ /, ''),
    },
    config: {
      quick, runs, resumedRuns, targets: TARGETS, imageBytes: size,
      layers: layout.images[0]!.layers.map((l) => l.size),
      method: [
        `Image: an OCI layout made by test/helpers/oci-layout.ts: a busybox layer (/bin/busybox of busybox-static and its applet links) and ${RANDOM_LAYERS.length} layers each holding one file of random bytes (${RANDOM_LAYERS.map((b) => mib(b)).join(', ')}), all gzip; ${mib(size)} of blobs. Pushed with \`skopeo copy --preserve-digests\` into docker-registry (filesystem storage in the bench's temp dir, http on 127.0.0.1).`,
        `skerry: pullImage (edge-agent/images/registry) in this process into a new content store, opened before the clock starts as an agent's is (storage/content: each blob written to a partial file, sha256 on the way, fsync, rename, directory fsync), 3 layers at a time; the store is deleted after each run. skopeo: \`skopeo --insecure-policy copy --quiet --src-tls-verify=false docker://… oci:DIR:${TAG}\` into a new directory, timed from spawn to exit; deleted after each run.`,
        `One untimed pull of each first; then ${runs} rounds, the order alternating each round. Both pulls verify every blob's digest. CPU: skerry's is this process's user+system time over the pull (process.cpuUsage); skopeo's its cutime+cstime once reaped (/proc/self/stat). The registry's CPU is in neither. Wall times on a shared machine swing with its load (recorded above); CPU time swings less.`,
        `Resumed: a TCP proxy between pullImage and the registry drops the connection when the bytes it has sent to the client reach 30, 60 and 90 % of the image size; the client retries with back-off and asks for the rest with Range. The ratio counts every byte the proxy sent (HTTP heads, and data in flight when a connection was dropped, included).`,
      ],
    },
    details: { samples, cpuMs: cpu, summaries: s, resumed, bytesFetched: fetched },
  };
}

export const imagesPullBench: Bench = { name: 'images-pull', title: 'Image pull: skerry vs skopeo, and resume', run: benchRun };
