// IPv4 addresses and CIDRs as numbers, for the overlay's few questions: is an address on a
// subnet, do two subnets overlap, what is a subnet's first host address.

export interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  network: number;
  prefixLength: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** The address as a number, or undefined when `text` is not a dotted-quad IPv4 address. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => OCTET.test(part))) return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** The CIDR, or a reason why `text` is not one (host bits set, a prefix out of range …). */
export function parseCidr(text: string): Cidr | string {
  const [address, prefix, ...rest] = text.split('/');
  const network = parseIpv4(address ?? '');
  if (network === undefined || rest.length > 0) return `"${text}" is not an IPv4 CIDR (a.b.c.d/n)`;
  if (prefix === undefined || !/^\d{1,2}$/.test(prefix) || Number(prefix) > 32) return `"${text}" has no prefix length between 0 and 32`;
  const prefixLength = Number(prefix);
  if (network % blockSize(prefixLength) !== 0) return `"${text}" has host bits set (the network is ${formatIpv4(network - (network % blockSize(prefixLength)))}/${prefixLength})`;
  return { network, prefixLength };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefixLength}`;
}

function blockSize(prefixLength: number): number {
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
