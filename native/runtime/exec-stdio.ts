// An exec whose standard streams come back to this process: one socket pair per stream
// asked for (the same kind of pipe Node gives a child process), the far end handed to the
// shim and so to the exec'd process, the near end a net.Socket here.
import fs from 'node:fs';
import net from 'node:net';
import { addon } from '../load.ts';
import type { StdioFds } from '../types.ts';
import type { Container } from './container.ts';
import type { ExecProcess, ExecutedProcess } from './exec.ts';

export interface ExecStreams {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

export interface PipedProcess extends ExecutedProcess {
  /** Write to feed its stdin; end() gives it EOF. Absent when stdin was not asked for. */
  stdin?: net.Socket;
  stdout?: net.Socket;
  stderr?: net.Socket;
}

type Stream = keyof ExecStreams;
const STREAMS: readonly Stream[] = ['stdin', 'stdout', 'stderr'];

/** Runs `proc` in the container with pipes for the streams asked for; /dev/null for the others. */
export async function execPiped(container: Pick<Container, 'exec'>, proc: ExecProcess, streams: ExecStreams): Promise<PipedProcess> {
  const pairs = new Map<Stream, [number, number]>();
  try {
    for (const name of STREAMS) if (streams[name]) pairs.set(name, addon().socketPair());
  } catch (error) {
    closeAll([...pairs.values()].flat());
    throw error;
  }
  const theirs: StdioFds = Object.fromEntries([...pairs].map(([name, [, far]]) => [name, far]));
  let started: ExecutedProcess;
  try {
    started = await container.exec(proc, { stdio: theirs });
  } catch (error) {
    closeAll([...pairs.values()].map(([ours]) => ours));
    throw error;
  } finally {
    // The shim holds its own copies; ours would keep the process's output from ever ending.
    closeAll([...pairs.values()].map(([, far]) => far));
  }
  const near = (name: Stream) => {
    const pair = pairs.get(name);
    return pair ? new net.Socket({ fd: pair[0], readable: name !== 'stdin', writable: name === 'stdin' }) : undefined;
  };
  return { ...started, stdin: near('stdin'), stdout: near('stdout'), stderr: near('stderr') };
}

function closeAll(fds: number[]): void {
  for (const fd of fds) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed: nothing to free
    }
  }
}
