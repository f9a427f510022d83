// Escapes other runtimes shipped, tried against ours: symlinks in the image that point a
// mount outside the root, /proc replaced by a link, and step failures named precisely.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { makeBundle, runBundle, type TestBundle } from './helpers/bundle.ts';

const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test : test.skip;
const NEEDS_ROOT = ' (needs root: namespaces and mounts)';

type Config = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function bundleFor(t: { teardown(fn: () => void): void }, name: string, script: string, edit?: (c: Config) => void): TestBundle {
  const bundle = makeBundle(name, ['sh', '-c', script], edit);
  t.teardown(bundle.remove);
  return bundle;
}

/** A host directory with a canary file, removed after the test. */
function hostCanary(t: { teardown(fn: () => void): void }, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `skerry-host-canary-${name}-`));
  fs.writeFileSync(path.join(dir, 'canary'), 'host\n');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The host's mounts at or under `dir`: other tests running meanwhile mount elsewhere. */
function hostMountsUnder(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((line) => {
    const mountPoint = line.split(' ')[4] ?? '';
    return mountPoint === dir || mountPoint.startsWith(`${dir}/`);
  });
}

rootTest(`an absolute symlink in the image cannot send a mount to the host path it names${NEEDS_ROOT}`, async (t) => {
  const canary = hostCanary(t, 'abs');
  const before = hostMountsUnder(canary);
  const bundle = bundleFor(t, 'evil-abs', 'true', (c) => {
    c.mounts.push({ destination: '/mnt/evil', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
  });
  fs.symlinkSync(canary, path.join(bundle.rootfs, 'mnt/evil'));
  // Resolved inside the root, the link names <rootfs><canary>, which does not exist.
  const error = await t.throwsAsync(runBundle(bundle));
  t.is(error!.message, `mount tmpfs on ${bundle.rootfs}/mnt/evil: ENOENT (No such file or directory)`);
  t.is((error as unknown as { code: string }).code, 'ENOENT');
  t.deepEqual(fs.readdirSync(canary), ['canary']);
  t.deepEqual(hostMountsUnder(canary), before);
});

rootTest(`symlinked mount targets (absolute and ../) land inside the root${NEEDS_ROOT}`, async (t) => {
  const source = hostCanary(t, 'src');
  fs.writeFileSync(path.join(source, 'marker'), 'from the volume\n');
  const bundle = bundleFor(t, 'evil-in', 'cat /etc/marker /srv/marker', (c) => {
    c.mounts.push({ destination: '/mnt/abs', type: 'bind', source, options: ['rbind', 'ro'] });
    c.mounts.push({ destination: '/mnt/up', type: 'bind', source, options: ['bind', 'ro'] });
  });
  fs.mkdirSync(path.join(bundle.rootfs, 'srv'));
  fs.symlinkSync('/etc', path.join(bundle.rootfs, 'mnt/abs'));
  fs.symlinkSync('../../../../../../../../srv', path.join(bundle.rootfs, 'mnt/up'));
  const run = await runBundle(bundle);
  t.is(run.exit.exitCode, 0, run.stderr);
  t.is(run.stdout, 'from the volume\nfrom the volume\n');
  // The host's /etc never met the volume.
  t.false(fs.existsSync('/etc/marker'));
});

rootTest(`proc is mounted only on a real directory, never through a symlink${NEEDS_ROOT}`, async (t) => {
  const bundle = bundleFor(t, 'proc-link', 'true');
  fs.rmdirSync(path.join(bundle.rootfs, 'proc'));
  fs.mkdirSync(path.join(bundle.rootfs, 'fakeproc'));
  fs.symlinkSync('/fakeproc', path.join(bundle.rootfs, 'proc'));
  const error = await t.throwsAsync(runBundle(bundle));
  t.is(error!.message, `mount proc on ${bundle.rootfs}/proc: ELOOP (Too many levels of symbolic links)`);
});

rootTest(`a step failure names the step and errno: an unknown filesystem and a missing program${NEEDS_ROOT}`, async (t) => {
  const badFs = bundleFor(t, 'badfs', 'true', (c) => c.mounts.push({ destination: '/mnt/x', type: 'nosuchfs', source: 'none' }));
  const fsError = await t.throwsAsync(runBundle(badFs));
  t.is(fsError!.message, `mount nosuchfs on ${badFs.rootfs}/mnt/x: ENODEV (No such device)`);

  const noExec = makeBundle('noexec', ['/bin/nonexistent', 'x']);
  t.teardown(noExec.remove);
  const execError = await t.throwsAsync(runBundle(noExec));
  t.is(execError!.message, 'exec /bin/nonexistent: ENOENT (No such file or directory)');
  t.is((execError as unknown as { errno: number }).errno, 2);
});

// Serial: another test's shim running from the same memfd would make the write probe ETXTBSY.
(isRoot ? test.serial : test.skip)(`the shim runs from a sealed memfd, not from a file on the host${NEEDS_ROOT}`, async (t) => {
  const bundle = bundleFor(t, 'memfd', 'sleep 2');
  const { startContainer } = await import('../native/index.ts');
  const { DOCKER_MASKS, killQuietly } = await import('./helpers/bundle.ts');
  const started = await startContainer({ bundle: bundle.dir, stateDir: bundle.stateDir, logPath: bundle.logPath, capabilities: DOCKER_MASKS });
  t.teardown(() => killQuietly(started.pid));
  const exe = fs.readlinkSync(`/proc/${started.shimPid}/exe`);
  t.regex(exe, /^\/memfd:skerry-shim \(deleted\)$/);
  // While it runs, its exe cannot be opened for writing at all.
  const busy = t.throws(() => fs.openSync(`/proc/${started.shimPid}/exe`, 'r+'));
  t.is((busy as NodeJS.ErrnoException).code, 'ETXTBSY');
  killQuietly(started.pid);
  t.is((await started.exited).signal, 9);
  // Once nothing runs it, the agent's copy still refuses writes: it is sealed.
  const copy = fs.readdirSync('/proc/self/fd').find((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith('/memfd:skerry-shim');
    } catch {
      return false;
    }
  });
  t.truthy(copy);
  const fd = fs.openSync(`/proc/self/fd/${copy}`, 'r+');
  t.teardown(() => fs.closeSync(fd));
  const sealed = t.throws(() => fs.writeSync(fd, Buffer.from('x'), 0, 1, 0));
  t.is((sealed as NodeJS.ErrnoException).code, 'EPERM');
});
