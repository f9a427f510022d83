// OCI bundles for runtime tests, built from Debian's busybox-static: a rootfs holding
// /bin/busybox and its applet links, and a config.json shaped like `crun spec` makes
// (terminal off). The same bundle runs under skerry, crun and runc.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BUSYBOX = '/bin/busybox';

/** Docker's 14 default capabilities, and their mask as /proc/self/status shows it. */
export const DOCKER_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP',
  'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];
export const DOCKER_CAPABILITY_MASK = 0xa80425fbn;

let applets: string[] | undefined;

/** Applet paths relative to the root ("bin/sh", "usr/bin/env", ...). */
function busyboxApplets(): string[] {
  applets ??= execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return applets;
}

/** Makes <rootfs> a busybox root: the binary (a copy, never a link to the host's), applet links, a few dirs. */
export function buildBusyboxRootfs(rootfs: string): void {
  for (const dir of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'proc', 'sys', 'dev', 'etc', 'tmp', 'root', 'mnt']) {
    fs.mkdirSync(path.join(rootfs, dir), { recursive: true });
  }
  fs.copyFileSync(BUSYBOX, path.join(rootfs, 'bin/busybox'));
  fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
  fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  for (const applet of busyboxApplets()) {
    const link = path.join(rootfs, applet);
    if (applet !== 'bin/busybox' && !fs.existsSync(link)) fs.symlinkSync('/bin/busybox', link);
  }
  fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A config.json like `crun spec` writes, for args, without a terminal. */
export function defaultConfig(args: string[]): Json {
  const caps = DOCKER_CAPABILITIES;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args,
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'skerry',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }],
    },
  };
}

export interface TestBundle {
  /** A fresh directory holding everything of this bundle: bundle/, state/, logs. */
  base: string;
  dir: string;
  rootfs: string;
  stateDir: string;
  logPath: string;
  config: Json;
  /** Writes config (after edits) to <dir>/config.json. */
  save(): void;
  /** Removes base and everything under it. */
  remove(): void;
}

/**
 * A busybox bundle under a unique temp directory, with config edited by `edit`. The
 * caller removes it (t.teardown(bundle.remove)).
 */
export function makeBundle(name: string, args: string[], edit?: (config: Json) => void): TestBundle {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `skerry-${name}-`));
  const dir = path.join(base, 'bundle');
  const rootfs = path.join(dir, 'rootfs');
  const stateDir = path.join(base, 'state');
  fs.mkdirSync(stateDir, { recursive: true });
  buildBusyboxRootfs(rootfs);
  const config = defaultConfig(args);
  edit?.(config);
  const bundle: TestBundle = {
    base, dir, rootfs, stateDir, logPath: path.join(base, 'container.log'), config,
    save: () => fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2)),
    remove: () => fs.rmSync(base, { recursive: true, force: true }),
  };
  bundle.save();
  return bundle;
}
