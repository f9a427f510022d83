// Container cgroups against the real kernel of this machine (v1, v2 or hybrid). These
// tests move real processes into real cgroups, so they need root and run one at a time.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  CgroupError, createContainerCgroup, findContainerCgroup, listContainerCgroups, readCgroupLayout, type ContainerCgroup, type LinuxResources,
} from '../native/cgroups/index.ts';

const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test.serial : test.skip;
const layout = readCgroupLayout();
const memoryV1 = layout.hierarchies.some((h) => h.version === 1 && h.controllers.includes('memory'));

function uniqueId(): string {
  return `skerry-test-${randomBytes(4).toString('hex')}`;
}

function makeCgroup(t: ExecutionContext, resources?: LinuxResources): ContainerCgroup {
  const cgroup = createContainerCgroup(uniqueId(), resources);
  t.teardown(() => cgroup.destroy());
  return cgroup;
}

/** A shell that waits for a line on stdin before running `script`, so it can join first. */
function gatedShell(t: ExecutionContext, script: string) {
  const child = spawn('/bin/sh', ['-c', `read go; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d));
  child.stderr.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  t.teardown(() => void child.kill('SIGKILL'));
  return {
    child,
    exited,
    output: () => output,
    // What the container init does: write into every procs file, in order.
    join: (cgroup: ContainerCgroup) => cgroup.procsFiles.forEach((file) => fs.writeFileSync(file, String(child.pid))),
    start: () => child.stdin.write('go\n'),
    waitFor: async (text: string | RegExp, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (typeof text === 'string' ? !output.includes(text) : !text.test(output)) {
        if (Date.now() > deadline) throw new Error(`no "${text}" in output: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

const read = (cgroup: ContainerCgroup, controller: string, file: string) => fs.readFileSync(path.join(cgroup.paths[controller]!, file), 'utf8').trim();

rootTest('the memory limit is applied and an allocation past it is OOM-killed and reported (needs root)', async (t) => {
  const limit = 16 * 1024 * 1024;
  const cgroup = makeCgroup(t, { memory: { limit, swap: limit } });
  t.is(read(cgroup, 'memory', memoryV1 ? 'memory.limit_in_bytes' : 'memory.max'), String(limit));
  t.is(read(cgroup, 'memory', memoryV1 ? 'memory.memsw.limit_in_bytes' : 'memory.swap.max'), memoryV1 ? String(limit) : '0');
  t.is(cgroup.stats().memory.limit, limit);
  const shell = gatedShell(t, 'x=$(head -c 64m /dev/zero | tr "\\0" a); echo survived ${#x}');
  shell.join(cgroup);
  t.false(cgroup.oomKilled());
  shell.start();
  const exit = await shell.exited;
  t.is(exit.signal, 'SIGKILL', `the shell was not killed: ${shell.output()}`);
  t.true(cgroup.oomKilled());
  t.true(cgroup.stats().memory.maxUsage! >= limit * 0.9, 'the peak reached the limit');
});

rootTest('cpu shares, quota, period and cpus read back and the quota throttles a busy loop (needs root)', async (t) => {
  const cgroup = makeCgroup(t, { cpu: { shares: 512, quota: 20_000, period: 50_000, cpus: '0' } });
  const cpuV1 = layout.hierarchies.some((h) => h.version === 1 && h.controllers.includes('cpu'));
  if (cpuV1) {
    t.is(read(cgroup, 'cpu', 'cpu.shares'), '512');
    t.is(read(cgroup, 'cpu', 'cpu.cfs_quota_us'), '20000');
    t.is(read(cgroup, 'cpu', 'cpu.cfs_period_us'), '50000');
  } else {
    t.is(read(cgroup, 'cpu', 'cpu.weight'), '20');
    t.is(read(cgroup, 'cpu', 'cpu.max'), '20000 50000');
  }
  t.is(read(cgroup, 'cpuset', 'cpuset.cpus'), '0');
  const shell = gatedShell(t, 'while :; do :; done');
  shell.join(cgroup);
  shell.start();
  await new Promise((resolve) => setTimeout(resolve, 600));
  const { cpu } = cgroup.stats();
  t.true(cpu.usageNanos > 50e6, `usage ${cpu.usageNanos} ns`);
  // 40% of one cpu over 0.6 s is about 0.24 s of cpu time; allow for scheduling slack.
  t.true(cpu.usageNanos < 0.45e9, `the quota held usage to ${cpu.usageNanos} ns`);
  t.true(cpu.throttled!.throttledPeriods > 0, JSON.stringify(cpu.throttled));
  t.true(fs.readFileSync(`/proc/${shell.child.pid}/status`, 'utf8').includes('Cpus_allowed_list:\t0\n'));
});

rootTest('forking past the pids limit fails inside and pids stats count the tasks (needs root)', async (t) => {
  const cgroup = makeCgroup(t, { pids: { limit: 4 } });
  t.is(read(cgroup, 'pids', 'pids.max'), '4');
  const shell = gatedShell(t, 'for i in 1 2 3 4 5 6; do sleep 30 & done; echo forked; wait');
  shell.join(cgroup);
  shell.start();
  await shell.exited;
  // 'exit' can come before the last of the shell's stderr is read, and 'close' waits for the sleeps that share the pipe.
  await shell.waitFor(/fork/i);
  t.false(shell.output().includes('forked'));
  // The shell died on the failed fork; the three sleeps it did start are left.
  const { pids } = cgroup.stats();
  t.deepEqual(pids, { current: 3, limit: 4 });
  t.is(cgroup.pids().length, 3);
});

rootTest('stats report memory, cpu time and the number of tasks (needs root)', async (t) => {
  const cgroup = makeCgroup(t, {});
  const shell = gatedShell(t, 'sleep 30 & sleep 30 & i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo done; wait');
  shell.join(cgroup);
  shell.start();
  await shell.waitFor('done');
  const stats = cgroup.stats();
  t.true(stats.memory.usage > 0, JSON.stringify(stats));
  t.is(stats.memory.limit, null);
  t.true(stats.cpu.usageNanos > 10e6, JSON.stringify(stats));
  t.true(stats.cpu.user! + stats.cpu.system! > 0);
  t.deepEqual(stats.pids, { current: 3, limit: null });
});

rootTest('destroy kills live processes, even in nested cgroups, and leaves no directory (needs root)', async (t) => {
  const cgroup = makeCgroup(t, { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 20 } });
  const shell = gatedShell(t, 'sleep 60 & echo started; exec sleep 60');
  shell.join(cgroup);
  shell.start();
  await shell.waitFor('started');
  // A container may make cgroups of its own below its root.
  const nested = path.join(cgroup.paths.memory!, 'inner');
  fs.mkdirSync(nested);
  const inner = gatedShell(t, 'exec sleep 60');
  fs.writeFileSync(path.join(nested, 'cgroup.procs'), String(inner.child.pid));
  t.true(listContainerCgroups().includes(cgroup.id));
  await cgroup.destroy();
  t.is((await shell.exited).signal, 'SIGKILL');
  t.is((await inner.exited).signal, 'SIGKILL');
  for (const dir of Object.values(cgroup.paths)) t.false(fs.existsSync(dir), dir);
  t.false(listContainerCgroups().includes(cgroup.id));
  t.is(findContainerCgroup(cgroup.id), undefined);
});

rootTest('a restarted agent finds the cgroup again, with its processes and OOM record (needs root)', async (t) => {
  const cgroup = makeCgroup(t, { memory: { limit: 16 * 1024 * 1024 } });
  const shell = gatedShell(t, 'echo started; exec sleep 60');
  shell.join(cgroup);
  shell.start();
  await shell.waitFor('started');
  const found = findContainerCgroup(cgroup.id)!;
  t.deepEqual(found.paths, cgroup.paths);
  t.deepEqual(found.procsFiles, cgroup.procsFiles);
  t.deepEqual(found.pids(), [shell.child.pid]);
  t.false(found.oomKilled());
  await found.destroy();
  t.is((await shell.exited).signal, 'SIGKILL');
});

rootTest('a value the kernel refuses names the file, the errno and the field, and leaves nothing (needs root)', (t) => {
  const id = uniqueId();
  const error = t.throws(() => createContainerCgroup(id, { cpu: { cpus: '64' } }));
  t.true(error instanceof CgroupError, String(error));
  // Linux says ERANGE for a cpu beyond the possible ones (EINVAL on older kernels).
  t.regex(error!.message, /^write \/sys\/fs\/cgroup\/.*cpuset\.cpus "64": (ERANGE|EINVAL) \(.+\) \(from linux\.resources\.cpu\.cpus\)$/);
  t.regex((error as CgroupError).code, /^(ERANGE|EINVAL)$/);
  t.false(listContainerCgroups().includes(id));
});

rootTest('an invalid value is refused before any directory is made (needs root)', (t) => {
  const id = uniqueId();
  t.throws(() => createContainerCgroup(id, { memory: { limit: -5 } }), {
    message: 'Configuration is not valid: linux.resources.memory.limit must be a positive integer of bytes (or -1 for unlimited), got -5',
  });
  t.false(listContainerCgroups().includes(id));
});

rootTest('a container id that already has a cgroup is refused (needs root)', (t) => {
  const cgroup = makeCgroup(t, {});
  const error = t.throws(() => createContainerCgroup(cgroup.id, {}));
  t.regex(error!.message, /^mkdir .*: EEXIST/);
  t.true(fs.existsSync(cgroup.procsFiles[0]!), 'the first container keeps its cgroup');
});

const devicesV1 = layout.hierarchies.some((h) => h.version === 1 && h.controllers.includes('devices'));
(isRoot && devicesV1 ? test.serial : test.skip)('v1 device rules deny the host disk but keep /dev/null usable (needs root)', async (t) => {
  const cgroup = makeCgroup(t, { devices: [{ allow: false, access: 'rwm' }] });
  const list = read(cgroup, 'devices', 'devices.list').split('\n');
  t.true(list.includes('c 1:3 rwm') && !list.includes('a *:* rwm'), list.join(', '));
  const disk = fs.readdirSync('/dev').find((name) => /^(vd|sd|nvme)[a-z0-9]+$/.test(name));
  const shell = gatedShell(t, `echo x > /dev/null && echo null-ok; head -c 1 /dev/${disk ?? 'vda'} > /dev/null || echo disk-denied`);
  shell.join(cgroup);
  shell.start();
  await shell.exited;
  t.regex(shell.output(), /null-ok/);
  // head's stderr and the shell's stdout arrive on two pipes, in either order.
  t.regex(shell.output(), /Operation not permitted/);
  t.regex(shell.output(), /disk-denied/);
});

rootTest('on a v1-only layout destroy freezes and kills a forking process (needs root)', async (t) => {
  const v1Only = { mode: 'v1' as const, hierarchies: layout.hierarchies.filter((h) => h.version === 1) };
  const cgroup = createContainerCgroup(uniqueId(), { pids: { limit: 50 } }, { layout: v1Only });
  t.teardown(() => cgroup.destroy());
  t.is(cgroup.paths.unified, undefined);
  // A shell that keeps forking: without the freezer new children race the kill loop.
  const shell = gatedShell(t, 'echo started; while :; do sleep 1 & sleep 0.01; done');
  shell.join(cgroup);
  shell.start();
  await shell.waitFor('started');
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.true(cgroup.pids().length > 1);
  await cgroup.destroy();
  t.is((await shell.exited).signal, 'SIGKILL');
  for (const dir of Object.values(cgroup.paths)) t.false(fs.existsSync(dir), dir);
});

rootTest('a file this kernel does not have is refused as not supported, naming the field (needs root)', (t) => {
  const id = uniqueId();
  t.throws(() => createContainerCgroup(id, { unified: { 'cgroup.no_such_file': '1' } }), {
    message: /^Configuration is not valid: linux\.resources\.unified\["cgroup\.no_such_file"\] is not supported on this host: .*cgroup\.no_such_file does not exist/,
  });
  t.false(listContainerCgroups().includes(id));
});
