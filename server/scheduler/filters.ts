/**
 * The filter plugins of kube-scheduler's default profile that skerry needs, in its order, with its
 * reasons. A node fails on the first plugin that rejects it; `resolvable` marks the rejections
 * that preemption could in principle fix (Unschedulable, not UnschedulableAndUnresolvable).
 */
import { nodeSelectorMatches, type NodeSelector } from './node-selector.ts';
import type { NodeInfo } from './node-info.ts';
import type { PodInfo } from './pod-info.ts';
import { tolerated, untoleratedTaint, UNSCHEDULABLE, type Toleration } from './taints.ts';

export interface FilterStatus {
  reasons: string[];
  resolvable: boolean;
}

/** Per-pod facts computed once before the filters run over the nodes (kube's PreFilter). */
export interface CycleState {
  pod: PodInfo;
  tolerations: Toleration[];
  /** Topology values (by key) where pods matching the pod's own anti-affinity terms run. */
  antiAffinityDomains: Map<string, Set<string>>;
  /** Topology values (by key) where existing pods' anti-affinity terms reject this pod. */
  existingAntiAffinityDomains: Map<string, Set<string>>;
  /** Required node affinity of the PersistentVolumes the pod's claims are bound to. */
  volumeSelectors: NodeSelector[];
  /** A claim is bound to a PersistentVolume that does not exist. */
  missingVolume: boolean;
  /** Nodes already chosen for the pod's unbound WaitForFirstConsumer claims. */
  selectedNodes: string[];
}

export type Filter = (state: CycleState, node: NodeInfo) => FilterStatus | undefined;

export const REASONS = {
  unschedulable: 'node(s) were unschedulable',
  nodeAffinity: "node(s) didn't match Pod's node affinity/selector",
  tooManyPods: 'Too many pods',
  antiAffinity: "node(s) didn't match pod anti-affinity rules",
  existingAntiAffinity: "node(s) didn't satisfy existing pods anti-affinity rules",
  volumeNodeConflict: 'node(s) had volume node affinity conflict',
  volumeMissing: 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)',
  volumeBindConflict: "node(s) didn't find available persistent volumes to bind",
} as const;

const unresolvable = (...reasons: string[]): FilterStatus => ({ reasons, resolvable: false });

export const nodeUnschedulable: Filter = (state, node) => {
  if (!node.unschedulable || tolerated(state.tolerations, { key: UNSCHEDULABLE, effect: 'NoSchedule' })) return undefined;
  return unresolvable(REASONS.unschedulable);
};

export const taintToleration: Filter = (state, node) => {
  const taint = untoleratedTaint(node.taints, state.tolerations);
  // Go's "%s: %s" leaves a space before an empty value: {node.kubernetes.io/not-ready: }.
  return taint ? unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`) : undefined;
};

export const nodeAffinity: Filter = (state, node) => {
  const spec = state.pod.spec;
  const selectorOk = Object.entries(spec.nodeSelector ?? {}).every(([key, value]) => node.labels[key] === value);
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const affinityOk = !required || nodeSelectorMatches(required, node.node!);
  return selectorOk && affinityOk ? undefined : unresolvable(REASONS.nodeAffinity);
};

// kube-scheduler lists insufficient resources in this order, extended resources after.
const RESOURCE_ORDER = ['cpu', 'memory', 'ephemeral-storage'];

function resourceOrder(names: string[]): string[] {
  const known = RESOURCE_ORDER.filter((name) => names.includes(name));
  const others = names.filter((name) => !RESOURCE_ORDER.includes(name) && name !== 'pods').sort();
  return [...known, ...others];
}

export const nodeResourcesFit: Filter = (state, node) => {
  const reasons: string[] = [];
  if (node.pods.size + 1 > (node.allocatable.pods ?? 0)) reasons.push(REASONS.tooManyPods);
  const requests = state.pod.requests;
  for (const name of resourceOrder(Object.keys(requests))) {
    const wanted = requests[name]!;
    if (wanted > 0 && wanted > (node.allocatable[name] ?? 0) - (node.requested[name] ?? 0)) reasons.push(`Insufficient ${name}`);
  }
  return reasons.length > 0 ? { reasons, resolvable: true } : undefined;
};

export const volumeBinding: Filter = (state, node) => {
  const reasons: string[] = [];
  if (state.volumeSelectors.some((selector) => !nodeSelectorMatches(selector, node.node!))) reasons.push(REASONS.volumeNodeConflict);
  if (state.missingVolume) reasons.push(REASONS.volumeMissing);
  if (state.selectedNodes.some((selected) => selected !== node.name)) reasons.push(REASONS.volumeBindConflict);
  return reasons.length > 0 ? unresolvable(...reasons) : undefined;
};

function inDomains(domains: Map<string, Set<string>>, key: string, node: NodeInfo): boolean {
  const value = node.labels[key];
  return value !== undefined && (domains.get(key)?.has(value) ?? false);
}

export const interPodAffinity: Filter = (state, node) => {
  if (state.pod.antiAffinity.some((term) => inDomains(state.antiAffinityDomains, term.topologyKey, node))) {
    return { reasons: [REASONS.antiAffinity], resolvable: true };
  }
  for (const key of state.existingAntiAffinityDomains.keys()) {
    if (inDomains(state.existingAntiAffinityDomains, key, node)) return { reasons: [REASONS.existingAntiAffinity], resolvable: true };
  }
  return undefined;
};

export const FILTERS: readonly Filter[] = [nodeUnschedulable, taintToleration, nodeAffinity, nodeResourcesFit, volumeBinding, interPodAffinity];

/** The first rejection of the node, or undefined when the pod fits. */
export function runFilters(state: CycleState, node: NodeInfo): FilterStatus | undefined {
  for (const filter of FILTERS) {
    const status = filter(state, node);
    if (status) return status;
  }
  return undefined;
}
