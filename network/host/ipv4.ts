// IPv4 addresses and CIDRs as unsigned 32-bit numbers: the few questions the network
// components ask (is an address on a subnet, do two subnets overlap, what is a subnet's first
// host address) are then plain arithmetic.

export interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  network: number;
  prefixLength: number;
}

/** An address with a prefix length as written ("10.42.3.7/24"): host bits may be set. */
export interface PrefixedAddress {
  address: number;
  prefixLength: number;
}

const DOT = 46;
const ZERO = 48;

/**
 * The address as a number, or undefined when `text` is not a dotted quad (four decimal octets
 * 0-255 without leading zeros, as net.isIPv4 takes them). Scans the text without allocating:
 * Services sort and key thousands of addresses with it.
 */
export function parseIpv4(text: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || ++dots > 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else {
      const digit = c - ZERO;
      if (digit < 0 || digit > 9 || (digits === 1 && octet === 0)) return undefined;
      octet = octet * 10 + digit;
      if (++digits > 3 || octet > 255) return undefined;
    }
  }
  return dots === 3 && digits > 0 ? value * 256 + octet : undefined;
}

/** The four octets, most significant first. */
function ipv4Octets(value: number): number[] {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256);
}

export function formatIpv4(value: number): string {
  return ipv4Octets(value).join('.');
}

/** A MAC address of a two-byte prefix ("0e:6b") and the address's four bytes, so it follows from the address alone. */
export function ipv4Mac(prefix: string, value: number): string {
  return [prefix, ...ipv4Octets(value).map((octet) => octet.toString(16).padStart(2, '0'))].join(':');
}

/** "a.b.c.d/n" with host bits allowed, or a reason why `text` is not that. */
export function parsePrefixedAddress(text: string): PrefixedAddress | string {
  const [address, prefix, ...rest] = text.split('/');
  const value = parseIpv4(address ?? '');
  if (value === undefined || rest.length > 0) return `"${text}" is not an IPv4 CIDR (a.b.c.d/n)`;
  if (prefix === undefined || !/^\d{1,2}$/.test(prefix) || Number(prefix) > 32) return `"${text}" has no prefix length between 0 and 32`;
  return { address: value, prefixLength: Number(prefix) };
}

/** The CIDR, or a reason why `text` is not one (host bits set, a prefix out of range …). */
export function parseCidr(text: string): Cidr | string {
  const parsed = parsePrefixedAddress(text);
  if (typeof parsed === 'string') return parsed;
  const cidr = subnetOf(parsed.address, parsed.prefixLength);
  if (cidr.network !== parsed.address) return `"${text}" has host bits set (the network is ${formatCidr(cidr)})`;
  return cidr;
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefixLength}`;
}

/** How many addresses a prefix length spans, network and broadcast included. */
export function blockSize(prefixLength: number): number {
  return 2 ** (32 - prefixLength);
}

/** The subnet an address with this prefix length is on. */
export function subnetOf(address: number, prefixLength: number): Cidr {
  return { network: address - (address % blockSize(prefixLength)), prefixLength };
}

export function contains(cidr: Cidr, address: number): boolean {
  return address >= cidr.network && address < cidr.network + blockSize(cidr.prefixLength);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b.network) || contains(b, a.network);
}

/** The first host address: the gateway of a node's pod CIDR (10.42.3.0/24 → 10.42.3.1). */
export function firstHost(cidr: Cidr): number {
  return cidr.network + 1;
}
