import { parseFlags } from '../../verb.ts';
import { containerIdFrom, mustOpen, ociState, RUNTIME_FLAGS, type SubVerb } from './common.ts';

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, RUNTIME_FLAGS, true);
  if (values.help) return process.stdout.write(usage), 0;
  const container = mustOpen(containerIdFrom(positionals), values.root);
  process.stdout.write(`${JSON.stringify(ociState(container), null, 2)}\n`);
  return 0;
}

const usage = 'Usage: skerry runtime state [--root DIR] ID\n\nPrints the OCI runtime state of container ID as JSON.\n';

export const stateVerb: SubVerb = { name: 'state', summary: 'print a container\'s OCI state', usage, run };
