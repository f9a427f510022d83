/**
 * A pod as the scheduler uses it, parsed once per version seen: its requests, its owner and its
 * required anti-affinity terms. Node aggregates and filters work on these, never on raw JSON.
 */
import { labelSelectorFromObject, type KubeObject, type Matcher } from '../api/index.ts';
import { podRequests, type ResourceList } from './resources.ts';
import type { NodeSelector, NodeSelectorTerm } from './node-selector.ts';
import type { Toleration } from './taints.ts';

export interface AffinityTerm {
  matcher: Matcher;
  /** The namespaces whose pods the term looks at; 'all' for an empty namespaceSelector. */
  namespaces: ReadonlySet<string> | 'all';
  topologyKey: string;
}

export interface PodSpec {
  nodeName?: string;
  schedulerName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  schedulingGates?: unknown[];
  volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName?: string }; ephemeral?: unknown }>;
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
      preferredDuringSchedulingIgnoredDuringExecution?: Array<{ weight?: number; preference?: NodeSelectorTerm }>;
    };
    podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: RawAffinityTerm[] };
  };
}

interface RawAffinityTerm {
  labelSelector?: unknown;
  namespaces?: string[];
  namespaceSelector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | null;
  topologyKey?: string;
}

export interface PodInfo {
  key: string;
  namespace: string;
  name: string;
  uid: string;
  pod: KubeObject;
  spec: PodSpec;
  labels: Record<string, string>;
  nodeName: string | undefined;
  requests: ResourceList;
  /** cpu and memory with the scoring defaults for containers that request nothing. */
  nonZero: ResourceList;
  /** The uid of the controller ownerReference: replicas of one owner are spread. */
  owner: string | undefined;
  antiAffinity: AffinityTerm[];
}

export function podKey(pod: KubeObject): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

function compileTerm(raw: RawAffinityTerm, namespace: string): AffinityTerm | undefined {
  let matcher: Matcher;
  try {
    matcher = labelSelectorFromObject(raw.labelSelector ?? null);
  } catch {
    return undefined; // validation rejects bad selectors; a stored one selects nothing
  }
  const selector = raw.namespaceSelector;
  const everywhere = selector !== undefined && selector !== null && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  const listed = raw.namespaces ?? [];
  const namespaces = everywhere ? 'all' : new Set(listed.length > 0 || selector ? listed : [namespace]);
  return { matcher, namespaces, topologyKey: raw.topologyKey ?? '' };
}

export function podInfoOf(pod: KubeObject): PodInfo {
  const spec = (pod.spec ?? {}) as PodSpec;
  const namespace = pod.metadata.namespace ?? '';
  const rawTerms = spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  return {
    key: podKey(pod),
    namespace,
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? '',
    pod,
    spec,
    labels: pod.metadata.labels ?? {},
    nodeName: spec.nodeName || undefined,
    requests: podRequests(pod),
    nonZero: podRequests(pod, true),
    owner: pod.metadata.ownerReferences?.find((ref) => ref.controller)?.uid,
    antiAffinity: rawTerms.flatMap((term) => compileTerm(term ?? {}, namespace) ?? []),
  };
}

export function termSelects(term: AffinityTerm, pod: PodInfo): boolean {
  return (term.namespaces === 'all' || term.namespaces.has(pod.namespace)) && term.matcher.matches(pod.labels);
}

/** Pods that hold no resources any more: kube-scheduler's cache leaves terminal pods out. */
export function isTerminal(pod: KubeObject): boolean {
  const phase = ((pod.status ?? {}) as { phase?: string }).phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
