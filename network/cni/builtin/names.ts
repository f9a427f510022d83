// Names and addresses the built-in plugin derives, so that they need no state of their own.
import crypto from 'node:crypto';
import { ipv4Mac, parseIpv4 } from '../../host/index.ts';

/** The host end of a pod's veth: "skerry" + 8 hex digits of a hash of the container id (ADR 011). */
export function hostVethName(containerId: string): string {
  return `skerry${crypto.createHash('sha256').update(containerId).digest('hex').slice(0, 8)}`;
}

/**
 * The bridge's MAC: 0a:58 + the gateway's four bytes (as OVN-Kubernetes derives its gateway
 * MACs). Set explicitly, the bridge keeps it instead of taking its lowest port's address, so
 * pods' ARP entries for the gateway do not go stale as pods come and go.
 */
export function bridgeMac(gateway: string): string {
  const address = parseIpv4(gateway);
  if (address === undefined) throw new RangeError(`bridge gateway ${JSON.stringify(gateway)} is not an IPv4 address`);
  return ipv4Mac('0a:58', address);
}
