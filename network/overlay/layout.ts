// The overlay's fixed names and numbers (ADR 011 "Layout on a node"): every node derives
// the same values from the same inputs, so nothing beyond a Node's pod CIDR and address has
// to travel between nodes.
import { firstHost, formatIpv4, ipv4Mac, parseCidr, type Cidr } from '../host/index.ts';

export const VXLAN_DEVICE = 'skerry.vxlan';
export const VXLAN_VNI = 1;
/** flannel's port, so firewall rules written for flannel clusters fit. */
export const VXLAN_PORT = 8472;
/** Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14) headers. */
export const VXLAN_OVERHEAD = 50;
/**
 * The routing protocol number on every route the overlay adds. It marks the routes it owns,
 * so a sync can remove its stale ones without touching routes an administrator or another
 * component made. 0x6b, as in the overlay's MAC prefix; unassigned in rt_protos.
 */
export const ROUTE_PROTOCOL = 107;

/** The MTU of the VXLAN device, the pod bridge and pod veths for an underlay MTU. */
export function overlayMtu(underlayMtu: number): number {
  if (!Number.isInteger(underlayMtu) || underlayMtu < 68 + VXLAN_OVERHEAD || underlayMtu > 65535) {
    throw new RangeError(`underlay MTU ${underlayMtu} is not an integer between ${68 + VXLAN_OVERHEAD} and 65535: the overlay MTU would be below IPv4's minimum of 68`);
  }
  return underlayMtu - VXLAN_OVERHEAD;
}

/** The VXLAN device's MAC of the node owning `podCidr`: 0e:6b: + the network address's four bytes. */
export function vtepMac(podCidr: Cidr | string): string {
  return ipv4Mac('0e:6b', asCidr(podCidr).network);
}

/** The gateway (bridge address) of the node owning `podCidr`: its first host address. */
export function podGateway(podCidr: Cidr | string): string {
  return formatIpv4(firstHost(asCidr(podCidr)));
}

function asCidr(podCidr: Cidr | string): Cidr {
  if (typeof podCidr !== 'string') return podCidr;
  const parsed = parseCidr(podCidr);
  if (typeof parsed === 'string') throw new RangeError(`pod CIDR ${parsed}`);
  return parsed;
}
