// The VXLAN overlay and node forwarding of ADR 011: one node's device, routes, neighbour and
// forwarding entries for its peers, and its forward/masquerade table.
export { syncOverlay, removeOverlay } from './sync.ts';
export { setupNodeForwarding, removeNodeForwarding, FORWARDING_TABLE } from './forwarding.ts';
export { overlayMtu, vtepMac, podGateway, VXLAN_DEVICE, VXLAN_PORT, VXLAN_VNI, ROUTE_PROTOCOL } from './layout.ts';
export type { OverlayConfig, OverlayMode, OverlayPeer, OverlaySyncResult, ForwardingConfig } from './types.ts';
