// An `exec` stream: run the command in the container with pipes for the streams asked for,
// relay stdin from the server and stdout/stderr back, then send the exit as a Status.
import type { Socket } from 'node:net';
import { componentLogger } from '../../common/index.ts';
import type { StreamMessage } from '../../common/sync/index.ts';
import { dataFrames, type DataChannel } from '../../common/tunnel/index.ts';
import { execPiped, type PipedProcess } from '../../native/runtime/exec-stdio.ts';
import type { StreamEnd } from './call.ts';
import type { Locate } from './locate.ts';
import { execFailed, exitStatus, notRunning } from './statuses.ts';

const log = componentLogger('agent-tunnel');

/** After the process exits, how long its output may still drain (a child it left holding the pipe). */
const DRAIN_AFTER_EXIT_MS = 2_000;

export async function serveExec(stream: StreamEnd, request: Extract<StreamMessage, { kind: 'exec' }>, locate: Locate): Promise<void> {
  const { namespace, pod, container: name, exec } = request;
  const found = await locate(namespace, pod, name, false);
  if (!found?.container?.running()) {
    await stream.send({ type: 'status', status: notRunning(name, pod) });
    return stream.end();
  }
  if (!(await stream.send({ type: 'ready' }))) return;
  let proc: PipedProcess;
  try {
    proc = await execPiped(found.container, { args: exec.command }, { stdin: exec.stdin, stdout: exec.stdout, stderr: exec.stderr });
  } catch (error) {
    log.info({ namespace, pod, container: name, command: exec.command, reason: (error as Error).message }, 'exec failed to start');
    await stream.send({ type: 'status', status: execFailed((error as Error).message) });
    return stream.end();
  }
  feedStdin(stream, proc.stdin);
  const output = Promise.all([relay(stream, 'stdout', proc.stdout), relay(stream, 'stderr', proc.stderr)]);
  stream.signal.addEventListener('abort', () => closeAll(proc), { once: true });
  const { exitCode } = await proc.exited;
  await Promise.race([output, new Promise((resolve) => setTimeout(resolve, DRAIN_AFTER_EXIT_MS).unref())]);
  closeAll(proc);
  await stream.send({ type: 'status', status: exitStatus(exec.command, exitCode) });
  stream.end();
}

function feedStdin(stream: StreamEnd, stdin: Socket | undefined): void {
  if (!stdin) return;
  // The process may exit without reading everything: its end closing is no error here.
  stdin.on('error', () => undefined);
  stream.onFrame((frame) => {
    if (frame.type === 'stdin' && !stdin.writableEnded) stdin.write(frame.data);
    if (frame.type === 'close' && frame.channel === 'stdin') stdin.end();
  });
}

/** Sends one output stream until it ends; resolves then (or when the stream is over). */
async function relay(stream: StreamEnd, channel: DataChannel, socket: Socket | undefined): Promise<void> {
  if (!socket) return;
  try {
    for await (const chunk of socket as AsyncIterable<Buffer>) {
      for (const frame of dataFrames(channel, chunk)) if (!(await stream.send(frame))) return;
    }
  } catch {
    // Destroyed once the stream ended or the drain time ran out: what came is sent.
  }
}

function closeAll(proc: PipedProcess): void {
  for (const socket of [proc.stdin, proc.stdout, proc.stderr]) socket?.destroy();
}
