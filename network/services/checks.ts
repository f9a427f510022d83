// Small checks on the values that reach nft and DNS answers: an address or a name that is
// not what it claims would otherwise end up inside an nft script or a DNS record.
import net from 'node:net';

/** Why `value` is not a dotted-quad IPv4 address, or undefined when it is one. */
export function notIPv4(value: unknown): string | undefined {
  if (typeof value !== 'string') return `${JSON.stringify(value)} is not a string`;
  return net.isIPv4(value) ? undefined : `"${value}" is not an IPv4 address`;
}

/** Why `value` is not a port number (1-65535), or undefined when it is one. */
export function notPort(value: unknown): string | undefined {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535 ? undefined : `${JSON.stringify(value)} is not a port (1-65535)`;
}

/** Why `value` is not an IPv4 CIDR such as 10.42.0.0/16, or undefined when it is one. */
export function notIPv4Cidr(value: unknown): string | undefined {
  if (typeof value !== 'string') return `${JSON.stringify(value)} is not a string`;
  const [address, bits, extra] = value.split('/');
  const length = Number(bits);
  if (extra !== undefined || !net.isIPv4(address ?? '') || !/^\d{1,2}$/.test(bits ?? '') || length > 32) return `"${value}" is not an IPv4 CIDR (a.b.c.d/n)`;
  return undefined;
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

/** A checked IPv4 address as a number (for sorting and keys), without allocating. */
export function ipv4Number(ip: string): number {
  let value = 0;
  let part = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      value = value * 256 + part;
      part = 0;
    } else part = part * 10 + c - 48;
  }
  return value * 256 + part;
}
