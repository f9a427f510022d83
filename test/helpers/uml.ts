// Runs a command as root inside Debian's user-mode Linux (package user-mode-linux, kernel 6.1),
// for kernel features this machine's kernel lacks (project quotas need CONFIG_QFMT_V2).
//
// UML boots with the host's root as a READ-ONLY hostfs root, so it sees the repository, node
// and the tools at their usual paths but cannot change a host file. Inside, the init script
// mounts its own proc, sysfs and a tmpfs on a scratch dir (/tmp, or /run when the repository
// is under /tmp; all in UML's memory), loads the modules asked
// for from UML's own module tree, runs the command in `cwd`, prints its exit status between
// markers, and powers off.
//
// On the host UML runs as `setpriv --pdeathsig KILL unshare --mount --pid --kill-child`: its
// files (memory file, uml_dir with the pid file and mconsole socket, the init script) are on a
// tmpfs mounted over that scratch dir in a private mount namespace, and UML is PID 1 of its own PID
// namespace. So whatever way the run ends (power-off, our SIGKILL on timeout, the test worker
// killed), the kernel tears down every UML process and that tmpfs: nothing is left on the host.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export const UML = '/usr/bin/linux';
const BUSYBOX = '/bin/busybox';
const MODULES = '/usr/lib/uml/modules';
const MARK = 'skerry-uml-exit';

/** Why UML runs cannot be made here, or undefined when they can. */
export function umlSkipReason(): string | undefined {
  if (process.env.SKERRY_IN_UML) return 'already inside user-mode Linux';
  if (process.getuid?.() !== 0) return 'needs root (UML, mount and PID namespaces)';
  if (!fs.existsSync(UML)) return `needs user-mode Linux (${UML}; apt-get install user-mode-linux)`;
  if (!fs.existsSync(MODULES) || fs.readdirSync(MODULES).length === 0) return `needs UML's modules (${MODULES})`;
  if (!fs.existsSync(BUSYBOX)) return `needs busybox-static (${BUSYBOX}: insmod, poweroff inside UML)`;
  return undefined;
}

export interface UmlOptions {
  /** The command, run with /bin/sh -c inside UML; its stdout and stderr go to UML's console. */
  command: string;
  /** Directory to run it in (a host path, seen read-only). */
  cwd: string;
  /** Modules to load, relative to UML's modules/<release>/kernel/, in order (e.g. fs/quota/quota_v2.ko). */
  modules?: string[];
  /** Extra environment for the command. */
  env?: Record<string, string>;
  /** UML's memory (mem=), default 512M. */
  memory?: string;
  /** Whole run, boot to power-off; UML is SIGKILLed after it. The command gets 15 s less. */
  timeoutMs: number;
}

export interface UmlRun {
  /** UML's console (the command's output) and UML's own stderr, \r removed, at most ~2 MB. */
  output: string;
  /** The command's exit status as printed inside UML; undefined when UML never got there. */
  exitCode: number | undefined;
  timedOut: boolean;
  /** UML's kernel panicked (it then hangs rather than exits, so it was killed). */
  panicked: boolean;
  durationMs: number;
}

/**
 * Why UML cannot run a program on this host, when the reason is one this helper knows, or
 * undefined when a trivial command runs (or fails some other way, which the real run will
 * then show). Boots UML once, with `true` as the command: ≈ 1 s where it works.
 */
export async function umlBootProblem(): Promise<string | undefined> {
  const run = await runInUml({ cwd: '/', command: 'true', memory: '64M', timeoutMs: 30_000 });
  if (run.exitCode === 0 || !run.panicked) return undefined;
  // Seen on an Intel Xeon with AMX: PID 1 dies of SIGSEGV as soon as UML restores its FPU
  // state (fatal_sigsegv after put_fp_registers); UML 6.1 does not handle that CPU's larger
  // XSAVE area. Nothing inside UML can run there.
  if (/Attempted to kill init! exitcode=0x0000000b/.test(run.output) && /fatal_sigsegv/.test(run.output)) {
    const amx = /\bamx_tile\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8')) ? ' (this CPU has AMX)' : '';
    return `user-mode Linux 6.1 cannot run a process on this host${amx}: its init dies of SIGSEGV restoring the FPU state (fatal_sigsegv in put_fp_registers)`;
  }
  return undefined;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The directory UML's files and its command's temp files live in: a tmpfs over a directory the
 * host has, but never one that holds `cwd` (a clone under /tmp would vanish under it).
 */
export function scratchDir(cwd: string): string {
  const holds = (dir: string) => cwd === dir || cwd.startsWith(`${dir}/`);
  const found = ['/tmp', '/run', '/mnt', '/srv'].find((dir) => fs.existsSync(dir) && !holds(dir));
  if (!found) throw new Error(`no scratch directory for UML outside ${cwd}`);
  return found;
}

function initScript(options: UmlOptions, scratch: string): string {
  const commandSeconds = Math.max(5, Math.floor(options.timeoutMs / 1000) - 15);
  const env = Object.entries(options.env ?? {}).map(([k, v]) => `export ${k}=${quote(v)}\n`).join('');
  const modules = (options.modules ?? []).map((m) => `${BUSYBOX} insmod "$M/${m}" || fail "insmod ${m}"\n`).join('');
  return `# PID 1 inside UML (made by test/helpers/uml.ts); / is the host's, read-only.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=${scratch} TMPDIR=${scratch} LC_ALL=C NO_COLOR=1 SKERRY_IN_UML=1
fail() { echo "${MARK} 125 ($1)"; sync; ${BUSYBOX} poweroff -f; }
${BUSYBOX} mount -t proc proc /proc || fail "mount proc"
${BUSYBOX} mount -t sysfs sysfs /sys || fail "mount sysfs"
${BUSYBOX} mount -t tmpfs -o mode=1777 tmpfs ${scratch} || fail "mount ${scratch}"
M=${MODULES}/$(${BUSYBOX} uname -r)/kernel
${modules}${env}cd ${quote(options.cwd)} || fail "cd"
/usr/bin/timeout -k 5 ${commandSeconds} /bin/sh -c ${quote(options.command)} </dev/null 2>&1
echo "${MARK} $?"
sync
${BUSYBOX} poweroff -f
`;
}

/** Boots UML, runs the command, and returns once every UML process is gone. */
export async function runInUml(options: UmlOptions): Promise<UmlRun> {
  const started = Date.now();
  const scratch = scratchDir(options.cwd);
  const boot = [
    `mem=${options.memory ?? '512M'}`, 'root=/dev/root', 'rootfstype=hostfs', 'rootflags=/', 'ro',
    'con0=null,fd:1', 'con=null', 'ssl=null', 'quiet', 'loglevel=1', `uml_dir=${scratch}/uml`, 'umid=skerry-test',
    'init=/bin/sh', '--', `${scratch}/init`,
  ];
  // Runs in the new mount namespace: a private tmpfs over the scratch dir holds everything UML makes.
  const wrapper = `mount -t tmpfs -o mode=0700,size=1g skerry-uml ${scratch} || exit 97
printf '%s' "$SKERRY_UML_INIT" > ${scratch}/init || exit 98
exec env -u SKERRY_UML_INIT TMPDIR=${scratch} ${UML} "$@"`;
  const child = spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', '/usr/bin/unshare', '--mount', '--propagation', 'private', '--pid', '--kill-child', '--', '/bin/sh', '-c', wrapper, 'uml', ...boot], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own session: a Ctrl-C meant for ava does not reach UML; we end it
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', SKERRY_UML_INIT: initScript(options, scratch) },
  });
  let output = '';
  let panicked = false;
  let panicKill: NodeJS.Timeout | undefined;
  const take = (chunk: Buffer): void => {
    if (output.length < 2_000_000) output += chunk.toString('utf8');
    // A panicked UML hangs until killed; the call trace follows the panic line within moments.
    if (!panicked && output.includes('Kernel panic - not syncing')) {
      panicked = true;
      panicKill = setTimeout(() => onExit(), 1_000);
    }
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  await spawned;
  const pid = child.pid!;
  // The worker may end before UML does (ava timeout, interrupt): pdeathsig covers a killed
  // worker, this covers a worker that exits normally.
  const onExit = (): void => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', onExit);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    onExit();
  }, options.timeoutMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
    clearTimeout(panicKill);
    process.removeListener('exit', onExit);
  }
  // 'close' means the pipes closed, i.e. every UML process (they all hold the console) is gone;
  // the unshare process itself is reaped by then too. Wait briefly for that to be visible.
  for (let i = 0; i < 50 && fs.existsSync(`/proc/${pid}`); i++) await delay(20);
  output = output.replace(/\r/g, '');
  const mark = new RegExp(`^${MARK} (\\d+)`, 'm').exec(output);
  return { output, exitCode: mark ? Number(mark[1]) : undefined, timedOut, panicked, durationMs: Date.now() - started };
}
