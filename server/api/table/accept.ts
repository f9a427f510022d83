// Content negotiation for Tables: does an Accept header ask for a meta.k8s.io Table?
// kubectl (1.20 through 1.30) sends, whenever it prints a human-readable table:
//   application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json
// and kubectl 1.11-1.14 sent the v1beta1 entry alone before application/json.
import type { TableVersion } from './table.ts';

interface MediaRange {
  type: string;
  subtype: string;
  params: Record<string, string>;
  q: number;
}

type Verdict = { table: TableVersion } | 'plain' | 'unservable';

const TABLE_VERSIONS: ReadonlySet<string> = new Set(['v1', 'v1beta1']);

/**
 * The Table version to answer with, or undefined for a plain response. Entries are tried in
 * preference order (q, then specificity, then as written) and the first one this server can
 * serve wins, as in apimachinery's negotiation: `application/json` before any `as=Table` entry
 * means the client wants objects. Entries asking for other transforms (as=PartialObjectMetadata),
 * other encodings of a Table (protobuf, YAML) or with q=0 are passed over.
 */
export function wantsTable(accept: string | undefined): { version: TableVersion } | undefined {
  if (accept === undefined) return undefined;
  for (const range of byPreference(parseAccept(accept))) {
    const verdict = judge(range);
    if (verdict === 'unservable') continue;
    return verdict === 'plain' ? undefined : { version: verdict.table };
  }
  return undefined;
}

function judge(range: MediaRange): Verdict {
  const json = isJson(range);
  if (range.params.as === undefined) return json || isYaml(range) ? 'plain' : 'unservable';
  const { as, g, v } = range.params;
  if (as === 'Table' && g === 'meta.k8s.io' && v !== undefined && TABLE_VERSIONS.has(v) && json) return { table: v as TableVersion };
  return 'unservable';
}

function isJson(range: MediaRange): boolean {
  if (range.type === '*') return range.subtype === '*';
  return range.type === 'application' && (range.subtype === 'json' || range.subtype === '*');
}

function isYaml(range: MediaRange): boolean {
  return range.type === 'application' && range.subtype === 'yaml';
}

/** Splits "type/subtype;k=v;q=0.5, ..." leniently; malformed entries are dropped. */
function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const entry of header.split(',')) {
    const [mediaType = '', ...paramParts] = entry.split(';').map((part) => part.trim());
    const [type, subtype] = mediaType === '*' ? ['*', '*'] : mediaType.split('/');
    if (!type || !subtype) continue;
    const range: MediaRange = { type: type.toLowerCase(), subtype: subtype.toLowerCase(), params: {}, q: 1 };
    for (const part of paramParts) addParam(range, part);
    ranges.push(range);
  }
  return ranges;
}

function addParam(range: MediaRange, part: string): void {
  const eq = part.indexOf('=');
  if (eq <= 0) return;
  const name = part.slice(0, eq).trim();
  const value = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  if (name === 'q') {
    const q = Number.parseFloat(value);
    range.q = Number.isFinite(q) ? q : 0;
  } else {
    range.params[name] = value;
  }
}

/** Highest q first; among equals, concrete types before wildcards; otherwise as written. */
function byPreference(ranges: MediaRange[]): MediaRange[] {
  const wildcards = (r: MediaRange) => (r.type === '*' ? 2 : 0) + (r.subtype === '*' ? 1 : 0);
  return ranges.filter((r) => r.q > 0).sort((a, b) => b.q - a.q || wildcards(a) - wildcards(b));
}
