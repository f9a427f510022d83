import { openImageStore } from '../../../../edge-agent/index.ts';
import { SkerryError } from '../../../../common/index.ts';
import { parseFlags } from '../../verb.ts';
import { DATA_DIR_FLAG, dataDirOf, type SubVerb } from './common.ts';

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...DATA_DIR_FLAG, force: { type: 'boolean', short: 'f' } }, true);
  if (values.help) return process.stdout.write(usage), 0;
  if (positionals.length === 0) throw new SkerryError('USAGE', 'expected at least one image reference');
  const store = openImageStore(dataDirOf(values));
  for (const ref of positionals) {
    const { untagged, deleted } = await store.remove(ref, { force: values.force === true });
    for (const name of untagged) process.stdout.write(`Untagged: ${name}\n`);
    for (const digest of deleted) process.stdout.write(`Deleted: ${digest}\n`);
  }
  return 0;
}

const usage = 'Usage: skerry images rm [--data-dir DIR] [--force] REF...\n\nRemoves names; an image goes with its last name unless a container uses it (--force removes the record anyway;\nthe running container keeps its mounted layers until it is deleted).\n';

export const rmVerb: SubVerb = { name: 'rm', summary: 'remove images', usage, run };
