// Names and addresses the built-in plugin derives, so that they need no state of their own.
import crypto from 'node:crypto';

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
  return ['0a', '58', ...gateway.split('.').map((octet) => Number(octet).toString(16).padStart(2, '0'))].join(':');
}
