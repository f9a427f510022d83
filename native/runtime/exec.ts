// exec into a running container (issue 3, point 5). The process joins every namespace of
// the container's init and its cgroups, and gets what the spec gives the init: capabilities
// (inheritable empty), no_new_privs, the seccomp filter, rlimits. A skerry-shim in exec mode
// forks it, relays its output (CRI log or inherited stdio) and reports its exit on the sync
// socket; the container's own exit record is never touched.
import path from 'node:path';
import { componentLogger, SkerryError } from '../../common/index.ts';
import { withHome } from './passwd.ts';
import { compileExecPlan } from './plan-exec.ts';
import { securityOf } from './security-of.ts';
import { launchShim, type ExitStatus } from './spawn.ts';
import { readSharedSpec, validateProcess, type OciProcess, type OciSpec } from './spec.ts';
import { isRunning, type ContainerRecord } from './state.ts';
import type { StdioFds } from '../types.ts';

const log = componentLogger('runtime');

/** What to run; every field left out comes from the container's spec (`process`). */
export interface ExecProcess {
  /** The program and its arguments; a program without '/' is looked up in the env's PATH. */
  args: string[];
  /** NAME=value entries, replacing the spec's process.env (which is the default). */
  env?: string[];
  /** An absolute path inside the container; the spec's process.cwd by default. */
  cwd?: string;
  /** The spec's process.user by default; additionalGids default to none when a user is given. */
  user?: { uid: number; gid: number; additionalGids?: number[] };
}

export interface ExecOptions {
  /** The CRI log file for its stdout/stderr (stdin is /dev/null); absent: see `stdio`. */
  logPath?: string;
  /**
   * Fds to give it as stdin, stdout and stderr (/dev/null for any left out), e.g. one end of
   * a native socketPair() each. The shim holds copies until it ends: the caller closes its
   * own once the exec has settled, so the process's EOF reaches the other end. Without
   * `logPath` or `stdio` the process shares this process's fds 0-2.
   */
  stdio?: StdioFds;
}

export interface ExecutedProcess {
  /** The exec'd process's pid as this process sees it (not its pid inside the container). */
  pid: number;
  shimPid: number;
  /** Settles once the shim has reaped it: its exit code, or 128 + signal when a signal killed it. */
  exited: Promise<ExitStatus>;
}

/** The container's process with the exec's overrides, checked as config.json's would be. */
function execProcessOf(spec: OciSpec, proc: ExecProcess): OciProcess {
  const base = spec.process;
  const user = proc.user
    ? { uid: proc.user.uid, gid: proc.user.gid, additionalGids: proc.user.additionalGids ?? [], ...(base.user.umask !== undefined && { umask: base.user.umask }) }
    : base.user;
  return validateProcess({ ...base, args: proc.args, env: proc.env ?? base.env, cwd: proc.cwd ?? base.cwd, user });
}

/**
 * Starts `proc` inside the running container `record` (cgroupProcs: its cgroup.procs files).
 * Resolves once the process has exec'd; rejects with the failing step ("exec nosuch: ENOENT
 * (No such file or directory)"), or CONTAINER_STATE when the container stopped meanwhile.
 */
export async function execInContainer(record: ContainerRecord, cgroupProcs: readonly string[], proc: ExecProcess, options: ExecOptions = {}): Promise<ExecutedProcess> {
  const spec = readSharedSpec(record.bundle);
  const rootfs = path.resolve(record.bundle, spec.root.path);
  const plan = compileExecPlan(withHome({ ...spec, process: execProcessOf(spec, proc) }, rootfs), {
    pid: record.pid,
    pidStartTime: record.pidStartTime,
    cgroupProcs,
    stdio: options.logPath ? { logPath: options.logPath } : 'inherit',
    ...securityOf(spec),
  });
  try {
    if (options.logPath !== undefined && options.stdio) throw new RangeError('exec takes logPath or stdio, not both');
    const started = await launchShim(plan, options.logPath !== undefined || (options.stdio ?? false));
    log.debug({ id: record.id, pid: started.pid, args: proc.args }, 'exec started');
    return started;
  } catch (error) {
    // A dead init fails the setns (ESRCH) or the fork (ENOMEM, its pid namespace is gone).
    if (!isRunning(record)) throw new SkerryError('CONTAINER_STATE', `${record.id} is not running; exec needs a running container`, { id: record.id }, { cause: error });
    throw error;
  }
}
