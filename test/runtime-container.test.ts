import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { becomeChildSubreaper, listContainerCgroups, openContainer, reapChild, runContainer } from '../native/index.ts';
import { makeBundle, readCriLog, streamText } from './helpers/bundle.ts';

const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test : test.skip;
const NEEDS_ROOT = ' (needs root: namespaces, mounts, cgroups)';
const MiB = 1024 * 1024;

function runtimeRoot(t: { teardown(fn: () => void): void }): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-rtroot-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}

const uniqueId = (label: string) => `${label}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;

rootTest(`a container outlives the process that started it and is re-adopted from its state dir${NEEDS_ROOT}`, async (t) => {
  becomeChildSubreaper();
  const bundle = makeBundle('adopt', ['sh', '-c', 'echo started; exec sleep 30']);
  t.teardown(bundle.remove);
  const root = runtimeRoot(t);
  const id = uniqueId('adopt');
  const fixture = fileURLToPathLocal('./fixtures/start-detached.ts');
  const record = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', fixture, root, id, bundle.dir, bundle.logPath], { encoding: 'utf8' }));
  const adopted = openContainer(id, root)!;
  t.teardown(() => adopted.delete({ force: true }).catch(() => undefined));
  t.truthy(adopted);
  t.is(adopted.record.pid, record.pid);
  t.true(adopted.running());
  for (let i = 0; i < 50 && !fs.existsSync(bundle.logPath); i++) await new Promise((r) => setTimeout(r, 20));
  adopted.kill('SIGKILL');
  const exit = await adopted.wait();
  t.is(exit.exitCode, 137);
  t.is(exit.signal, 9);
  t.false(exit.oomKilled);
  t.regex(streamText(readCriLog(bundle.logPath), 'stdout'), /started/);
  // The shim was orphaned when its starter exited; as the subreaper, we collect it.
  let reaped;
  for (let i = 0; i < 100 && !(reaped = reapChild(record.shimPid)); i++) await new Promise((r) => setTimeout(r, 20));
  t.truthy(reaped, 'the orphaned shim exited and was reaped, leaving no zombie');
  await adopted.delete();
  t.false(listContainerCgroups().includes(id));
  t.false(fs.existsSync(path.join(root, id)));
});

rootTest(`an OOM kill is reported as such, and stats read the container's cgroup${NEEDS_ROOT}`, async (t) => {
  const bundle = makeBundle('oom', ['sh', '-c', 'sleep 0.3; dd if=/dev/zero of=/dev/null bs=64M count=1'], (config) => {
    config.linux.resources = { memory: { limit: 16 * MiB }, pids: { limit: 32 } };
  });
  t.teardown(bundle.remove);
  const root = runtimeRoot(t);
  const container = await runContainer({ id: uniqueId('oom'), bundle: bundle.dir, root, logPath: bundle.logPath });
  t.teardown(() => container.delete({ force: true }).catch(() => undefined));
  const stats = container.stats();
  t.true(stats.pids.current >= 1);
  t.is(stats.pids.limit, 32);
  t.is(stats.memory.limit, 16 * MiB);
  t.true(stats.memory.usage > 0);
  const exit = await container.wait();
  t.true(exit.oomKilled);
  t.is(exit.exitCode, 137);
  await container.delete();
});

// Serial: counts of fds and zombies of this process must not see the other tests' containers.
(isRoot ? test.serial : test.skip)(`1,000 run/wait/delete cycles leave no mount, cgroup, fd, zombie or state file behind${NEEDS_ROOT}`, async (t) => {
  t.timeout(180_000);
  const bundle = makeBundle('cycles', ['/bin/true']);
  t.teardown(bundle.remove);
  const root = runtimeRoot(t);
  const count = () => ({
    // Only what this test made: other test files run containers at the same time.
    mounts: fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(bundle.dir) || l.includes(root)).length,
    cgroups: listContainerCgroups().filter((id) => id.startsWith(`cycle-${process.pid}-`)).length,
    fds: fs.readdirSync('/proc/self/fd').length,
    states: fs.readdirSync(root).length,
    zombies: execFileSync('ps', ['-o', 'stat=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n').filter((s) => s.startsWith('Z')).length,
  });
  const cycle = async (i: number) => {
    const container = await runContainer({ id: `cycle-${process.pid}-${i}`, bundle: bundle.dir, root, logPath: bundle.logPath });
    const exit = await container.wait();
    if (exit.exitCode !== 0) t.fail(`cycle ${i} exited ${exit.exitCode}`);
    await container.delete();
  };
  await cycle(-1); // the first start makes the process's one sealed copy of the shim (an fd kept for good)
  const before = count();
  const started = performance.now();
  for (let i = 0; i < 1000; i++) await cycle(i);
  t.log(`1,000 cycles in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await new Promise((r) => setTimeout(r, 200));
  t.deepEqual(count(), before);
});

function fileURLToPathLocal(relative: string): string {
  return new URL(relative, import.meta.url).pathname;
}
