import { openImageStore } from '../../../../edge-agent/index.ts';
import { SkerryError } from '../../../../common/index.ts';
import { parseFlags } from '../../verb.ts';
import { DATA_DIR_FLAG, dataDirOf, humanSize, type SubVerb } from './common.ts';

function percent(value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new SkerryError('USAGE', `--${flag} must be a percentage from 0 to 100, got ${JSON.stringify(value)}`);
  return n;
}

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { ...DATA_DIR_FLAG, 'high-threshold': { type: 'string' }, 'low-threshold': { type: 'string' } });
  if (values.help) return process.stdout.write(usage), 0;
  const store = openImageStore(dataDirOf(values));
  if (values['high-threshold'] !== undefined || values['low-threshold'] !== undefined) {
    const high = percent(values['high-threshold'], 'high-threshold', 85);
    const low = percent(values['low-threshold'], 'low-threshold', 80);
    const { removed, usedPercent } = await store.collectByDiskUsage({ highPercent: high, lowPercent: low });
    for (const name of removed) process.stdout.write(`Removed: ${name}\n`);
    process.stdout.write(`disk use ${usedPercent.toFixed(1)}% (high ${high}%, low ${low}%)\n`);
  }
  const { blobs, layers, bytes } = await store.collectGarbage();
  process.stdout.write(`removed ${blobs} blobs and ${layers} layers, ${humanSize(bytes)}\n`);
  return 0;
}

const usage = `Usage: skerry images prune [--data-dir DIR] [--high-threshold PCT --low-threshold PCT]

Deletes blobs and unpacked layers no image references. With thresholds (Kubernetes image GC,
defaults 85 and 80): when the disk holding the store is above the high one, removes unused
images, least recently used first, until it is below the low one.
`;

export const pruneVerb: SubVerb = { name: 'prune', summary: 'collect unreferenced blobs and layers', usage, run };
