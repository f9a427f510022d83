import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { SkerryError } from '../../../common/index.ts';

export interface Manifest {
  source: string;
  object: Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> } };
}

/** Every object in FILE, DIR (its .yaml, .yml and .json files, sorted) or "-" (stdin); `kind: List` is unpacked. */
export function readManifests(target: string): Manifest[] {
  if (target === '-') return parse(fs.readFileSync(0, 'utf8'), 'STDIN');
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new SkerryError('USAGE', `the path "${target}" does not exist`);
  }
  if (!stat.isDirectory()) return parse(fs.readFileSync(target, 'utf8'), target);
  return fs
    .readdirSync(target)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()
    .flatMap((f) => parse(fs.readFileSync(path.join(target, f), 'utf8'), path.join(target, f)));
}

function parse(text: string, source: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new SkerryError('USAGE', `error parsing ${source}: ${doc.errors[0]!.message.split('\n')[0]}`);
    // Few aliases are ever needed in a manifest; a bounded count stops "billion laughs".
    const value = doc.toJS({ maxAliasCount: 50 }) as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new SkerryError('USAGE', `error parsing ${source}: a document is not an object`);
    const object = value as Manifest['object'];
    if (object.kind === 'List' && Array.isArray((object as { items?: unknown }).items)) {
      for (const item of (object as { items: Manifest['object'][] }).items) manifests.push({ source, object: item });
    } else manifests.push({ source, object });
  }
  return manifests;
}
