/**
 * 'auto': peers whose node IP is on a subnet the underlay device is connected to are reached
 * by plain routes (flannel's DirectRouting), the others through VXLAN. 'vxlan': every peer
 * through VXLAN.
 */
export type OverlayMode = 'auto' | 'vxlan';

export interface OverlayConfig {
  /** This node's address on the underlay; the device holding it carries the VXLAN traffic. */
  nodeIp: string;
  /** This node's pod CIDR (Node spec.podCIDR): it gives the VXLAN device's MAC. */
  podCidr: string;
  /** Default 'auto'. */
  mode?: OverlayMode;
  /** A network namespace file (e.g. /run/netns/NAME) to program instead of the current one. */
  netns?: string;
}

/** Another node, as its Node object tells. */
export interface OverlayPeer {
  name: string;
  podCidr: string;
  nodeIp: string;
}

/** What a sync found and did. */
export interface OverlaySyncResult {
  /** The device holding the node IP. */
  underlayDevice: string;
  /** The VXLAN device's MTU (underlay MTU − 50). */
  mtu: number;
  /** Peers reached by plain routes on the underlay. */
  direct: string[];
  /** Peers reached through the VXLAN device. */
  encapsulated: string[];
  /** The lines given to `ip -batch -` and `bridge -batch -`: both empty when nothing changed. */
  ipCommands: string[];
  bridgeCommands: string[];
}

export interface ForwardingConfig {
  /** The whole cluster's pod CIDR (10.42.0.0/16): forwarded both ways, never masqueraded. */
  clusterCidr: string;
  /** This node's pod CIDR: its traffic to outside the cluster CIDR is masqueraded. */
  podCidr: string;
  netns?: string;
}
