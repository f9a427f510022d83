// What `inet skerry` holds, as plain data: chains with their rule lines and the elements of
// its sets and maps. fixedChains and the pick chains are shared by all services (shared.ts
// counts who uses which); planPort is one service port's share, only map and set elements,
// so a change to one service is a few element updates.
//
// Packet path: nat prerouting (pods, NodePort clients) and nat output (the node itself) jump
// to `services`. Its verdict map `service-ips` on (daddr . l4proto . dport) goes to the
// chain `pick-<proto>-<N>` for the port's number N of ready endpoints, which draws
// `numgen random mod N` and DNATs to the (address . port) that map
// `service-endpoints-<proto>` holds for (service address . port . draw). NodePorts on the
// node's addresses go the same way through `node-ports` and `node-port-pick-<proto>-<N>`,
// which also marks for masquerade. Marked packets, and hairpin ones (a pod reaching itself
// through its Service: after DNAT its source and destination are equal), are masqueraded in
// postrouting. Addresses without ready endpoints are in sets that the filter chains reject
// (TCP reset, else ICMP port unreachable) before any DNAT, as kube-proxy does.
//
// Why not kube-proxy's chain per service port with `numgen random mod N vmap { 0 : goto
// <endpoint chain>, … }`: this kernel makes it quadratic. It keeps a table's sets in a list
// searched by name, so every anonymous vmap slows the next (4,000 load in 2.3 s, 10,000 did
// not in 60 s; kernel 6.18, nft 1.0.6). And a named map shared by one rule per service is
// checked against every rule bound to it for each element added, and the other way round
// (10,000 services: 20 s). With the rules that read the shared maps shared too, one per
// (protocol, N), the table grows linearly: 10,000 services load in about 1 s.
import type { L4, ServicePortRule, ServiceRules } from './compile.ts';

export const TABLE = 'inet skerry';
/** The packet mark bit that asks for masquerading (kube-proxy's): set in our chains, cleared before masquerade. */
export const MASQ_MARK = '0x4000';

export interface ChainPlan {
  name: string;
  rules: string[];
}

export interface ElementPlan {
  set: string;
  key: string;
  /** The value for map elements; absent in plain sets. */
  value?: string;
}

export interface Plan {
  chains: ChainPlan[];
  elements: ElementPlan[];
}

const L4S: L4[] = ['tcp', 'udp', 'sctp'];

/** Sets and maps, and the base chains with their hooks: made once when the table is (re)built. */
export const DECLARATIONS = [
  'set node-ips { type ipv4_addr; }',
  'map service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }',
  'map node-ports { type inet_proto . inet_service : verdict; }',
  // One per protocol: nft 1.0.6 refuses a later rule that DNATs through a map typed with `th dport`.
  ...L4S.map((p) => `map service-endpoints-${p} { typeof ip daddr . ${p} dport . numgen random mod 1 : ip daddr . ${p} dport; }`),
  ...L4S.map((p) => `map node-port-endpoints-${p} { typeof ${p} dport . numgen random mod 1 : ip daddr . ${p} dport; }`),
  'set no-endpoint-services { type ipv4_addr . inet_proto . inet_service; }',
  'set no-endpoint-node-ports { type inet_proto . inet_service; }',
  'set hairpin { type ipv4_addr . ipv4_addr; }',
  'chain nat-prerouting { type nat hook prerouting priority dstnat; policy accept; }',
  'chain nat-output { type nat hook output priority -100; policy accept; }',
  'chain nat-postrouting { type nat hook postrouting priority srcnat; policy accept; }',
  // Before DNAT (-100), so they see the Service address the client used.
  'chain filter-input { type filter hook input priority -110; policy accept; }',
  'chain filter-forward { type filter hook forward priority -110; policy accept; }',
  'chain filter-output { type filter hook output priority -110; policy accept; }',
];

export const BASE_CHAINS = new Set(['nat-prerouting', 'nat-output', 'nat-postrouting', 'filter-input', 'filter-forward', 'filter-output']);

const markForMasquerade = `meta mark set meta mark | ${MASQ_MARK}`;
const serviceKey = 'ip daddr . meta l4proto . th dport';
const nodePortKey = 'meta l4proto . th dport';
const pickChain = (protocol: L4, count: number) => `pick-${protocol}-${count}`;
const nodePortPickChain = (protocol: L4, count: number) => `node-port-pick-${protocol}-${count}`;

/** The chains every table has; `nodeIps` decides which local addresses NodePorts answer on. */
export function fixedChains(nodeIps: string[]): ChainPlan[] {
  const onNode = nodeIps.length > 0 ? 'fib daddr type local ip daddr @node-ips' : 'fib daddr type local ip daddr != 127.0.0.0/8';
  const rejectNew = `ct state new ${serviceKey} @no-endpoint-services goto reject-connection`;
  const rejectNodePort = `ct state new ${onNode} ${nodePortKey} @no-endpoint-node-ports goto reject-connection`;
  return [
    { name: 'nat-prerouting', rules: ['jump services'] },
    { name: 'nat-output', rules: ['jump services'] },
    { name: 'nat-postrouting', rules: ['jump masquerading'] },
    { name: 'filter-input', rules: [rejectNodePort] },
    { name: 'filter-forward', rules: [rejectNew] },
    { name: 'filter-output', rules: [rejectNew, rejectNodePort] },
    { name: 'services', rules: [`${serviceKey} vmap @service-ips`, `${onNode} ${nodePortKey} vmap @node-ports`] },
    {
      name: 'masquerading',
      rules: [
        `ct status dnat ip saddr . ip daddr @hairpin ${markForMasquerade}`,
        `meta mark & ${MASQ_MARK} == 0 return`,
        `meta mark set meta mark ^ ${MASQ_MARK}`,
        'masquerade fully-random',
      ],
    },
    { name: 'reject-connection', rules: ['meta l4proto tcp reject with tcp reset', 'reject'] },
  ];
}

/** A shared pick chain: one per (protocol, endpoint count, ClusterIP or NodePort) in use. */
export interface Pick {
  name: string;
  protocol: L4;
  count: number;
  nodePort: boolean;
}

/** The pick chains one service port uses (none without ready endpoints). */
export function picksOf(rule: ServicePortRule): Pick[] {
  const count = rule.endpoints.length;
  if (count === 0) return [];
  const picks: Pick[] = [{ name: pickChain(rule.protocol, count), protocol: rule.protocol, count, nodePort: false }];
  if (rule.nodePort !== undefined) picks.push({ name: nodePortPickChain(rule.protocol, count), protocol: rule.protocol, count, nodePort: true });
  return picks;
}

export function pickChainPlan(pick: Pick, clusterCidr: string): ChainPlan {
  const draw = `numgen random mod ${pick.count}`;
  const rules = pick.nodePort
    ? [markForMasquerade, `dnat ip to ${pick.protocol} dport . ${draw} map @node-port-endpoints-${pick.protocol}`]
    : // Off-cluster clients (the node itself, other hosts) are masqueraded so replies come back through the node.
      [`ip saddr != ${clusterCidr} ${markForMasquerade}`, `dnat ip to ip daddr . ${pick.protocol} dport . ${draw} map @service-endpoints-${pick.protocol}`];
  return { name: pick.name, rules };
}

export const hairpinElement = (ip: string): ElementPlan => ({ set: 'hairpin', key: `${ip} . ${ip}` });
export const nodeIpElement = (ip: string): ElementPlan => ({ set: 'node-ips', key: ip });

/** One service port's elements (its chains are the shared pick chains). */
export function planPort(rule: ServicePortRule): Plan {
  const { protocol, clusterIP, port, nodePort, endpoints } = rule;
  const key = `${clusterIP} . ${protocol} . ${port}`;
  const nodeKey = `${protocol} . ${nodePort}`;
  if (endpoints.length === 0) {
    const elements: ElementPlan[] = [{ set: 'no-endpoint-services', key }];
    if (nodePort !== undefined) elements.push({ set: 'no-endpoint-node-ports', key: nodeKey });
    return { chains: [], elements };
  }
  const targets = endpoints.map((e) => `${e.ip} . ${e.port}`);
  const elements: ElementPlan[] = [
    { set: 'service-ips', key, value: `goto ${pickChain(protocol, endpoints.length)}` },
    ...targets.map((target, i) => ({ set: `service-endpoints-${protocol}`, key: `${clusterIP} . ${port} . ${i}`, value: target })),
  ];
  if (nodePort !== undefined) {
    elements.push({ set: 'node-ports', key: nodeKey, value: `goto ${nodePortPickChain(protocol, endpoints.length)}` });
    elements.push(...targets.map((target, i) => ({ set: `node-port-endpoints-${protocol}`, key: `${nodePort} . ${i}`, value: target })));
  }
  return { chains: [], elements };
}
