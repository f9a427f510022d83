// IP addresses as numbers, so that an ipBlock minus its excepts becomes a list of plain
// ranges: nft interval sets hold ranges, not "this CIDR but not those".
import net from 'node:net';
import { formatIpv4, parseIpv4 } from '../host/index.ts';

export type Family = 4 | 6;

export interface Address {
  family: Family;
  value: bigint;
}

/** An inclusive range of addresses of one family. */
export interface Range {
  family: Family;
  first: bigint;
  last: bigint;
}

const WIDTH: Record<Family, number> = { 4: 32, 6: 128 };

function v6Groups(text: string): bigint {
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const expand = (list: string[]) => list.flatMap((g) => (g.includes('.') ? v4Halves(g) : [g]));
  const h = expand(groups(head));
  const t = tail === undefined ? [] : expand(groups(tail));
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** An embedded IPv4 tail (::ffff:1.2.3.4, checked by net.isIPv6) stands for two 16-bit groups. */
function v4Halves(text: string): string[] {
  const v = parseIpv4(text) ?? 0;
  return [Math.floor(v / 0x10000).toString(16), (v % 0x10000).toString(16)];
}

/** The address, or undefined when `text` is not an IPv4 or IPv6 literal. */
export function parseAddress(text: string): Address | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: BigInt(v4) };
  if (net.isIPv6(text) && !text.includes('%')) return { family: 6, value: v6Groups(text) };
  return undefined;
}

export function formatAddress(a: Address): string {
  if (a.family === 4) return formatIpv4(Number(a.value));
  const groups = Array.from({ length: 8 }, (_, i) => ((a.value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return groups.join(':');
}

/** Orders address texts numerically, IPv4 before IPv6. */
export function compareAddresses(a: string, b: string): number {
  const x = parseAddress(a);
  const y = parseAddress(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  return x.family - y.family || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0);
}

/** The canonical text of an address literal (IPv6 lower case, fully written out), or undefined. */
export function canonicalAddress(text: string): string | undefined {
  const a = parseAddress(text);
  return a && formatAddress(a);
}

/**
 * The range a CIDR covers, or why it is not one. Host bits set below the prefix are cleared:
 * the API accepts "10.0.0.5/24" (Kubernetes' legacy sloppy parsing) and means 10.0.0.0/24.
 */
export function parseCidr(text: string): Range | string {
  const slash = text.indexOf('/');
  if (slash < 0) return `"${text}" is not a CIDR (address/prefix length)`;
  const address = parseAddress(text.slice(0, slash));
  const prefix = text.slice(slash + 1);
  if (!address) return `"${text}" does not start with an IP address`;
  const width = WIDTH[address.family];
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > width) return `"${text}" has a prefix length that is not 0-${width}`;
  const hostBits = BigInt(width - Number(prefix));
  const first = (address.value >> hostBits) << hostBits;
  return { family: address.family, first, last: first + (1n << hostBits) - 1n };
}

/** Sorted, with overlapping and adjacent ranges joined: an nft interval set refuses overlaps. */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a.family - b.family || (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === r.family && r.first <= last.last + 1n) last.last = r.last > last.last ? r.last : last.last;
    else out.push({ ...r });
  }
  return out;
}

/** `from` without the addresses of `holes`. */
export function subtractRanges(from: Range, holes: readonly Range[]): Range[] {
  let pieces: Range[] = [{ ...from }];
  for (const hole of holes) {
    if (hole.family !== from.family) continue;
    pieces = pieces.flatMap((p) => {
      if (hole.last < p.first || hole.first > p.last) return [p];
      const kept: Range[] = [];
      if (hole.first > p.first) kept.push({ family: p.family, first: p.first, last: hole.first - 1n });
      if (hole.last < p.last) kept.push({ family: p.family, first: hole.last + 1n, last: p.last });
      return kept;
    });
  }
  return pieces;
}

export const rangeContains = (r: Range, a: Address): boolean => r.family === a.family && a.value >= r.first && a.value <= r.last;

/** "first-last" as nft writes an interval element (a single address stays single). */
export function formatRange(r: Range): string {
  const first = formatAddress({ family: r.family, value: r.first });
  return r.first === r.last ? first : `${first}-${formatAddress({ family: r.family, value: r.last })}`;
}

/** The inverse of formatRange. */
export function parseRange(text: string): Range | undefined {
  const [a, b = a] = text.split('-');
  const first = parseAddress(a ?? '');
  const last = parseAddress(b ?? '');
  if (!first || !last || first.family !== last.family || first.value > last.value) return undefined;
  return { family: first.family, first: first.value, last: last.value };
}
