// Starting a container: compile its plan, start skerry-shim through the addon, and follow
// the shim's sync socket (started | failed step | exited).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentLogger, SkerryError } from '../../common/index.ts';
import { addon } from '../load.ts';
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
  /** From native/security's compileSeccomp; no filter when absent. */
  seccompProgram?: Buffer;
  capabilities: CapabilityMasks;
  /** skerry-shim's path; found beside the bundle or the build when absent. */
  shimPath?: string;
}

export interface ExitStatus {
  /** The exit code, or 128 + signal when a signal killed the init. */
  exitCode: number;
  signal: number | null;
}

export interface StartedContainer {
  /** The init's pid as this process sees it. */
  pid: number;
  shimPid: number;
  /** Settles when the init has been reaped and <stateDir>/exit is written. */
  exited: Promise<ExitStatus>;
}

const SYNC_STARTED = 1;
const SYNC_FAILED = 2;
const SYNC_EXITED = 3;
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

async function* messages(socket: net.Socket): AsyncGenerator<SyncMessage> {
  let pending = Buffer.alloc(0);
  for await (const chunk of socket) {
    pending = Buffer.concat([pending, chunk as Buffer]);
    for (; pending.length >= SYNC_SIZE; pending = pending.subarray(SYNC_SIZE)) {
      const [type, pid, step, err, code, signal] = [0, 4, 8, 12, 16, 20].map((at) => pending.readInt32LE(at)) as number[];
      yield { type: type!, pid: pid!, step: step!, err: err!, code: code!, signal: signal! };
    }
  }
}

/** Waits (briefly, without blocking the loop) for the shim to become a zombie, and reaps it. */
async function reapShim(pid: number): Promise<void> {
  for (let delay = 1; delay < 2048; delay *= 2) {
    if (addon().reap(pid) !== null) return;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  log.warn({ shimPid: pid }, 'skerry-shim closed its sync socket but has not exited; leaving it to be reaped later');
}

function stepError(labels: string[], message: SyncMessage): Error {
  const label = labels[message.step] ?? 'prepare skerry-shim (read the plan)';
  return addon().sysError(message.err, label);
}

async function followExit(next: AsyncGenerator<SyncMessage>, shimPid: number, labels: string[]): Promise<ExitStatus> {
  try {
    for await (const message of next) {
      if (message.type === SYNC_FAILED) log.error({ shimPid, err: stepError(labels, message).message }, 'skerry-shim could not record the exit');
      if (message.type === SYNC_EXITED) return { exitCode: message.code, signal: message.signal || null };
    }
    throw new Error(`skerry-shim ${shimPid} ended without reporting the exit of its process`);
  } finally {
    // The exit is known (and recorded) before the shim is gone: reap it without waiting.
    void reapShim(shimPid);
  }
}

/**
 * Starts skerry-shim on a compiled plan and resolves once the process it forks has exec'd
 * (pid known), or rejects with the failing step: "pivot_root /run/...: EINVAL (Invalid argument)".
 * `logged`: the plan has a LOG record, so the shim's own stdio is /dev/null.
 */
export async function launchShim(plan: CompiledPlan, logged: boolean, shimPath?: string): Promise<StartedContainer> {
  const { pid: shimPid, syncFd } = addon().spawnShim({ shimPath: shimPath ?? findShim(), plan: plan.bytes, stdio: logged ? 'null' : 'inherit' });
  const socket = new net.Socket({ fd: syncFd, readable: true, writable: false });
  const stream = messages(socket);
  const first = await stream.next();
  if (first.done || first.value.type !== SYNC_STARTED) {
    socket.destroy();
    await reapShim(shimPid);
    if (first.done) throw new Error(`skerry-shim ${shimPid} ended before its process started`);
    throw stepError(plan.labels, first.value);
  }
  const exited = followExit(stream, shimPid, plan.labels);
  exited.catch(() => {}); // the caller may not wait; the rejection is still theirs to see
  return { pid: first.value.pid, shimPid, exited };
}

/**
 * Starts the container and resolves once its process has exec'd (pid known), or rejects
 * with the failing step: "pivot_root /run/...: EINVAL (Invalid argument)".
 */
export async function startContainer(options: StartOptions): Promise<StartedContainer> {
  const spec = options.spec ?? readSpec(options.bundle);
  const plan = compilePlan(spec, {
    rootfsPath: options.rootfsPath ?? path.resolve(options.bundle, spec.root.path),
    bundle: path.resolve(options.bundle),
    stateDir: options.stateDir,
    stdio: options.logPath ? { logPath: options.logPath } : 'inherit',
    cgroupProcs: options.cgroupProcs,
    seccompProgram: options.seccompProgram,
    capabilities: options.capabilities,
  });
  return launchShim(plan, !!options.logPath, options.shimPath);
}
