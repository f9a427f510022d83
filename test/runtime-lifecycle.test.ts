// A container's life through the shim: CRI logs, exit codes and signals, the exit record,
// joining cgroups, and nothing left behind.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { startContainer } from '../native/index.ts';
import { DOCKER_MASKS, killQuietly, makeBundle, readCriLog, runBundle, type TestBundle } from './helpers/bundle.ts';

const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test : test.skip;
const NEEDS_ROOT = ' (needs root: namespaces and mounts)';

function bundleFor(t: { teardown(fn: () => void): void }, name: string, script: string): TestBundle {
  const bundle = makeBundle(name, ['sh', '-c', script]);
  t.teardown(bundle.remove);
  return bundle;
}

function gone(pid: number): boolean {
  return !fs.existsSync(`/proc/${pid}`);
}

rootTest(`stdout and stderr land in a CRI log: F for lines, P for 16 KiB parts and a last line without newline${NEEDS_ROOT}`, async (t) => {
  const script = 'echo one; echo two >&2; head -c 20000 /dev/zero | tr "\\0" a; echo; printf tail';
  const run = await runBundle(bundleFor(t, 'cri', script));
  t.is(run.exit.exitCode, 0);
  const out = run.lines.filter((l) => l.stream === 'stdout').map((l) => `${l.tag}${l.text.length}`);
  t.deepEqual(out, ['F3', 'P16384', 'F3616', 'P4']);
  t.deepEqual(run.lines.filter((l) => l.stream === 'stderr').map((l) => [l.tag, l.text]), [['F', 'two']]);
  t.is(run.stdout, `one\n${'a'.repeat(20000)}\ntail`);
  const times = run.lines.map((l) => Date.parse(l.time));
  t.true(times.every((ms, i) => !Number.isNaN(ms) && (i === 0 || ms >= times[i - 1]!)));
});

rootTest(`the log is appended to, never truncated, across runs${NEEDS_ROOT}`, async (t) => {
  const bundle = bundleFor(t, 'append', 'echo again');
  await runBundle(bundle);
  await runBundle(bundle);
  t.deepEqual(readCriLog(bundle.logPath).map((l) => l.text), ['again', 'again']);
});

rootTest(`exit codes propagate, and a killed container reports 128+signal${NEEDS_ROOT}`, async (t) => {
  const run = await runBundle(bundleFor(t, 'exit7', 'exit 7'));
  t.deepEqual(run.exit, { exitCode: 7, signal: null });
  t.like(run.exitRecord, { pid: run.pid, exitCode: 7, signal: null });
  t.regex(run.exitRecord.exitedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);

  const bundle = bundleFor(t, 'killed', 'echo up; exec sleep 60');
  const started = await startContainer({ bundle: bundle.dir, stateDir: bundle.stateDir, logPath: bundle.logPath, capabilities: DOCKER_MASKS });
  t.teardown(() => killQuietly(started.pid));
  process.kill(started.pid, 'SIGKILL');
  t.deepEqual(await started.exited, { exitCode: 137, signal: 9 });
  t.like(JSON.parse(fs.readFileSync(path.join(bundle.stateDir, 'exit'), 'utf8')), { exitCode: 137, signal: 9 });
});

rootTest(`orphans are reaped and the shim and container leave no process or host mount behind${NEEDS_ROOT}`, async (t) => {
  const mountsBefore = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  // The background sleeps outlive sh's exit: the pid namespace ends them, the shim reaps them.
  const bundle = bundleFor(t, 'orphans', '(sleep 30 &) ; sleep 30 & echo started');
  const run = await runBundle(bundle);
  t.is(run.exit.exitCode, 0);
  t.true(gone(run.pid));
  t.true(gone(run.shimPid), 'the shim was reaped');
  t.is(fs.readFileSync('/proc/self/mountinfo', 'utf8'), mountsBefore);
  t.deepEqual(fs.readdirSync(bundle.stateDir), ['exit']);
});

rootTest(`the init joins the given cgroups before anything runs, and sees itself at the root of its cgroup namespace${NEEDS_ROOT}`, async (t) => {
  const hierarchy = '/sys/fs/cgroup/pids';
  if (!fs.existsSync(path.join(hierarchy, 'cgroup.procs'))) return t.pass('no v1 pids hierarchy here');
  const dir = fs.mkdtempSync(path.join(hierarchy, 'skerry-runtime-test-'));
  t.teardown(() => fs.rmdirSync(dir));
  const bundle = bundleFor(t, 'cgroup', 'grep pids /proc/self/cgroup; sleep 1');
  const started = await startContainer({
    bundle: bundle.dir, stateDir: bundle.stateDir, logPath: bundle.logPath, capabilities: DOCKER_MASKS, cgroupProcs: [path.join(dir, 'cgroup.procs')],
  });
  t.teardown(() => killQuietly(started.pid));
  t.true(fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').includes(String(started.pid)));
  t.is((await started.exited).exitCode, 0);
  t.regex(readCriLog(bundle.logPath)[0]!.text, /^\d+:pids:\/$/);
});

rootTest(`a cgroup.procs path that is not on a cgroup filesystem is refused${NEEDS_ROOT}`, async (t) => {
  const bundle = bundleFor(t, 'notcgroup', 'true');
  const fake = path.join(bundle.base, 'cgroup.procs');
  fs.writeFileSync(fake, '');
  const error = await t.throwsAsync(runBundle(bundle, { cgroupProcs: [fake] }));
  t.is(error!.message, `join cgroup ${fake}: EXDEV (Invalid cross-device link)`);
  t.is(fs.readFileSync(fake, 'utf8'), '');
});
