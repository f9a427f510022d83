// OCI bundles for runtime tests, built from Debian's busybox-static: a rootfs holding
// /bin/busybox and its applet links, and a config.json shaped like `crun spec` makes
// (terminal off). The same bundle runs under skerry, crun and runc.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startContainer, type ExitStatus, type StartOptions } from '../../native/index.ts';

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

export interface CriLine { time: string; stream: 'stdout' | 'stderr'; tag: 'F' | 'P'; text: string }

export const CRI_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (stdout|stderr) ([FP]) (.*)$/s;

/** Parses a CRI log file; throws on a line that does not match the format. */
export function readCriLog(file: string): CriLine[] {
  const text = fs.readFileSync(file, 'utf8');
  if (text && !text.endsWith('\n')) throw new Error(`${file} does not end with a newline`);
  return text.split('\n').slice(0, -1).map((line) => {
    const m = CRI_LINE.exec(line);
    if (!m) throw new Error(`not a CRI log line: ${JSON.stringify(line.slice(0, 200))}`);
    return { time: m[1]!, stream: m[2] as CriLine['stream'], tag: m[3] as CriLine['tag'], text: m[4]! };
  });
}

/** What a stream said, lines joined back (P parts concatenated, F ends a line). */
export function streamText(lines: CriLine[], stream: 'stdout' | 'stderr'): string {
  return lines.filter((l) => l.stream === stream).map((l) => l.text + (l.tag === 'F' ? '\n' : '')).join('');
}

export const DOCKER_MASKS = { bounding: DOCKER_CAPABILITY_MASK, effective: DOCKER_CAPABILITY_MASK, permitted: DOCKER_CAPABILITY_MASK };

export interface RunOutcome {
  exit: ExitStatus;
  stdout: string;
  stderr: string;
  lines: CriLine[];
  pid: number;
  shimPid: number;
  /** <stateDir>/exit as the shim wrote it. */
  exitRecord: { pid: number; exitCode: number; signal: number | null; exitedAt: string };
}

/**
 * Runs the bundle to its end with output to a CRI log, killing it after timeoutMs. Rejects
 * with the start error when the container does not start.
 */
export async function runBundle(bundle: TestBundle, extra: Partial<StartOptions> = {}, timeoutMs = 20_000): Promise<RunOutcome> {
  const started = await startContainer({ bundle: bundle.dir, stateDir: bundle.stateDir, logPath: bundle.logPath, capabilities: DOCKER_MASKS, ...extra });
  const timer = setTimeout(() => killQuietly(started.pid), timeoutMs);
  try {
    const exit = await started.exited;
    const lines = readCriLog(bundle.logPath);
    const exitRecord = JSON.parse(fs.readFileSync(path.join(bundle.stateDir, 'exit'), 'utf8'));
    return { exit, lines, stdout: streamText(lines, 'stdout'), stderr: streamText(lines, 'stderr'), pid: started.pid, shimPid: started.shimPid, exitRecord };
  } finally {
    clearTimeout(timer);
  }
}

export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
