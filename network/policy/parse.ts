// A NetworkPolicy read into predicates and ranges. The API validated it already, but the view
// is JSON from elsewhere, so a part that cannot be read is reported and enforced "closed":
// a bad peer or port is left out of its rule (allowing less, never more), a bad podSelector
// selects every pod of the namespace, and bad policyTypes isolate both directions.
import { mergeRanges, parseCidr, subtractRanges, type Range } from './addresses.ts';
import { selectorMatcher, SelectorError, type Matcher } from './selector.ts';
import type { Direction, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Protocol } from './types.ts';
import { isPort, protocolOf } from './view.ts';

export type PeerSpec =
  | { kind: 'pods'; pods: Matcher; namespaces?: Matcher }
  | { kind: 'block'; ranges: Range[] };

export type PortSpec = { protocol: Protocol; first: number; last: number } | { protocol: Protocol; name: string };

/** An absent list allows everything; a present one (even emptied by bad entries) only what it holds. */
export interface RuleSpec {
  peers?: PeerSpec[];
  ports?: PortSpec[];
}

export interface PolicySpec {
  key: string;
  namespace: string;
  selects: Matcher;
  ingress?: RuleSpec[];
  egress?: RuleSpec[];
}

class Bad extends Error {}

function peerSpec(peer: NetworkPolicyPeer, at: string): PeerSpec {
  if (!peer || typeof peer !== 'object') throw new Bad(`${at}: is not an object`);
  const selectors = peer.podSelector != null || peer.namespaceSelector != null;
  if (peer.ipBlock != null && selectors) throw new Bad(`${at}: may not specify both ipBlock and another peer`);
  if (peer.ipBlock != null) return { kind: 'block', ranges: blockRanges(peer.ipBlock, `${at}.ipBlock`) };
  if (!selectors) throw new Bad(`${at}: must specify a peer`);
  const pods = selectorMatcher(peer.podSelector, `${at}.podSelector`);
  return peer.namespaceSelector == null ? { kind: 'pods', pods } : { kind: 'pods', pods, namespaces: selectorMatcher(peer.namespaceSelector, `${at}.namespaceSelector`) };
}

function blockRanges(block: { cidr?: unknown; except?: unknown }, at: string): Range[] {
  const outer = typeof block.cidr === 'string' ? parseCidr(block.cidr) : `${JSON.stringify(block.cidr)} is not a string`;
  if (typeof outer === 'string') throw new Bad(`${at}.cidr: ${outer}`);
  const excepts = block.except ?? [];
  if (!Array.isArray(excepts)) throw new Bad(`${at}.except: is not a list`);
  const holes = excepts.map((text, i) => {
    const hole = typeof text === 'string' ? parseCidr(text) : `${JSON.stringify(text)} is not a string`;
    if (typeof hole === 'string') throw new Bad(`${at}.except[${i}]: ${hole}`);
    if (hole.family !== outer.family || hole.first < outer.first || hole.last > outer.last) throw new Bad(`${at}.except[${i}]: "${String(text)}" is not inside cidr "${String(block.cidr)}"`);
    return hole;
  });
  return mergeRanges(subtractRanges(outer, holes));
}

function portSpec(p: NetworkPolicyPort, at: string): PortSpec {
  if (!p || typeof p !== 'object') throw new Bad(`${at}: is not an object`);
  const protocol = protocolOf(p.protocol);
  if (!protocol) throw new Bad(`${at}.protocol: ${JSON.stringify(p.protocol)} is not TCP, UDP or SCTP`);
  if (p.port === undefined || p.port === null) {
    if (p.endPort != null) throw new Bad(`${at}.endPort: may not be given without port`);
    return { protocol, first: 0, last: 65535 };
  }
  if (typeof p.port === 'string') {
    if (p.endPort != null) throw new Bad(`${at}.endPort: may not be given with a named port`);
    if (p.port === '') throw new Bad(`${at}.port: is empty`);
    return { protocol, name: p.port };
  }
  if (!isPort(p.port)) throw new Bad(`${at}.port: ${JSON.stringify(p.port)} is not a port (1-65535) or a port name`);
  const last = p.endPort ?? p.port;
  if (!isPort(last) || last < p.port) throw new Bad(`${at}.endPort: ${JSON.stringify(p.endPort)} is not a port from ${p.port} to 65535`);
  return { protocol, first: p.port, last };
}

/** Reads each item; an unreadable one is reported and left out. */
function each<T, U>(list: unknown, at: string, problems: string[], read: (item: T, at: string) => U): U[] {
  if (!Array.isArray(list)) {
    problems.push(`${at}: is not a list`);
    return [];
  }
  return list.flatMap((item: T, i) => {
    try {
      return [read(item, `${at}[${i}]`)];
    } catch (error) {
      if (!(error instanceof Bad || error instanceof SelectorError)) throw error;
      problems.push(error.message);
      return [];
    }
  });
}

const present = (list: unknown): boolean => list !== undefined && list !== null && !(Array.isArray(list) && list.length === 0);

function ruleSpecs(rules: unknown, direction: Direction, at: string, problems: string[]): RuleSpec[] {
  const peersField = direction === 'ingress' ? 'from' : 'to';
  return each(rules ?? [], `${at}.${direction}`, problems, (rule: Record<string, unknown>, ruleAt) => {
    if (!rule || typeof rule !== 'object') throw new Bad(`${ruleAt}: is not an object`);
    const spec: RuleSpec = {};
    if (present(rule[peersField])) spec.peers = each(rule[peersField], `${ruleAt}.${peersField}`, problems, peerSpec);
    if (present(rule.ports)) spec.ports = each(rule.ports, `${ruleAt}.ports`, problems, portSpec);
    return spec;
  });
}

/** Which directions the policy isolates: policyTypes, or Ingress plus Egress when it has egress rules. */
function policyTypes(spec: NetworkPolicy['spec'], at: string, problems: string[]): Set<Direction> {
  const types = spec.policyTypes;
  if (!present(types)) return new Set(present(spec.egress) ? ['ingress', 'egress'] : ['ingress']);
  const bad = !Array.isArray(types) || types.some((t) => t !== 'Ingress' && t !== 'Egress');
  if (bad) {
    problems.push(`${at}.policyTypes: ${JSON.stringify(types)} is not a list of Ingress and Egress; both are isolated`);
    return new Set(['ingress', 'egress']);
  }
  return new Set(types.map((t) => (t === 'Ingress' ? 'ingress' : 'egress')));
}

function podSelector(spec: NetworkPolicy['spec'], label: string, problems: string[]): Matcher {
  try {
    return selectorMatcher(spec.podSelector, `${label}: spec.podSelector`);
  } catch (error) {
    if (!(error instanceof SelectorError)) throw error;
    problems.push(`${error.message}; the policy selects every pod of its namespace`);
    return () => true;
  }
}

/** The policy read, or undefined (reported) when even its name or namespace cannot be read. */
export function policySpec(policy: NetworkPolicy, index: number, problems: string[]): PolicySpec | undefined {
  const namespace = policy?.metadata?.namespace;
  const name = policy?.metadata?.name;
  if (typeof namespace !== 'string' || !namespace || typeof name !== 'string' || !name) return void problems.push(`policies[${index}]: metadata needs a namespace and a name`);
  const label = `NetworkPolicy ${namespace}/${name}`;
  const spec = policy.spec;
  if (!spec || typeof spec !== 'object') {
    problems.push(`${label}: spec: is not an object; the policy isolates every pod of its namespace`);
    return { key: `${namespace}/${name}`, namespace, selects: () => true, ingress: [], egress: [] };
  }
  const types = policyTypes(spec, `${label}: spec`, problems);
  const out: PolicySpec = { key: `${namespace}/${name}`, namespace, selects: podSelector(spec, label, problems) };
  if (types.has('ingress')) out.ingress = ruleSpecs(spec.ingress, 'ingress', `${label}: spec`, problems);
  if (types.has('egress')) out.egress = ruleSpecs(spec.egress, 'egress', `${label}: spec`, problems);
  return out;
}
