// Running a command inside a container for a probe or a hook, as CRI ExecSync does: the
// runtime's exec with pipes for stdout and stderr, a timeout that kills the process, the
// output kept up to the kubelet's 10 KiB. A process that exited but left a child holding
// its pipes is not waited for beyond a short drain.
import type { Socket } from 'node:net';
import type { Container } from '../../../native/index.ts';
import { execPiped } from '../../../native/runtime/exec-stdio.ts';
import { CappedBuffer, MAX_OUTPUT } from './common.ts';

const DRAIN_AFTER_EXIT_MS = 1_000;

export interface ExecResult {
  /** The exit code (128 + signal when killed). */
  exitCode: number;
  timedOut: boolean;
  /** Cut short by the caller's signal (the container is stopping, the agent stops). */
  aborted: boolean;
  stdout: Buffer;
  stderr: Buffer;
}

function collect(socket: Socket | undefined, into: CappedBuffer): Promise<void> {
  if (!socket) return Promise.resolve();
  return new Promise((resolve) => {
    socket.on('data', (chunk: Buffer) => into.push(chunk));
    socket.once('close', () => resolve());
    // A reset pipe ends the output like EOF does.
    socket.once('error', () => resolve());
  });
}

/**
 * Runs `command` in the container; `timeoutMs` undefined means no timeout (lifecycle hooks).
 * Rejects only when the process could not be started (the container is not running, the
 * program does not exist), with the runtime's error.
 */
export async function execCommand(container: Pick<Container, 'exec'>, command: string[], timeoutMs: number | undefined, signal?: AbortSignal): Promise<ExecResult> {
  const proc = await execPiped(container, { args: command }, { stdin: false, stdout: true, stderr: true });
  const stdout = new CappedBuffer(MAX_OUTPUT);
  const stderr = new CappedBuffer(MAX_OUTPUT);
  const output = Promise.all([collect(proc.stdout, stdout), collect(proc.stderr, stderr)]);
  let timedOut = false;
  let aborted = false;
  const kill = () => {
    try {
      process.kill(proc.pid, 'SIGKILL');
    } catch {
      // it ended meanwhile
    }
  };
  const onAbort = () => ((aborted = true), kill());
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), kill()), timeoutMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  try {
    const { exitCode } = await proc.exited;
    let drain: NodeJS.Timeout | undefined;
    await Promise.race([output, new Promise((resolve) => (drain = setTimeout(resolve, DRAIN_AFTER_EXIT_MS)))]);
    clearTimeout(drain);
    return { exitCode, timedOut, aborted, stdout: stdout.bytes, stderr: stderr.bytes };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    proc.stdout?.destroy();
    proc.stderr?.destroy();
  }
}

/** What the kubelet gets back from ExecSync: stdout then stderr, cut at 10 KiB. */
export function combinedOutput(result: ExecResult): string {
  return Buffer.concat([result.stdout, result.stderr]).subarray(0, MAX_OUTPUT).toString('utf8');
}
