// The node-local DNS (ADR 011): cluster names from the node's view, the rest forwarded.
export { buildZone, type ClusterZone, type NameRecords, type SrvTarget, type ZoneInput } from './zone.ts';
export { startNodeDns, type ListenAddress, type NodeDns, type NodeDnsOptions } from './server.ts';
export { readUpstreams, parseUpstream, type Upstream } from './upstreams.ts';
