// The controller of one wire.py: a JSON line per command, answered in order.
import readline from 'node:readline';
import type { LabProcess, WireStats } from './types.ts';

export interface Wire {
  proc: LabProcess;
  ask(command: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export interface WireRule {
  loss: number;
  delay: number;
  jitter: number;
  rate: number;
}

/** Waits for the wire's {"ready": true}: both TAP devices exist from then on. */
export async function connectWire(proc: LabProcess, what: string): Promise<Wire> {
  const child = proc.child;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d));
  child.stdin!.on('error', () => undefined); // a dead wire is reported by `gone`, not by EPIPE
  const answers = readline.createInterface({ input: child.stdout! });
  const waiting: Array<(answer: Record<string, unknown>) => void> = [];
  const gone = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`wire of ${what} exited (${signal ?? code}): ${stderr.trim()}`))));
  gone.catch(() => undefined);
  answers.on('line', (line) => waiting.shift()?.(JSON.parse(line) as Record<string, unknown>));
  const next = () => Promise.race([new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve)), gone]);
  await next();
  return {
    proc,
    async ask(command) {
      const answer = next();
      child.stdin!.write(`${JSON.stringify(command)}\n`);
      const reply = await answer;
      if (typeof reply.error === 'string') throw new Error(`wire of ${what}: ${reply.error}`);
      return reply;
    },
  };
}

export async function setRule(wire: Wire, direction: 'up' | 'down', rule: WireRule): Promise<void> {
  await wire.ask({ dir: direction, ...rule });
}

export async function wireStats(wire: Wire): Promise<WireStats> {
  return (await wire.ask({ stats: true })).stats as WireStats;
}
