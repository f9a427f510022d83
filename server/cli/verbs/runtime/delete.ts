import { parseFlags } from '../../verb.ts';
import { containerIdFrom, mustOpen, RUNTIME_FLAGS, type SubVerb } from './common.ts';

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...RUNTIME_FLAGS, force: { type: 'boolean', short: 'f' } }, true);
  if (values.help) return process.stdout.write(usage), 0;
  await mustOpen(containerIdFrom(positionals), values.root as string | undefined).delete({ force: values.force === true });
  return 0;
}

const usage = 'Usage: skerry runtime delete [--root DIR] [--force] ID\n\nRemoves a stopped container (with --force, kills it first): its cgroups and state.\n';

export const deleteVerb: SubVerb = { name: 'delete', summary: 'remove a container', usage, run };
