// Small checks on the values that reach nft and DNS answers: an address or a name that is
// not what it claims would otherwise end up inside an nft script or a DNS record.
import { parseIpv4, parsePrefixedAddress } from '../host/index.ts';

/** Why `value` is not a dotted-quad IPv4 address, or undefined when it is one. */
export function notIPv4(value: unknown): string | undefined {
  if (typeof value !== 'string') return `${JSON.stringify(value)} is not a string`;
  return parseIpv4(value) !== undefined ? undefined : `"${value}" is not an IPv4 address`;
}

/** Why `value` is not a port number (1-65535), or undefined when it is one. */
export function notPort(value: unknown): string | undefined {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535 ? undefined : `${JSON.stringify(value)} is not a port (1-65535)`;
}

/** Why `value` is not an IPv4 CIDR such as 10.42.0.0/16, or undefined when it is one. */
export function notIPv4Cidr(value: unknown): string | undefined {
  if (typeof value !== 'string') return `${JSON.stringify(value)} is not a string`;
  // Host bits may be set: the CIDR only tells which addresses are inside.
  return typeof parsePrefixedAddress(value) === 'string' ? `"${value}" is not an IPv4 CIDR (a.b.c.d/n)` : undefined;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Why `value` is not a DNS label (RFC 1123: lower case, digits and '-', at most 63), or undefined. */
export function notDnsLabel(value: unknown): string | undefined {
  if (typeof value !== 'string') return `${JSON.stringify(value)} is not a string`;
  return DNS_LABEL.test(value) ? undefined : `"${value}" is not a DNS label (lower case letters, digits and '-', at most 63)`;
}

/** Why `value` is not a DNS name made of DNS labels (a trailing dot allowed), or undefined. */
export function notDnsName(value: unknown): string | undefined {
  if (typeof value !== 'string') return `${JSON.stringify(value)} is not a string`;
  const name = value.replace(/\.$/, '').toLowerCase();
  if (name.length === 0 || name.length > 253 || !name.split('.').every((label) => DNS_LABEL.test(label))) return `"${value}" is not a DNS name`;
  return undefined;
}
