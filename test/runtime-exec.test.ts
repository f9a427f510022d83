// exec into a running container through the TypeScript API: what the exec'd process sees
// is checked from inside it (and, for cgroups and namespaces, against the host's view).
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { isSkerryError } from '../common/index.ts';
import { compileExecPlan, openContainer, readSpec, runContainer, type Container, type ExecProcess } from '../native/index.ts';
import { launchShim } from '../native/runtime/spawn.ts';
import { DEFAULT_SECCOMP_PROFILE } from '../native/security/index.ts';
import { DOCKER_MASKS, makeBundle, readCriLog, streamText, type TestBundle } from './helpers/bundle.ts';

const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test : test.skip;
const NEEDS_ROOT = ' (needs root: namespaces, mounts, cgroups)';

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const uniqueId = (label: string) => `exec-${label}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;

async function waitFor(what: string, check: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (check()) return;
  throw new Error(`timed out waiting for ${what}`);
}

interface Sleeper { container: Container; bundle: TestBundle; id: string; root: string }

/**
 * A detached busybox container running `sleep 30` as its pid 1, after writing /tmp/marker
 * on its own tmpfs; hostname exec-box, the default seccomp profile. Removed after the test.
 */
async function sleeper(t: ExecutionContext, label: string, edit?: (c: Config) => void): Promise<Sleeper> {
  const bundle = makeBundle(`exec-${label}`, ['sh', '-c', 'echo from-init > /tmp/marker; exec sleep 30'], (c) => {
    c.hostname = 'exec-box';
    c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'mode=1777'] });
    c.linux.seccomp = DEFAULT_SECCOMP_PROFILE;
    edit?.(c);
  });
  // A user namespace's root is an unprivileged host uid: it must reach the rootfs.
  if (bundle.config.linux.namespaces.some((n: { type: string }) => n.type === 'user')) fs.chmodSync(bundle.base, 0o755);
  const root = path.join(bundle.base, 'root');
  const id = uniqueId(label);
  let container: Container | undefined;
  t.teardown(async () => {
    await container?.delete({ force: true }).catch((e: unknown) => t.log(`delete ${id}: ${(e as Error).message}`));
    bundle.remove();
  });
  container = await runContainer({ id, bundle: bundle.dir, root, logPath: bundle.logPath });
  const pid = container.record.pid;
  await waitFor('the init to exec sleep', () => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'));
  return { container, bundle, id, root };
}

let execCount = 0;

/** Runs one exec to its end with its output in a CRI log of its own. */
async function execLogged(s: Sleeper, proc: ExecProcess, container: Container = s.container) {
  const logPath = path.join(s.bundle.base, `exec-${execCount++}.log`);
  const started = await container.exec(proc, { logPath });
  const exit = await started.exited;
  const lines = readCriLog(logPath);
  return { exit, pid: started.pid, stdout: streamText(lines, 'stdout'), stderr: streamText(lines, 'stderr') };
}

const sh = (script: string): ExecProcess => ({ args: ['sh', '-c', script] });

rootTest(`the exec'd process shares the init's namespaces, root, mounts and pid namespace${NEEDS_ROOT}`, async (t) => {
  const s = await sleeper(t, 'ns');
  const namespaces = ['mnt', 'pid', 'uts', 'ipc', 'net', 'cgroup'];
  const script = [
    'hostname', 'echo "self=$$"', 'cat /tmp/marker', 'tr "\\0" " " < /proc/1/cmdline; echo',
    'cmp -s /proc/self/mountinfo /proc/1/mountinfo && echo same-mounts',
    'cmp -s /proc/self/cgroup /proc/1/cgroup && echo same-cgroup-view',
    `for n in ${namespaces.join(' ')}; do readlink /proc/self/ns/$n; done`,
  ].join('; ');
  const run = await execLogged(s, sh(script));
  t.deepEqual(run.exit, { exitCode: 0, signal: null }, run.stderr);
  const [hostname, self, marker, initCmd, mounts, cgroups, ...links] = run.stdout.trimEnd().split('\n');
  t.is(hostname, 'exec-box');
  const ownPid = Number(self!.slice(5));
  t.true(ownPid > 1 && ownPid < 10, `pid inside the container: ${ownPid}`);
  t.is(marker, 'from-init');
  t.is(initCmd, 'sleep 30 ');
  t.is(mounts, 'same-mounts');
  t.is(cgroups, 'same-cgroup-view');
  t.deepEqual(links, namespaces.map((n) => fs.readlinkSync(`/proc/${s.container.record.pid}/ns/${n}`)));
});

rootTest(`the exec'd process is in the container's cgroups and counts in pids.current while it runs${NEEDS_ROOT}`, async (t) => {
  const s = await sleeper(t, 'cgroup', (c) => (c.linux.resources = { pids: { limit: 16 } }));
  const { container, id } = s;
  t.is(container.stats().pids.current, 1);
  const started = await container.exec({ args: ['sleep', '2'] }, { logPath: path.join(s.bundle.base, 'sleep.log') });
  const cgroupOf = (pid: number) => fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  t.is(cgroupOf(started.pid), cgroupOf(container.record.pid));
  const managed = cgroupOf(started.pid).split('\n').filter((l) => l.includes(`/skerry/${id}`));
  t.true(managed.some((l) => /:pids:/.test(l)), cgroupOf(started.pid));
  t.is(container.stats().pids.current, 2);
  t.deepEqual(await started.exited, { exitCode: 0, signal: null });
  await waitFor('pids.current to drop back', () => container.stats().pids.current === 1);
});

rootTest(`the exec'd process has the spec's capabilities, no_new_privs, seccomp filter and rlimits, and only fds 0-2${NEEDS_ROOT}`, async (t) => {
  const s = await sleeper(t, 'security');
  const script = [
    'grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status',
    'ulimit -n',
    'unshare -n true 2>/dev/null && echo unshare-allowed || echo unshare-refused',
  ].join('; ');
  const run = await execLogged(s, sh(script));
  t.is(run.exit.exitCode, 0, run.stderr);
  t.deepEqual(run.stdout.split('\n').map((l) => l.replace(/\s+/g, ' ')), [
    'CapInh: 0000000000000000',
    'CapPrm: 00000000a80425fb',
    'CapEff: 00000000a80425fb',
    'CapBnd: 00000000a80425fb',
    'CapAmb: 0000000000000000',
    'NoNewPrivs: 1',
    'Seccomp: 2',
    '1024',
    'unshare-refused',
    '',
  ]);
  // Listed from the host: a shell listing its own fds races with the pipes it holds itself.
  const started = await s.container.exec({ args: ['sleep', '1'] }, { logPath: path.join(s.bundle.base, 'fds.log') });
  t.deepEqual(fs.readdirSync(`/proc/${started.pid}/fd`).sort(), ['0', '1', '2']);
  t.is((await started.exited).exitCode, 0);
});

rootTest(`without a seccomp profile in the spec the exec'd process has no filter either${NEEDS_ROOT}`, async (t) => {
  const s = await sleeper(t, 'noseccomp', (c) => delete c.linux.seccomp);
  const run = await execLogged(s, sh('grep -E "^Seccomp:" /proc/self/status'));
  t.is(run.stdout.replace(/\s+/g, ' '), 'Seccomp: 0 ');
});

rootTest(`user, cwd and env default to the spec's and can be set per exec${NEEDS_ROOT}`, async (t) => {
  const s = await sleeper(t, 'process', (c) => {
    c.process.user = { uid: 0, gid: 0, additionalGids: [10] };
    c.process.cwd = '/tmp';
    c.process.env.push('FOO=from-spec');
  });
  const script = 'id -u; id -g; id -G; pwd; echo "FOO=$FOO"; grep CapEff /proc/self/status | tr -s "\\t" " "';
  const defaults = await execLogged(s, sh(script));
  t.is(defaults.stdout, '0\n0\n0 10\n/tmp\nFOO=from-spec\nCapEff: 00000000a80425fb\n', defaults.stderr);
  const custom = await execLogged(s, { ...sh(script), user: { uid: 1000, gid: 1000 }, cwd: '/proc', env: ['FOO=from-exec', 'PATH=/bin'] });
  // As for an init with a non-root user, no capability is left.
  t.is(custom.stdout, '1000\n1000\n1000\n/proc\nFOO=from-exec\nCapEff: 0000000000000000\n', custom.stderr);
});

rootTest(`the exit code propagates, the container keeps running and its exit record stays unwritten${NEEDS_ROOT}`, async (t) => {
  const s = await sleeper(t, 'exit');
  t.deepEqual((await execLogged(s, sh('exit 42'))).exit, { exitCode: 42, signal: null });
  // Through a handle re-adopted from the state dir, as a restarted agent has.
  const adopted = openContainer(s.id, s.root)!;
  t.deepEqual((await execLogged(s, sh('kill -9 $$'), adopted)).exit, { exitCode: 137, signal: 9 });
  t.true(s.container.running());
  t.deepEqual(fs.readdirSync(s.container.stateDir), ['state.json']);
});

rootTest(`concurrent execs each get their own output and exit${NEEDS_ROOT}`, async (t) => {
  const s = await sleeper(t, 'concurrent');
  const runs = await Promise.all([0, 1, 2, 3, 4].map((i) => execLogged(s, sh(`echo exec-${i}; exit ${i}`))));
  t.deepEqual(runs.map((r) => [r.stdout, r.exit.exitCode]), [0, 1, 2, 3, 4].map((i) => [`exec-${i}\n`, i]));
});

rootTest(`an exec joins the container's user namespace first, and runs as the namespace's root${NEEDS_ROOT}`, async (t) => {
  const s = await sleeper(t, 'userns', (c) => {
    c.linux.namespaces.push({ type: 'user' });
    c.linux.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    c.linux.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
  });
  const run = await execLogged(s, sh('cat /proc/self/uid_map; id -u; echo x > /tmp/by-exec && ls -ln /tmp/by-exec; readlink /proc/self/ns/user'));
  t.is(run.exit.exitCode, 0, run.stderr);
  const [map, uid, file, userns] = run.stdout.trimEnd().split('\n');
  t.deepEqual(map!.trim().split(/\s+/), ['0', '200000', '65536']);
  t.is(uid, '0');
  t.deepEqual(file!.split(/\s+/).slice(2, 4), ['0', '0']);
  t.is(userns, fs.readlinkSync(`/proc/${s.container.record.pid}/ns/user`));
});

rootTest(`exec failures name the step, and a stopped container is refused${NEEDS_ROOT}`, async (t) => {
  const s = await sleeper(t, 'fail');
  const noProgram = await t.throwsAsync(s.container.exec({ args: ['nosuch'] }, { logPath: path.join(s.bundle.base, 'x.log') }));
  t.is(noProgram!.message, 'exec nosuch: ENOENT (No such file or directory)');
  const noDir = await t.throwsAsync(s.container.exec({ args: ['true'], cwd: '/nonexistent' }));
  t.is(noDir!.message, 'chdir /nonexistent: ENOENT (No such file or directory)');
  const noArgs = await t.throwsAsync(s.container.exec({ args: [] }));
  t.true(isSkerryError(noArgs, 'CONFIG_INVALID'), noArgs!.message);
  t.true(s.container.running());
  s.container.kill('SIGKILL');
  await s.container.wait();
  const stopped = await t.throwsAsync(s.container.exec({ args: ['true'] }));
  t.true(isSkerryError(stopped, 'CONTAINER_STATE'), stopped!.message);
  t.regex(stopped!.message, /is not running/);
});

rootTest(`the shim refuses a pid whose start time is not the container's (a reused pid)${NEEDS_ROOT}`, async (t) => {
  const s = await sleeper(t, 'reused');
  const { record } = s.container;
  const plan = compileExecPlan(readSpec(s.bundle.dir), {
    pid: record.pid, pidStartTime: record.pidStartTime + 1, stdio: { logPath: path.join(s.bundle.base, 'x.log') }, capabilities: DOCKER_MASKS,
  });
  const error = await t.throwsAsync(launchShim(plan, true));
  t.regex(error!.message, new RegExp(`^setns into the namespaces of pid ${record.pid} \\(.*\\): ESRCH \\(No such process\\)$`));
});
