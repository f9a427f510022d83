/** The per-pod state the filters and scores share, computed once per scheduling attempt. */
import type { CycleState } from './filters.ts';
import type { NodeInfo } from './node-info.ts';
import { termSelects, type PodInfo } from './pod-info.ts';
import { readWriteOncePodConflict } from './volume-restrictions.ts';
import { volumeConstraints, type PreFilterFailure, type VolumeLookup } from './volumes.ts';

function addDomain(domains: Map<string, Set<string>>, key: string, node: NodeInfo): void {
  const value = node.labels[key];
  if (value === undefined) return;
  let values = domains.get(key);
  if (!values) domains.set(key, (values = new Set()));
  values.add(value);
}

/** Where pods matching the pod's own required anti-affinity terms already run. */
function antiAffinityDomains(pod: PodInfo, nodes: readonly NodeInfo[]): Map<string, Set<string>> {
  const domains = new Map<string, Set<string>>();
  if (pod.antiAffinity.length === 0) return domains;
  for (const node of nodes) {
    for (const term of pod.antiAffinity) {
      const value = node.labels[term.topologyKey];
      if (value === undefined || domains.get(term.topologyKey)?.has(value)) continue;
      for (const other of node.pods.values()) {
        if (other.key !== pod.key && termSelects(term, other)) {
          addDomain(domains, term.topologyKey, node);
          break;
        }
      }
    }
  }
  return domains;
}

/** Where running pods' required anti-affinity terms select this pod (the rule is symmetric). */
function existingAntiAffinityDomains(pod: PodInfo, nodes: readonly NodeInfo[]): Map<string, Set<string>> {
  const domains = new Map<string, Set<string>>();
  for (const node of nodes) {
    for (const other of node.withAntiAffinity) {
      if (other.key === pod.key) continue;
      for (const term of other.antiAffinity) if (termSelects(term, pod)) addDomain(domains, term.topologyKey, node);
    }
  }
  return domains;
}

export function prepareCycle(pod: PodInfo, nodes: readonly NodeInfo[], volumes: VolumeLookup | undefined): CycleState | PreFilterFailure {
  const constraints = volumeConstraints(pod, volumes);
  if ('message' in constraints) return constraints;
  const conflict = readWriteOncePodConflict(pod, nodes, volumes);
  if (conflict) return conflict;
  return {
    pod,
    tolerations: (pod.spec.tolerations ?? []).filter((t) => t && typeof t === 'object'),
    antiAffinityDomains: antiAffinityDomains(pod, nodes),
    existingAntiAffinityDomains: existingAntiAffinityDomains(pod, nodes),
    volumeSelectors: constraints.selectors,
    missingVolume: constraints.missingVolume,
    selectedNodes: constraints.selectedNodes,
  };
}
