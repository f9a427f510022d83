import { listContainers } from '../../../../native/index.ts';
import { parseFlags } from '../../verb.ts';
import { ociState, RUNTIME_FLAGS, type SubVerb } from './common.ts';

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { ...RUNTIME_FLAGS, output: { type: 'string', short: 'o' } });
  if (values.help) return process.stdout.write(usage), 0;
  const states = listContainers(values.root as string | undefined).map(ociState);
  if (values.output === 'json') return process.stdout.write(`${JSON.stringify(states, null, 2)}\n`), 0;
  const rows = [['NAME', 'PID', 'STATUS', 'BUNDLE', 'CREATED'], ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  process.stdout.write(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
  return 0;
}

const usage = 'Usage: skerry runtime list [--root DIR] [-o json]\n\nLists the containers in the runtime root.\n';

export const listVerb: SubVerb = { name: 'list', summary: 'list containers', usage, run };
