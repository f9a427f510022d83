import os from 'node:os';
import { SkerryError } from '../../../../common/index.ts';
import { parseFlags } from '../../verb.ts';
import { mustOpen, RUNTIME_FLAGS, type SubVerb } from './common.ts';

/** KILL, SIGKILL and 9 all name the same signal, as crun and kill(1) accept. */
export function parseSignal(text: string): NodeJS.Signals | number {
  if (/^\d+$/.test(text)) return Number(text);
  const name = (text.toUpperCase().startsWith('SIG') ? text.toUpperCase() : `SIG${text.toUpperCase()}`) as NodeJS.Signals;
  if (!(name in os.constants.signals)) throw new SkerryError('USAGE', `signal ${JSON.stringify(text)} is not a signal name or number`, { field: 'signal' });
  return name;
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, RUNTIME_FLAGS, true);
  if (values.help) return process.stdout.write(usage), 0;
  if (positionals.length < 1 || positionals.length > 2) throw new SkerryError('USAGE', 'expected ID [SIGNAL]');
  const signal = parseSignal(positionals[1] ?? 'SIGTERM');
  mustOpen(positionals[0]!, values.root).kill(signal);
  return 0;
}

const usage = 'Usage: skerry runtime kill [--root DIR] ID [SIGNAL]\n\nSends SIGNAL (default SIGTERM) to the container\'s process.\n';

export const killVerb: SubVerb = { name: 'kill', summary: 'send a signal to a container', usage, run };
