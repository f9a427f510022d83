// The one subnet a node's pods live in, and which of its addresses a pod may get.
import { SkerryError } from '../../common/index.ts';
import { blockSize, formatIpv4, parsePrefixedAddress, subnetOf } from '../host/index.ts';

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
  const parsed = parsePrefixedAddress(cidr);
  if (typeof parsed === 'string') throw invalid(`${JSON.stringify(cidr)} is not an IPv4 CIDR such as 10.42.3.0/24`);
  const { address: network, prefixLength } = parsed;
  if (prefixLength > 30) throw invalid(`${cidr} is too small: a /${prefixLength} leaves no address for pods beside the gateway`);
  const { network: masked } = subnetOf(network, prefixLength);
  if (masked !== network) throw invalid(`${cidr} has host bits set; the network is ${formatIpv4(masked)}/${prefixLength}`);
  return { cidr, network, prefixLength, size: blockSize(prefixLength), gateway: formatIpv4(network + 1) };
}

/** Whether `address` (a number) is one a pod may get: inside, and not network, gateway or broadcast. */
export function isPodAddress(subnet: Subnet, address: number): boolean {
  const offset = address - subnet.network;
  return offset >= 2 && offset < subnet.size - 1;
}
