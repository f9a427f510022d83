// Starting a container: compile its plan, start skerry-shim through the addon, and follow
// the shim's sync socket (started | failed step | exited).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentLogger, SkerryError } from '../../common/index.ts';
import { addon } from '../load.ts';
import type { CgroupLayout } from '../cgroups/index.ts';
import type { StdioFds } from '../types.ts';
import { compilePlan, type CapabilityMasks, type CompiledPlan } from './plan.ts';
import { readSpec, type OciSpec } from './spec.ts';

const log = componentLogger('runtime');

export interface StartOptions {
  /** The bundle directory (config.json, rootfs). */
  bundle: string;
  /** The checked spec; read from <bundle>/config.json when absent. */
  spec?: OciSpec;
  /** The prepared root; <bundle>/<root.path> when absent. */
  rootfsPath?: string;
  /** An existing directory where the shim writes `exit` ({pid, exitCode, signal, exitedAt}). */
  stateDir: string;
  /** The CRI log file for stdout/stderr; when absent the container shares this process's fds 0-2. */
  logPath?: string;
  /** cgroup.procs files from native/cgroups' createContainerCgroup().procsFiles. */
  cgroupProcs?: readonly string[];
  /** The host's cgroup layout, for a "cgroup" mount; read from /proc/self/mountinfo when absent. */
  cgroupLayout?: CgroupLayout;
  /** From native/security's compileSeccomp; no filter when absent. */
  seccompProgram?: Buffer;
  capabilities: CapabilityMasks;
  /** skerry-shim's path; found beside the bundle or the build when absent. */
  shimPath?: string;
  /**
   * Called with the init's pid as soon as it exists, while it still sets up (before the
   * promise settles): time for the caller's own bookkeeping that would otherwise wait.
   */
  onCloned?: (pid: number, shimPid: number) => void;
}

export interface ExitStatus {
  /** The exit code, or 128 + signal when a signal killed the init. */
  exitCode: number;
  signal: number | null;
}

/** The shim's report of the init's exit, before the exit record is written. */
export interface ExitReport extends ExitStatus {
  /** When the init was reaped, RFC 3339 with nanoseconds (UTC), as in the exit record. */
  exitedAt: string;
}

export interface StartedContainer {
  /** The init's pid as this process sees it. */
  pid: number;
  shimPid: number;
  /** Settles when the init has been reaped, <stateDir>/exit is written and the shim is reaped too. */
  exited: Promise<ExitStatus>;
}

const SYNC_STARTED = 1;
const SYNC_FAILED = 2;
const SYNC_EXITED = 3;
const SYNC_CLONED = 4;
const SYNC_SIZE = 24;

interface SyncMessage { type: number; pid: number; step: number; err: number; code: number; signal: number }

/** bundled: dist/skerry-shim beside dist/skerry.js; from source: native/build/Release. */
export function findShim(): string {
  const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
  const tried = [process.env.SKERRY_SHIM, here('./skerry-shim'), here('../build/Release/skerry-shim')].filter((p): p is string => !!p);
  const found = tried.find((file) => fs.existsSync(file));
  if (!found) throw new SkerryError('ADDON_MISSING', `skerry-shim not found (looked in ${tried.join(', ')}); run \`npm run install\` to build it`);
  return found;
}

function decode(bytes: Buffer, at: number): SyncMessage {
  const field = (offset: number) => bytes.readInt32LE(at + offset);
  return { type: field(0), pid: field(4), step: field(8), err: field(12), code: field(16), signal: field(20) };
}

/** EXITED's time (step and err: CLOCK_REALTIME ns, low and high half) as the shim formats it. */
function exitedAtOf(message: SyncMessage): string {
  const ns = (BigInt(message.err >>> 0) << 32n) | BigInt(message.step >>> 0);
  const seconds = ns / 1_000_000_000n;
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** Reaps the shim if it has exited; false while it still runs. */
function reapNow(pid: number): boolean {
  try {
    return addon().reap(pid) !== null;
  } catch (error) {
    log.warn({ shimPid: pid, err: error }, 'could not reap skerry-shim');
    return true; // nothing more to wait for
  }
}

/** Waits (briefly, without blocking the loop) for the shim to become a zombie, and reaps it. */
async function reapShim(pid: number): Promise<void> {
  // Its end of the socket closes a moment before it becomes a zombie: look again on the
  // next few turns of the loop before backing off in milliseconds.
  for (let turn = 0; turn < 8; turn++) {
    if (reapNow(pid)) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (let delay = 1; delay < 2048; delay *= 2) {
    if (reapNow(pid)) return;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  log.warn({ shimPid: pid }, 'skerry-shim closed its sync socket but has not exited; leaving it to be reaped later');
}

function stepError(labels: string[], message: SyncMessage): Error {
  const label = labels[message.step] ?? 'prepare skerry-shim (read the plan)';
  return addon().sysError(message.err, label);
}

interface Followed {
  /** The first message (started or failed), or undefined when the shim ended before sending one. */
  first: Promise<SyncMessage | undefined>;
  /** At the EXITED message; undefined when the shim ended without one. */
  reported: Promise<ExitReport | undefined>;
  /** Once the shim, having reported the exit (and written the record), is reaped. */
  exited: Promise<ExitStatus>;
  /** Settles once the shim has been reaped (or given up on). */
  gone: Promise<void>;
}

/** Splits the socket's bytes into fixed-size messages, keeping a partial one for the next chunk. */
function onMessages(socket: net.Socket, handle: (message: SyncMessage) => void): void {
  let pending: Buffer | undefined;
  socket.on('data', (chunk: Buffer) => {
    let bytes = pending ? Buffer.concat([pending, chunk]) : chunk;
    for (; bytes.length >= SYNC_SIZE; bytes = bytes.subarray(SYNC_SIZE)) handle(decode(bytes, 0));
    pending = bytes.length ? bytes : undefined;
  });
}

/**
 * Follows the shim's sync socket. 'data' events hand each message over on the loop turn
 * it arrives in; the async iterator used before added promise hops worth about 0.3 ms at
 * each end of a container's life. The shim reports the exit, writes the exit record and
 * exits: `reported` settles at the report, `exited` once the shim is reaped as well (the
 * record is on disk, nothing runs from its memfd any more), after its socket closed.
 */
function follow(socket: net.Socket, shimPid: number, labels: string[], onCloned?: (pid: number) => void): Followed {
  let settleFirst!: (message: SyncMessage | undefined) => void;
  let settleReport!: (report: ExitReport | undefined) => void;
  let settleExit!: (exit: ExitStatus | Error) => void;
  let settleGone!: () => void;
  const first = new Promise<SyncMessage | undefined>((resolve) => (settleFirst = resolve));
  const reported = new Promise<ExitReport | undefined>((resolve) => (settleReport = resolve));
  const exited = new Promise<ExitStatus>((resolve, reject) => (settleExit = (e) => (e instanceof Error ? reject(e) : resolve(e))));
  const gone = new Promise<void>((resolve) => (settleGone = resolve));
  let seenFirst = false;
  let exit: ExitStatus | undefined;
  // Bookkeeping only: its failure must not escape into the socket's event handler.
  const cloned = (pid: number) => {
    try {
      onCloned?.(pid);
    } catch (error) {
      log.warn({ shimPid, err: error }, 'could not act on the init\'s pid before it started');
    }
  };
  const end = (ended: ExitStatus | Error) => (settleReport(undefined), settleGone(), settleExit(ended));
  onMessages(socket, (message) => {
    if (message.type === SYNC_CLONED) return cloned(message.pid);
    if (!seenFirst) return (seenFirst = true), settleFirst(message);
    if (message.type === SYNC_FAILED) log.error({ shimPid, err: stepError(labels, message).message }, 'skerry-shim could not record the exit');
    if (message.type !== SYNC_EXITED || exit) return;
    exit = { exitCode: message.code, signal: message.signal || null };
    settleReport({ ...exit, exitedAt: exitedAtOf(message) });
  });
  socket.on('error', (error) => log.warn({ shimPid, err: error }, 'the sync socket of skerry-shim failed'));
  socket.once('close', () => {
    if (!seenFirst) settleFirst(undefined);
    const ended = exit ?? new Error(`skerry-shim ${shimPid} ended without reporting the exit of its process`);
    if (reapNow(shimPid)) return end(ended);
    void reapShim(shimPid).then(() => end(ended));
  });
  return { first, reported, exited, gone };
}

/** What the agent writes on the sync socket to let a held init go on (AWAIT_AGENT). */
const GO = Buffer.from('g');

/**
 * One byte on the socket, written past the stream: a shim that already failed (and exited)
 * makes the write fail with EPIPE, and the stream would then drop its report of why before
 * it is read. Any other failure leaves the shim waiting, so its socket is closed: the
 * shim then kills the init.
 */
function letShimGoOn(syncFd: number, socket: net.Socket): void {
  try {
    fs.writeSync(syncFd, GO);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') socket.destroy();
  }
}

/**
 * The shim's fds 0-2: true when the plan logs (they are /dev/null), false to share this
 * process's, or the caller's own fds (an exec's socket pairs).
 */
export type ShimStdio = boolean | StdioFds;

/** A shim started on a plan, before its init has exec'd. */
export interface LaunchedShim {
  shimPid: number;
  /** Settles once the init has exec'd (pid known), or rejects with the failing step. */
  started: Promise<StartedContainer>;
  /** The shim's report of the exit, before the exit record is written and the shim is gone. */
  reported: Promise<ExitReport | undefined>;
  /** For a plan with AWAIT_AGENT: the cgroups exist, the init may go on. */
  release(): void;
  /** For a plan with AWAIT_AGENT: the start is off; the init is killed and the shim reaped. */
  abort(): Promise<void>;
}

/**
 * Starts skerry-shim on a compiled plan. `started` resolves once the process it forks has
 * exec'd (pid known), or rejects with the failing step: "pivot_root /run/...: EINVAL
 * (Invalid argument)". `stdio`: the shim's fds 0-2 (ShimStdio; true when the plan logs).
 */
export function spawnPlan(plan: CompiledPlan, stdio: ShimStdio, shimPath?: string, onCloned?: StartOptions['onCloned']): LaunchedShim {
  const fds = typeof stdio === 'boolean' ? (stdio ? 'null' : 'inherit') : stdio;
  const { pid: shimPid, syncFd } = addon().spawnShim({ shimPath: shimPath ?? findShim(), plan: plan.bytes, stdio: fds });
  const socket = new net.Socket({ fd: syncFd, readable: true, writable: false });
  const { first, reported, exited, gone } = follow(socket, shimPid, plan.labels, onCloned && ((pid) => onCloned(pid, shimPid)));
  exited.catch(() => {}); // the caller may not wait; the rejection is still theirs to see
  const started = (async () => {
    const message = await first;
    if (message?.type !== SYNC_STARTED) {
      socket.destroy();
      await gone;
      if (!message) throw new Error(`skerry-shim ${shimPid} ended before its process started`);
      throw stepError(plan.labels, message);
    }
    return { pid: message.pid, shimPid, exited };
  })();
  const release = () => letShimGoOn(syncFd, socket);
  const abort = async () => {
    started.catch(() => {}); // the caller's own error is the one to report
    socket.destroy();
    await gone;
  };
  return { shimPid, started, reported, release, abort };
}

/** spawnPlan for a plan whose cgroups exist already: resolves once the process has exec'd. */
export function launchShim(plan: CompiledPlan, stdio: ShimStdio, shimPath?: string, onCloned?: StartOptions['onCloned']): Promise<StartedContainer> {
  return spawnPlan(plan, stdio, shimPath, onCloned).started;
}

function compileFor(options: StartOptions, cgroupsMadeLater: boolean): CompiledPlan {
  const spec = options.spec ?? readSpec(options.bundle);
  return compilePlan(spec, {
    rootfsPath: options.rootfsPath ?? path.resolve(options.bundle, spec.root.path),
    bundle: path.resolve(options.bundle),
    stateDir: options.stateDir,
    stdio: options.logPath ? { logPath: options.logPath } : 'inherit',
    cgroupProcs: options.cgroupProcs,
    cgroupsMadeLater,
    cgroupLayout: options.cgroupLayout,
    seccompProgram: options.seccompProgram,
    capabilities: options.capabilities,
  });
}

/**
 * Starts the container and resolves once its process has exec'd (pid known), or rejects
 * with the failing step: "pivot_root /run/...: EINVAL (Invalid argument)".
 */
export async function startContainer(options: StartOptions): Promise<StartedContainer> {
  return launchShim(compileFor(options, false), !!options.logPath, options.shimPath, options.onCloned);
}

/**
 * Starts the container's shim before its cgroups (options.cgroupProcs) exist: the caller
 * makes them while the shim starts up and clones the init (about 1.5 ms, most of it the
 * kernel making namespaces), then calls release(), or abort() if it could not.
 */
export function startHeldContainer(options: StartOptions): LaunchedShim {
  return spawnPlan(compileFor(options, true), !!options.logPath, options.shimPath, options.onCloned);
}
