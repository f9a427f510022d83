// Processes the lab starts inside its namespaces: nsenter --net execs the program, so the
// pid the lab records is the program's own, and kill -9 by that pid hits exactly it.
import { spawn, type SpawnOptions } from 'node:child_process';
import { tool } from './shell.ts';
import type { ExecOptions, ExecResult, LabProcess } from './types.ts';

export interface Tracker {
  live: Set<LabProcess>;
  /** Called with each new pid (the lab writes it to its record). */
  started(pid: number): void;
}

export function spawnIn(tracker: Tracker, netnsPath: string, argv: string[], options: SpawnOptions = {}): LabProcess {
  if (argv.length === 0) throw new Error('spawn: argv is empty');
  const proc = { argv, netnsPath, options } as LabProcess;
  launch(tracker, proc);
  return proc;
}

function launch(tracker: Tracker, proc: LabProcess): void {
  const child = spawn(tool('nsenter'), [`--net=${proc.netnsPath}`, '--', ...proc.argv], proc.options);
  proc.child = child;
  proc.pid = child.pid ?? -1;
  proc.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // A process that never started has nothing to stop; its caller sees the failure as an exit.
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  tracker.live.add(proc);
  void proc.exited.then(() => proc.child === child && tracker.live.delete(proc));
  if (child.pid !== undefined) tracker.started(child.pid);
}

const running = (proc: LabProcess) => proc.child.exitCode === null && proc.child.signalCode === null && proc.pid > 0;

export async function kill9(proc: LabProcess): Promise<void> {
  if (running(proc)) proc.child.kill('SIGKILL');
  await proc.exited;
}

export async function stop(proc: LabProcess, graceMs = 3_000): Promise<void> {
  if (!running(proc)) return void (await proc.exited);
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

export async function restart(tracker: Tracker, proc: LabProcess): Promise<LabProcess> {
  await kill9(proc);
  launch(tracker, proc);
  return proc;
}

/** Runs argv in the netns to its end, with its output; a non-zero exit rejects unless allowed. */
export async function execIn(tracker: Tracker, netnsPath: string, argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
  const proc = spawnIn(tracker, netnsPath, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.child.stdout!.on('data', (d: Buffer) => (stdout += d));
  proc.child.stderr!.on('data', (d: Buffer) => (stderr += d));
  proc.child.stdin!.on('error', () => undefined);
  proc.child.stdin!.end(options.input ?? '');
  const timer = options.timeoutMs ? setTimeout(() => proc.child.kill('SIGKILL'), options.timeoutMs) : undefined;
  const { code, signal } = await proc.exited;
  clearTimeout(timer);
  // 'exit' may come before the pipes are drained.
  await Promise.all([proc.child.stdout!, proc.child.stderr!].map((s) => (s.readableEnded || s.destroyed ? undefined : new Promise((r) => s.once('close', r)))));
  if (code !== 0 && !options.allowFailure) {
    const why = signal ? `was killed by ${signal}${timer ? ` (timeout ${options.timeoutMs} ms?)` : ''}` : `exited with ${code}`;
    throw new Error(`${argv.join(' ')} in ${netnsPath} ${why}: ${stderr.trim()}`);
  }
  return { code, stdout, stderr };
}
