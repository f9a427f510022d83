import { openImageStore } from '../../../../edge-agent/index.ts';
import { parseFlags } from '../../verb.ts';
import { DATA_DIR_FLAG, dataDirOf, humanSize, table, type SubVerb } from './common.ts';

function split(name: string): [string, string] {
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? [name.slice(0, colon), name.slice(colon + 1)] : [name, '<none>'];
}

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { ...DATA_DIR_FLAG, quiet: { type: 'boolean', short: 'q' }, output: { type: 'string', short: 'o' } });
  if (values.help) return process.stdout.write(usage), 0;
  const images = openImageStore(dataDirOf(values)).list();
  if (values.output === 'json') return process.stdout.write(`${JSON.stringify(images, null, 2)}\n`), 0;
  if (values.quiet) return process.stdout.write(images.map((i) => `${i.manifestDigest.slice(7, 19)}\n`).join('')), 0;
  const rows = images.flatMap((i) => (i.names.length ? i.names : ['<none>:<none>']).map((n) => {
    const [repository, tag] = split(n);
    return [repository, tag, i.manifestDigest.slice(7, 19), i.created.slice(0, 19).replace('T', ' '), humanSize(i.size), humanSize(i.unpackedSize)];
  }));
  process.stdout.write(table([['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'UNPACKED'], ...rows]));
  return 0;
}

const usage = 'Usage: skerry images ls [--data-dir DIR] [-q] [-o json]\n\nLists the images on this node (IMAGE ID: the manifest digest\'s first 12 hex digits).\n';

export const lsVerb: SubVerb = { name: 'ls', summary: 'list images', usage, run };
