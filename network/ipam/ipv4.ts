// IPv4 addresses as unsigned 32-bit numbers, and the one subnet a node's pods live in.
import { SkerryError } from '../../common/index.ts';

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** The address as a number, or undefined when `text` is not a dotted quad. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => OCTET.test(part))) return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export interface Subnet {
  /** "10.42.3.0/24" */
  cidr: string;
  /** The network address as a number. */
  network: number;
  prefixLength: number;
  /** How many addresses it spans, network and broadcast included. */
  size: number;
  /** The first host address (network + 1): the pods' gateway, the bridge's address. */
  gateway: string;
}

/**
 * Parses the subnet pods get addresses from. `field` names it in errors. A /31 or /32 leaves
 * no address for a pod beside the gateway, and host bits set mean a typo, so both are refused.
 */
export function parseSubnet(cidr: unknown, field = 'subnet'): Subnet {
  const invalid = (reason: string) => new SkerryError('CONFIG_INVALID', `${field}: ${reason}`, { field, value: cidr });
  if (typeof cidr !== 'string') throw invalid('must be an IPv4 CIDR such as 10.42.3.0/24');
  const [address = '', bits, ...rest] = cidr.split('/');
  const network = parseIpv4(address);
  const prefixLength = bits !== undefined && /^\d{1,2}$/.test(bits) ? Number(bits) : NaN;
  if (network === undefined || rest.length > 0 || !(prefixLength <= 32)) throw invalid(`${JSON.stringify(cidr)} is not an IPv4 CIDR such as 10.42.3.0/24`);
  if (prefixLength > 30) throw invalid(`${cidr} is too small: a /${prefixLength} leaves no address for pods beside the gateway`);
  const size = 2 ** (32 - prefixLength);
  if (network % size !== 0) throw invalid(`${cidr} has host bits set; the network is ${formatIpv4(network - (network % size))}/${prefixLength}`);
  return { cidr, network, prefixLength, size, gateway: formatIpv4(network + 1) };
}

/** Whether `address` (a number) is one a pod may get: inside, and not network, gateway or broadcast. */
export function isPodAddress(subnet: Subnet, address: number): boolean {
  const offset = address - subnet.network;
  return offset >= 2 && offset < subnet.size - 1;
}
