/**
 * The container runtime against crun and runc (issue 3, point 7), side by side in one run,
 * with public tools only:
 *
 * - create + start + wait + delete of `/bin/true` from one busybox bundle (config.json as
 *   `skerry runtime spec` writes it: Docker's capabilities, default seccomp profile, masked
 *   paths): skerry in-process (runContainer, wait, delete), `skerry runtime run`,
 *   `crun run`, `runc run`; plus the floors: Node spawning `/bin/true`, and
 *   `node dist/skerry.js version` (a CLI run without a container);
 * - 50 containers (`sleep 5`) started at once: time until every one has exec'd, memory
 *   charged to each container's cgroup, and the per-container helper processes left.
 *
 * Needs root, crun, runc, busybox-static and a built dist/ (`npm run build`). crun 1.8.1
 * refuses this machine's hybrid cgroup layout while cgroup2 holds hugetlb: the bench mounts
 * a v1 hugetlb hierarchy for the run when needed, says so, and unmounts it at the end.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  becomeChildSubreaper, defaultSpec, hierarchyFor, listContainers, readCgroupLayout, reapChild, runContainer, type Container,
} from '../../native/index.ts';
import { BUSYBOX, buildBusyboxRootfs } from '../../test/helpers/bundle.ts';
import { prepareCgroupsForCrun, removeLeftoverCgroups, type CrunCgroupSetup } from '../../test/helpers/crun-cgroups.ts';
import type { Bench, BenchContext, BenchResult, ResultRow } from './report.ts';
import { summarize, type Summary } from './stats.ts';

const SKERRY = fileURLToPath(new URL('../../dist/skerry.js', import.meta.url));
const SHIM = fileURLToPath(new URL('../../dist/skerry-shim', import.meta.url));

const TARGETS = {
  /** In-process start+wait+delete median ≤ this × crun's median. */
  inProcessVsCrun: 0.5,
  /** No per-container helper process above 1 MiB RSS. */
  helperRssKiB: 1024,
};

type Sequential = 'floor' | 'cliFloor' | 'inProcess' | 'cli' | 'crun' | 'runc';
type Concurrent = 'skerry' | 'crun' | 'runc';

const ms = (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`;
const kib = (bytes: number) => bytes / 1024;
const sleep = (msec: number) => new Promise((resolve) => setTimeout(resolve, msec));

// ---------------------------------------------------------------------------------------
// Processes: a light spawner, CPU accounting, and reaping what gets reparented to us.

/** Pids of our spawned children libuv still has to reap, and shims the runtime reaps itself. */
const notOurs = new Set<number>();

interface Spawned { code: number | null; signal: NodeJS.Signals | null; ms: number }

/** Spawns without pipes (stderr to a file), resolves at exit with the wall time. */
function spawnTimed(command: string, args: string[], stderrFd: number): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', stderrFd] });
    if (child.pid !== undefined) notOurs.add(child.pid);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const elapsed = performance.now() - t0;
      if (child.pid !== undefined) notOurs.delete(child.pid);
      resolve({ code, signal, ms: elapsed });
    });
  });
}

const TICK_MS = 1000 / 100; // USER_HZ

/** CPU of this process (µs precision) plus its reaped descendants (clock ticks), in ms. */
function cpuMs(): number {
  const self = process.cpuUsage();
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const children = (Number(fields[13]) + Number(fields[14])) * TICK_MS; // cutime, cstime
  return (self.user + self.system) / 1000 + children;
}

/** Reaps zombies reparented to us (we are a child subreaper): crun's detached inits and such. */
function reapOrphans(): number {
  let reaped = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (notOurs.has(pid)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' || Number(fields[1]) !== process.pid) continue;
    try {
      if (reapChild(pid)) reaped++;
    } catch {
      // reaped meanwhile
    }
  }
  return reaped;
}

/** Waits (untimed) until the runtime has reaped a shim, so its CPU lands in this op's account. */
async function shimGone(pid: number): Promise<void> {
  for (let i = 0; i < 2000 && fs.existsSync(`/proc/${pid}`); i++) await sleep(1);
  notOurs.delete(pid);
}

function tail(file: string, bytes = 2000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-bytes).trim();
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------
// Bundles and runtime roots.

interface Setup {
  dir: string;
  trueBundle: string;
  sleepBundle: string;
  roots: { inProcess: string; cli: string; crun: string; runc: string };
  logs: string;
  errFile: string;
  errFd: number;
}

function makeBundles(dir: string): Pick<Setup, 'trueBundle' | 'sleepBundle'> {
  const trueBundle = path.join(dir, 'true');
  const sleepBundle = path.join(dir, 'sleep');
  const rootfs = path.join(trueBundle, 'rootfs');
  buildBusyboxRootfs(rootfs);
  fs.writeFileSync(path.join(trueBundle, 'config.json'), JSON.stringify(defaultSpec(['/bin/true']), null, 2));
  fs.mkdirSync(sleepBundle);
  // The same rootfs (read-only in the spec), by absolute path.
  const sleepSpec = defaultSpec(['sleep', '5']) as { root: { path: string } };
  sleepSpec.root.path = rootfs;
  fs.writeFileSync(path.join(sleepBundle, 'config.json'), JSON.stringify(sleepSpec, null, 2));
  return { trueBundle, sleepBundle };
}

function checkPrerequisites(): void {
  if (process.getuid?.() !== 0) throw new Error('the runtime bench needs root (namespaces, mounts, cgroups); run it as root');
  for (const file of [SKERRY, SHIM]) if (!fs.existsSync(file)) throw new Error(`${file} is missing; run \`npm run build\` first`);
  for (const tool of ['crun', 'runc']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is not installed (bash scripts/setup.sh installs it)`);
    }
  }
  if (!fs.existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing (Debian package busybox-static)`);
}

/** Deletes whatever any of the four runtimes still has in our roots, and their cgroups. */
async function cleanUp(setup: Setup, ids: Set<string>): Promise<string[]> {
  const notes: string[] = [];
  for (const root of [setup.roots.inProcess, setup.roots.cli]) {
    for (const container of listContainers(root)) {
      notes.push(`deleted skerry container ${container.record.id} left in ${root}`);
      await container.delete({ force: true }).catch((e: unknown) => notes.push(`could not delete ${container.record.id}: ${String(e)}`));
    }
  }
  for (const tool of ['crun', 'runc'] as const) {
    const root = setup.roots[tool];
    if (!fs.existsSync(root)) continue;
    let listed: string[] = [];
    try {
      listed = execFileSync(tool, ['--root', root, 'list', '-q'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    } catch {
      // no state
    }
    for (const id of listed) {
      notes.push(`deleted ${tool} container ${id}`);
      try {
        execFileSync(tool, ['--root', root, 'delete', '--force', id], { stdio: 'ignore' });
      } catch {
        // reported by the cgroup sweep below if it stayed
      }
    }
  }
  await sleep(50);
  reapOrphans();
  for (const id of ids) {
    const removed = removeLeftoverCgroups(id);
    if (removed.length) notes.push(`removed leftover cgroups ${removed.join(', ')}`);
  }
  return notes;
}

// ---------------------------------------------------------------------------------------
// Part 1: sequential create+start+wait+delete.

interface SequentialResult {
  samples: number[];
  summary: Summary;
  cpuMsPerOp: number;
  /** Zombies handed to the bench (the subreaper) after this method's runs, and reaped by it. */
  orphansReaped: number;
}

async function sequential(setup: Setup, ids: Set<string>, runs: number, warmup: number, progress: (m: string) => void) {
  const { trueBundle, roots, errFd, errFile } = setup;
  let n = 0;
  const nextId = (kind: string) => {
    const id = `rtb-${process.pid}-${kind}-${n++}`;
    ids.add(id);
    return id;
  };
  const checked = (what: string, r: Spawned) => {
    if (r.code !== 0) throw new Error(`${what} exited ${r.code ?? r.signal}: ${tail(errFile)}`);
    return r.ms;
  };
  const ops: Record<Sequential, () => Promise<number>> = {
    floor: async () => checked('/bin/true', await spawnTimed('/bin/true', [], errFd)),
    cliFloor: async () => checked('skerry version', await spawnTimed(process.execPath, [SKERRY, 'version'], errFd)),
    inProcess: async () => {
      const id = nextId('api');
      const t0 = performance.now();
      const container = await runContainer({ id, bundle: trueBundle, root: roots.inProcess, logPath: path.join(setup.logs, `${id}.log`) });
      notOurs.add(container.record.shimPid);
      const exit = await container.wait();
      await container.delete();
      const elapsed = performance.now() - t0;
      if (exit.exitCode !== 0) throw new Error(`in-process /bin/true exited ${exit.exitCode}`);
      await shimGone(container.record.shimPid);
      return elapsed;
    },
    cli: async () => {
      const id = nextId('cli');
      return checked('skerry runtime run', await spawnTimed(process.execPath, [SKERRY, 'runtime', 'run', '--root', roots.cli, '--bundle', trueBundle, id], errFd));
    },
    crun: async () => checked('crun run', await spawnTimed('crun', ['--root', roots.crun, 'run', '--bundle', trueBundle, nextId('crun')], errFd)),
    runc: async () => checked('runc run', await spawnTimed('runc', ['--root', roots.runc, 'run', '--bundle', trueBundle, nextId('runc')], errFd)),
  };
  const kinds = Object.keys(ops) as Sequential[];
  const samples = Object.fromEntries(kinds.map((k) => [k, [] as number[]])) as Record<Sequential, number[]>;
  const cpu = Object.fromEntries(kinds.map((k) => [k, 0])) as Record<Sequential, number>;
  const orphans = Object.fromEntries(kinds.map((k) => [k, 0])) as Record<Sequential, number>;
  for (let round = -warmup; round < runs; round++) {
    // Rotate the order every round so drift and neighbours fall on all alike.
    const order = kinds.map((_, i) => kinds[(i + Math.max(round, 0)) % kinds.length]!);
    for (const kind of order) {
      const c0 = cpuMs();
      const elapsed = await ops[kind]();
      const c1 = cpuMs();
      // Outside the CPU window: a /proc scan costs about as much as what it looks for.
      const reaped = reapOrphans();
      if (round >= 0) {
        samples[kind].push(elapsed);
        cpu[kind] += c1 - c0;
        orphans[kind] += reaped;
      }
    }
    if (round >= 0 && (round + 1) % 10 === 0) progress(`sequential: ${round + 1}/${runs} rounds`);
  }
  const result = {} as Record<Sequential, SequentialResult>;
  for (const kind of kinds) result[kind] = { samples: samples[kind], summary: summarize(samples[kind]), cpuMsPerOp: cpu[kind] / runs, orphansReaped: orphans[kind] };
  return result;
}

// ---------------------------------------------------------------------------------------
// Part 2: N containers at once.

/** The memory cgroup of a pid as the host sees it, and what it is charged. */
function memoryCharged(pid: number): number | undefined {
  const layout = readCgroupLayout();
  const memory = hierarchyFor(layout, 'memory');
  if (!memory) return undefined;
  const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').filter(Boolean).map((l) => l.split(':'));
  const line = memory.version === 1 ? lines.find(([, c]) => c!.split(',').includes('memory')) : lines.find(([h]) => h === '0');
  if (!line) return undefined;
  const dir = path.join(memory.mountPoint, line.slice(2).join(':'));
  const file = path.join(dir, memory.version === 1 ? 'memory.usage_in_bytes' : 'memory.current');
  return Number(fs.readFileSync(file, 'utf8').trim());
}

function execd(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\x005\x00';
  } catch {
    return false;
  }
}

function ppidOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** ps -o rss (KiB) of each pid, and PSS (KiB) from smaps_rollup: shared text counts once. */
function rssOf(pids: number[]): { rss: number[]; pss: number[] } {
  if (pids.length === 0) return { rss: [], pss: [] };
  const rss = execFileSync('ps', ['-o', 'rss=', '-p', pids.join(',')], { encoding: 'utf8' }).split('\n').filter((l) => l.trim()).map(Number);
  const pss = pids.map((pid) => {
    try {
      return Number(/^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? NaN);
    } catch {
      return NaN;
    }
  });
  return { rss, pss };
}

interface ConcurrentRound {
  /** From the first start to the moment every container had exec'd. */
  allExecdMs: number;
  /** For the CLIs: when the last `run -d` process exited. */
  lastCliExitMs?: number;
  memoryBytes: number[];
  /** Per-container helper processes (not the container, not us) and their RSS/PSS in KiB. */
  helpers: number;
  helperRssKiB: number[];
  helperPssKiB: number[];
}

async function waitAllExecd(pids: number[], t0: number, timeoutMs = 30_000): Promise<number> {
  const pending = new Set(pids);
  for (;;) {
    for (const pid of pending) if (execd(pid)) pending.delete(pid);
    if (pending.size === 0) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`${pending.size} containers had not exec'd after ${timeoutMs} ms`);
    await sleep(1);
  }
}

async function concurrentSkerry(setup: Setup, ids: Set<string>, n: number, round: number): Promise<ConcurrentRound> {
  const names = Array.from({ length: n }, (_, i) => `rtb-${process.pid}-c${round}-api-${i}`);
  names.forEach((id) => ids.add(id));
  const started: Container[] = [];
  try {
    const t0 = performance.now();
    // runContainer resolves once the container's process has exec'd.
    const results = await Promise.allSettled(names.map((id) =>
      runContainer({ id, bundle: setup.sleepBundle, root: setup.roots.inProcess, logPath: path.join(setup.logs, `${id}.log`) }).then((c) => {
        notOurs.add(c.record.shimPid);
        started.push(c);
        return c;
      })));
    const allExecdMs = performance.now() - t0;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const notExecd = started.filter((c) => !execd(c.record.pid));
    if (notExecd.length) throw new Error(`${notExecd.length} skerry containers had not exec'd when runContainer resolved`);
    await sleep(300);
    const memoryBytes = started.map((c) => memoryCharged(c.record.pid) ?? NaN);
    const shims = started.map((c) => c.record.shimPid);
    const { rss, pss } = rssOf(shims);
    return { allExecdMs, memoryBytes, helpers: shims.length, helperRssKiB: rss, helperPssKiB: pss };
  } finally {
    for (const c of started) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    await Promise.all(started.map(async (c) => {
      await c.delete({ force: true });
      await shimGone(c.record.shimPid);
    }));
  }
}

async function concurrentCli(tool: 'crun' | 'runc', setup: Setup, ids: Set<string>, n: number, round: number): Promise<ConcurrentRound> {
  const root = setup.roots[tool];
  const names = Array.from({ length: n }, (_, i) => `rtb-${process.pid}-c${round}-${tool}-${i}`);
  names.forEach((id) => ids.add(id));
  const pidFile = (id: string) => path.join(setup.dir, `${id}.pid`);
  try {
    const t0 = performance.now();
    const runs = names.map((id) => spawnTimed(tool, ['--root', root, 'run', '--detach', '--pid-file', pidFile(id), '--bundle', setup.sleepBundle, id], setup.errFd));
    // Each run -d has written its pid file by the time it exits; its container may exec later.
    const exits = await Promise.all(runs);
    const lastCliExitMs = performance.now() - t0;
    const bad = exits.filter((r) => r.code !== 0);
    if (bad.length) throw new Error(`${bad.length} of ${n} \`${tool} run -d\` failed: ${tail(setup.errFile)}`);
    const pids = names.map((id) => Number(fs.readFileSync(pidFile(id), 'utf8').trim()));
    const allExecdMs = await waitAllExecd(pids, t0);
    await sleep(300);
    const memoryBytes = pids.map((pid) => memoryCharged(pid) ?? NaN);
    // A helper would be a container's parent other than us (the subreaper it was handed to).
    const parents = [...new Set(pids.map(ppidOf).filter((p): p is number => p !== undefined && p !== process.pid && p !== 1))];
    const { rss, pss } = rssOf(parents);
    return { allExecdMs, lastCliExitMs, memoryBytes, helpers: parents.length, helperRssKiB: rss, helperPssKiB: pss };
  } finally {
    // delete --force kills and removes; a few at a time.
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(names.slice(i, i + 10).map((id) => spawnTimed(tool, ['--root', root, 'delete', '--force', id], setup.errFd)));
    }
    await sleep(20);
    reapOrphans();
    for (const id of names) removeLeftoverCgroups(id);
  }
}

// ---------------------------------------------------------------------------------------

function versionOf(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]!.trim();
  } catch {
    return 'unknown';
  }
}

/** The cgroup mounts during the run: "mount point fstype super-options". */
function cgroupMounts(): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').flatMap((line) => {
    const [left, right] = line.split(' - ');
    const [fstype, , options] = (right ?? '').split(' ');
    return fstype === 'cgroup' || fstype === 'cgroup2' ? [`${left!.split(' ')[4]} ${fstype} ${options}`] : [];
  });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const medianOf = (xs: number[]) => summarize(xs).p50;

async function run(context: BenchContext): Promise<BenchResult> {
  const { dir, quick, progress } = context;
  checkPrerequisites();
  const runs = quick ? 5 : 40;
  const warmup = quick ? 1 : 3;
  const concurrent = quick ? 10 : 50;
  const concurrentRounds = quick ? 1 : 3;

  // Orphans (crun's detached inits, a CLI's unreaped shim) come to us, and we reap them:
  // PID 1 on this VM does not.
  becomeChildSubreaper();
  const errFile = path.join(dir, 'stderr.log');
  const bundles = makeBundles(dir);
  const setup: Setup = {
    dir,
    ...bundles,
    roots: { inProcess: path.join(dir, 'root-api'), cli: path.join(dir, 'root-cli'), crun: path.join(dir, 'root-crun'), runc: path.join(dir, 'root-runc') },
    logs: path.join(dir, 'logs'),
    errFile,
    errFd: fs.openSync(errFile, 'a'),
  };
  fs.mkdirSync(setup.logs);
  const ids = new Set<string>();
  const notes: string[] = [];
  let layout: string[] = [];
  let cgroups: CrunCgroupSetup | undefined;
  let seq!: Record<Sequential, SequentialResult>;
  const rounds: Record<Concurrent, ConcurrentRound[]> = { skerry: [], crun: [], runc: [] };
  try {
    cgroups = prepareCgroupsForCrun();
    progress(cgroups.note);
    notes.push(cgroups.note);
    layout = cgroupMounts();
    progress(`sequential: ${warmup} warm-up + ${runs} rounds of floor, CLI floor, in-process, CLI, crun, runc (rotating order)`);
    seq = await sequential(setup, ids, runs, warmup, progress);
    for (let round = 0; round < concurrentRounds; round++) {
      const order: Concurrent[] = (['skerry', 'crun', 'runc'] as Concurrent[]).map((_, i, all) => all[(i + round) % all.length]!);
      for (const kind of order) {
        progress(`concurrent round ${round + 1}/${concurrentRounds}: ${concurrent} × sleep 5 under ${kind}`);
        rounds[kind].push(kind === 'skerry' ? await concurrentSkerry(setup, ids, concurrent, round) : await concurrentCli(kind, setup, ids, concurrent, round));
      }
    }
  } finally {
    for (const note of await cleanUp(setup, ids)) {
      progress(note);
      notes.push(note);
    }
    fs.closeSync(setup.errFd);
    if (cgroups) {
      const undone = await cgroups.undo();
      progress(undone);
      notes.push(undone);
    }
  }

  const crunMedian = seq.crun.summary.p50;
  const seqNote = (r: SequentialResult) => `p90 ${ms(r.summary.p90)}, min ${ms(r.summary.min)}; CPU ≈ ${ms(r.cpuMsPerOp)}/run`;
  const conc = (kind: Concurrent) => {
    const rs = rounds[kind];
    const memory = rs.flatMap((r) => r.memoryBytes).filter(Number.isFinite);
    return {
      allExecdMs: medianOf(rs.map((r) => r.allExecdMs)),
      perRound: rs.map((r) => ms(r.allExecdMs)).join(', '),
      lastCliExitMs: rs[0]?.lastCliExitMs === undefined ? undefined : medianOf(rs.map((r) => r.lastCliExitMs!)),
      memoryKiB: kib(mean(memory)),
      memoryMedianKiB: kib(medianOf(memory)),
      memoryMaxKiB: kib(Math.max(...memory)),
      helpers: rs.map((r) => r.helpers),
      helperRssKiB: rs.flatMap((r) => r.helperRssKiB),
      helperPssKiB: rs.flatMap((r) => r.helperPssKiB).filter(Number.isFinite),
    };
  };
  const cs = { skerry: conc('skerry'), crun: conc('crun'), runc: conc('runc') };
  const shimRss = cs.skerry.helperRssKiB;
  const n = concurrent;

  const rows: ResultRow[] = [
    { id: 'floor_spawn', metric: 'Floor: Node spawns /bin/true', value: seq.floor.summary.p50, unit: 'ms', notes: `how every CLI below is started; ${seqNote(seq.floor)}` },
    { id: 'floor_cli', metric: 'Floor: node dist/skerry.js version', value: seq.cliFloor.summary.p50, unit: 'ms', notes: `Node start + bundle load, no container; ${seqNote(seq.cliFloor)}` },
    {
      id: 'run_in_process', metric: 'skerry in-process: runContainer+wait+delete', value: seq.inProcess.summary.p50, unit: 'ms',
      notes: `median of ${runs}; ${seqNote(seq.inProcess)}`,
    },
    { id: 'run_cli', metric: 'skerry runtime run (CLI)', value: seq.cli.summary.p50, unit: 'ms', notes: `${seqNote(seq.cli)}; minus the version floor: ${ms(seq.cli.summary.p50 - seq.cliFloor.summary.p50)}` },
    { id: 'run_crun', metric: 'crun run', value: crunMedian, unit: 'ms', notes: `${seqNote(seq.crun)}; minus the spawn floor: ${ms(crunMedian - seq.floor.summary.p50)}` },
    { id: 'run_runc', metric: 'runc run', value: seq.runc.summary.p50, unit: 'ms', notes: seqNote(seq.runc) },
    {
      id: 'ratio_in_process_crun', metric: 'skerry in-process / crun run', value: seq.inProcess.summary.p50 / crunMedian, unit: 'x',
      target: { op: '<=', value: TARGETS.inProcessVsCrun }, notes: `medians; vs crun minus spawn floor: ${(seq.inProcess.summary.p50 / (crunMedian - seq.floor.summary.p50)).toFixed(2)}x`,
    },
    { id: 'ratio_cli_crun', metric: 'skerry runtime run / crun run', value: seq.cli.summary.p50 / crunMedian, unit: 'x', notes: 'medians; Node start dominates' },
    { id: 'ratio_runc_crun', metric: 'runc run / crun run', value: seq.runc.summary.p50 / crunMedian, unit: 'x', notes: 'medians' },
    {
      id: 'concurrent_skerry', metric: `${n} × sleep 5 at once, all exec'd: skerry in-process`, value: cs.skerry.allExecdMs, unit: 'ms',
      target: { op: '<=', value: cs.crun.allExecdMs }, notes: `median of ${concurrentRounds} rounds (${cs.skerry.perRound}); target: crun's time`,
    },
    {
      id: 'concurrent_crun', metric: `${n} × sleep 5 at once, all exec'd: crun run -d`, value: cs.crun.allExecdMs, unit: 'ms',
      notes: `rounds ${cs.crun.perRound}; last crun exited at ${ms(cs.crun.lastCliExitMs ?? NaN)}`,
    },
    {
      id: 'concurrent_runc', metric: `${n} × sleep 5 at once, all exec'd: runc run -d`, value: cs.runc.allExecdMs, unit: 'ms',
      notes: `rounds ${cs.runc.perRound}; last runc exited at ${ms(cs.runc.lastCliExitMs ?? NaN)}`,
    },
    {
      id: 'memory_skerry', metric: 'Memory charged per container: skerry', value: cs.skerry.memoryKiB, unit: 'KiB',
      notes: `mean of ${n * concurrentRounds} cgroups, median ${cs.skerry.memoryMedianKiB.toFixed(0)}, max ${cs.skerry.memoryMaxKiB.toFixed(0)} KiB; the shim is not in it (it stays in the agent's cgroup)`,
    },
    { id: 'memory_crun', metric: 'Memory charged per container: crun', value: cs.crun.memoryKiB, unit: 'KiB', notes: `median ${cs.crun.memoryMedianKiB.toFixed(0)}, max ${cs.crun.memoryMaxKiB.toFixed(0)} KiB` },
    { id: 'memory_runc', metric: 'Memory charged per container: runc', value: cs.runc.memoryKiB, unit: 'KiB', notes: `median ${cs.runc.memoryMedianKiB.toFixed(0)}, max ${cs.runc.memoryMaxKiB.toFixed(0)} KiB` },
    {
      id: 'helper_rss_skerry', metric: 'Per-container helper RSS: skerry-shim, max', value: shimRss.length ? Math.max(...shimRss) : NaN, unit: 'KiB',
      target: { op: '<=', value: TARGETS.helperRssKiB },
      notes: `one shim per container (${shimRss.length} measured, ps -o rss); mean ${mean(shimRss).toFixed(0)} KiB RSS, ${mean(cs.skerry.helperPssKiB).toFixed(0)} KiB PSS (text shared via one memfd)`,
    },
    {
      id: 'helper_count_crun', metric: 'Per-container helper processes: crun', value: Math.max(...cs.crun.helpers), unit: 'processes',
      notes: 'none once detached: each container\'s parent is the bench itself (the subreaper crun\'s exit handed it to)',
    },
    {
      id: 'helper_count_runc', metric: 'Per-container helper processes: runc', value: Math.max(...cs.runc.helpers), unit: 'processes',
      notes: 'none once detached, as for crun',
    },
  ];

  return {
    rows,
    versions: {
      crun: versionOf('crun', ['--version']).replace(/^crun version /, ''),
      runc: versionOf('runc', ['--version']).replace(/^runc version /, ''),
      busybox: versionOf(BUSYBOX, ['--help']).replace(/^BusyBox /, '').replace(/ multi-call binary\.?$/, ''),
    },
    config: {
      quick,
      runs,
      warmup,
      concurrent,
      concurrentRounds,
      targets: TARGETS,
      notes,
      cgroupMounts: layout,
      method: [
        `Bundle: a busybox-static rootfs and the config.json \`skerry runtime spec\` writes (Docker's 14 capabilities, no_new_privs, default seccomp profile, masked and read-only paths, pid/net/ipc/uts/mount/cgroup namespaces, read-only root), running /bin/true; the concurrent part uses the same rootfs with \`sleep 5\`. No resource limits; every runtime still makes its cgroups. State roots and logs live in the bench's temp directory, the same filesystem for all.`,
        `Sequential: ${warmup} warm-up rounds, then ${runs} rounds; each round runs every method once, the order rotated each round. In-process: runContainer (logging to a CRI file, as the agent does) + wait() + delete(), timed in this process. CLIs: child_process.spawn with no pipes (stdin/stdout ignored, stderr to a file), timed from spawn() to the exit event; \`skerry runtime run\`, \`crun run\` and \`runc run\` each create, start, wait for and delete the container. The floors are spawned the same way.`,
        `CPU per run: this process's user+system time (process.cpuUsage) plus its reaped descendants' (cutime+cstime from /proc/self/stat, 10 ms ticks; summed over all runs of a method, so ±1 tick per run averages out).`,
        `Concurrent: ${concurrent} containers started at once, ${concurrentRounds} rounds per runtime in rotating order. skerry: ${concurrent} runContainer calls in one Promise.all; done when all resolved (each resolves after its container exec'd; checked against /proc/<pid>/cmdline). crun/runc: ${concurrent} \`run --detach --pid-file\` processes spawned at once; done when every pid's /proc/<pid>/cmdline reads \`sleep 5\` (polled every millisecond once all the runs have exited; by then nearly all have).`,
        `Memory charged: 300 ms after the last exec, each container's memory cgroup (found from /proc/<pid>/cgroup) memory.usage_in_bytes (v1) or memory.current (v2), averaged. Helpers: skerry's per-container skerry-shim (ps -o rss; PSS from /proc/<pid>/smaps_rollup); for crun and runc, any parent of a container pid other than the bench (which made itself a child subreaper, so detached containers are handed to it) and PID 1.`,
        `Cleanup: every container is killed and deleted even on failure (skerry delete --force, crun/runc delete --force for whatever \`list\` shows), leftover cgroups named by our ids are removed, zombies handed to the bench are reaped.`,
        ...notes.filter((note) => note.startsWith('cgroups for crun')),
      ],
    },
    details: { sequential: seq, concurrent: rounds },
  };
}

export const runtimeBench: Bench = { name: 'runtime', title: 'Container runtime: skerry vs crun and runc', run };
