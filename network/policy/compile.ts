// Kubernetes v1 NetworkPolicy semantics, resolved against the node's view: a local pod is
// isolated in a direction when a policy selecting it has that policy type, and then allowed
// exactly the union of those policies' rules. Peers come from every pod the node knows; named
// ports are resolved on the pod that receives the connection (the local pod for ingress,
// each peer for egress).
import { compareAddresses, formatRange, mergeRanges, parseAddress, rangeContains } from './addresses.ts';
import { policyChainName } from './names.ts';
import { policySpec, type PeerSpec, type PolicySpec, type RuleSpec } from './parse.ts';
import { compilePorts } from './ports.ts';
import type { CompiledPeers, CompiledRule, Direction, PolicyChain, PolicyInput, PolicyPlan, PodVerdict } from './types.ts';
import { clusterView, type ClusterView, type PodView } from './view.ts';

const DIRECTIONS: Direction[] = ['ingress', 'egress'];

function peerPods(peer: Extract<PeerSpec, { kind: 'pods' }>, policyNamespace: string, view: ClusterView): PodView[] {
  return view.pods.filter((pod) => {
    const inNamespace = peer.namespaces ? peer.namespaces(view.namespaceLabels.get(pod.namespace) ?? {}) : pod.namespace === policyNamespace;
    return inNamespace && peer.pods(pod.labels);
  });
}

const sortedUnique = (list: Iterable<string>): string[] => [...new Set(list)].sort(compareAddresses);

function compilePeers(peers: PeerSpec[], policyNamespace: string, view: ClusterView): CompiledPeers {
  const out: CompiledPeers = {};
  const selectors = peers.filter((p): p is Extract<PeerSpec, { kind: 'pods' }> => p.kind === 'pods');
  const blocks = peers.flatMap((p) => (p.kind === 'block' ? p.ranges : []));
  if (selectors.length > 0) out.pods = sortedUnique(selectors.flatMap((peer) => peerPods(peer, policyNamespace, view).flatMap((pod) => pod.ips)));
  // Blocks of one rule may overlap, and an nft interval set refuses overlapping elements.
  if (peers.some((p) => p.kind === 'block')) out.blocks = mergeRanges(blocks).map(formatRange);
  return out;
}

/** The pods a named port may be resolved on: for egress the rule's peers, for ingress the local pods the policy selects. */
function receivers(rule: RuleSpec, direction: Direction, policy: PolicySpec, selected: PodView[], view: ClusterView): PodView[] {
  if (direction === 'ingress') return selected;
  if (!rule.peers) return view.pods;
  const out = new Set<PodView>();
  for (const peer of rule.peers) {
    if (peer.kind === 'pods') for (const pod of peerPods(peer, policy.namespace, view)) out.add(pod);
    else for (const pod of view.pods) if (pod.ips.some((ip) => peer.ranges.some((r) => rangeContains(r, parseAddress(ip)!)))) out.add(pod);
  }
  return [...out];
}

function compileRule(rule: RuleSpec, direction: Direction, policy: PolicySpec, selected: PodView[], view: ClusterView): CompiledRule {
  const out: CompiledRule = {};
  if (rule.peers) out.peers = compilePeers(rule.peers, policy.namespace, view);
  if (rule.ports) out.ports = compilePorts(rule.ports, receivers(rule, direction, policy, selected, view));
  return out;
}

/** Local pods each policy selects, by policy key; policies in a pod's namespace only. */
function selections(policies: PolicySpec[], view: ClusterView): Map<PolicySpec, PodView[]> {
  const localPods = [...new Set(view.local.values())];
  return new Map(policies.map((p) => [p, localPods.filter((pod) => pod.namespace === p.namespace && p.selects(pod.labels))]));
}

function podVerdicts(view: ClusterView, selected: Map<PolicySpec, PodView[]>): Record<string, PodVerdict> {
  const pods: Record<string, PodVerdict> = {};
  for (const [ip, pod] of [...view.local].sort(([a], [b]) => compareAddresses(a, b))) {
    const verdict: PodVerdict = { pod: pod.key };
    for (const direction of DIRECTIONS) {
      const chains = [...selected].filter(([policy, list]) => policy[direction] && list.includes(pod)).map(([policy]) => policyChainName(policy.key, direction));
      if (chains.length > 0) verdict[direction] = chains;
    }
    if (verdict.ingress || verdict.egress) pods[ip] = verdict;
  }
  return pods;
}

/** Sorted by namespace/name; a second policy of the same name is reported and left out. */
function uniquePolicies(list: Array<PolicySpec | undefined>, problems: string[]): PolicySpec[] {
  const byKey = new Map<string, PolicySpec>();
  for (const p of list) {
    if (!p) continue;
    if (byKey.has(p.key)) problems.push(`NetworkPolicy ${p.key}: appears twice; the first is enforced`);
    else byKey.set(p.key, p);
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The node's NetworkPolicy enforcement as plain data: applyPolicy programs it. */
export function compilePolicy(input: PolicyInput): PolicyPlan {
  const problems: string[] = [];
  const view = clusterView(input, problems);
  const policies = uniquePolicies(input.policies.map((p, i) => policySpec(p, i, problems)), problems);
  const selected = selections(policies, view);
  const chains: Record<string, PolicyChain> = {};
  for (const [policy, pods] of selected) {
    if (pods.length === 0) continue;
    for (const direction of DIRECTIONS) {
      const rules = policy[direction];
      if (rules) chains[policyChainName(policy.key, direction)] = { policy: policy.key, direction, rules: rules.map((r) => compileRule(r, direction, policy, pods, view)) };
    }
  }
  return { pods: podVerdicts(view, selected), chains, problems };
}
