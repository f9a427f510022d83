import { isIPv4, isIPv6 } from 'node:net';
import { invalid, type Causes } from './errors.ts';

/**
 * IP and CIDR checks with Kubernetes' "sloppy" parsing, which still accepts IPv4 octets with
 * leading zeros (010.0.0.1) for compatibility with objects stored before Go tightened net.ParseIP.
 */

function stripLeadingZeros(ip: string): string {
  return ip
    .split('.')
    .map((octet) => (/^0+[0-9]+$/.test(octet) ? String(Number(octet)) : octet))
    .join('.');
}

export function ipFamily(value: string): 4 | 6 | undefined {
  if (isIPv6(value)) return 6;
  if (/^[0-9.]+$/.test(value) && isIPv4(stripLeadingZeros(value))) return 4;
  return undefined;
}

export interface Cidr {
  family: 4 | 6;
  bits: number;
  /** Network address as a bigint, host bits cleared. */
  network: bigint;
}

function v4Groups(part: string[]): string[] {
  // An embedded IPv4 tail (::ffff:1.2.3.4) stands for two 16-bit groups.
  const last = part[part.length - 1] ?? '';
  if (!last.includes('.')) return part;
  const v4 = ipToBigInt(last, 4);
  return [...part.slice(0, -1), (v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
}

function ipToBigInt(ip: string, family: 4 | 6): bigint {
  if (family === 4) return stripLeadingZeros(ip).split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
  const compressed = ip.includes('::');
  const [headText = '', tailText = ''] = compressed ? ip.split('::') : [ip, ''];
  const head = headText ? headText.split(':') : [];
  const tail = tailText ? tailText.split(':') : [];
  const [h, t] = compressed ? [head, v4Groups(tail)] : [v4Groups(head), []];
  const groups = [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

export function parseCidr(value: string): Cidr | undefined {
  const slash = value.indexOf('/');
  if (slash < 0) return undefined;
  const ip = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  const family = ipFamily(ip);
  if (!family || !/^[0-9]+$/.test(prefix)) return undefined;
  const bits = Number(prefix);
  const width = family === 4 ? 32 : 128;
  if (bits > width) return undefined;
  const hostBits = BigInt(width - bits);
  const network = (ipToBigInt(ip, family) >> hostBits) << hostBits;
  return { family, bits, network };
}

/** Whether `inner` lies inside `outer` and is strictly narrower. */
export function isStrictSubnet(inner: Cidr, outer: Cidr): boolean {
  if (inner.family !== outer.family || inner.bits <= outer.bits) return false;
  const width = BigInt((outer.family === 4 ? 32 : 128) - outer.bits);
  return inner.network >> width === outer.network >> width;
}

export function validateIp(errs: Causes, value: string, at: string): boolean {
  if (ipFamily(value)) return true;
  errs.push(invalid(at, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  return false;
}

export function validateCidr(errs: Causes, value: string, at: string): boolean {
  if (parseCidr(value)) return true;
  errs.push(invalid(at, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  return false;
}
