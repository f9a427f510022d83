/**
 * Scoring of the nodes that passed the filters, after kube-scheduler's default score plugins and
 * weights: each plugin scores 0–100 (normalised over the feasible nodes), the weighted sum wins.
 */
import type { CycleState } from './filters.ts';
import type { NodeInfo } from './node-info.ts';
import { termMatches } from './node-selector.ts';
import { tolerated, type Taint } from './taints.ts';

const MAX_SCORE = 100;

interface ScorePlugin {
  name: string;
  weight: number;
  score(state: CycleState, node: NodeInfo): number;
  /** 'max' scales so the best raw score is 100; 'reverse' so the lowest raw score is 100. */
  normalize?: 'max' | 'reverse';
}

/** NodeResourcesFit's LeastAllocated: free cpu and memory after placing the pod, weighted equally. */
export const leastAllocated: ScorePlugin = {
  name: 'NodeResourcesFit',
  weight: 1,
  score(state, node) {
    let total = 0;
    for (const resource of ['cpu', 'memory']) {
      const allocatable = node.allocatable[resource] ?? 0;
      const requested = (node.nonZeroRequested[resource] ?? 0) + (state.pod.nonZero[resource] ?? 0);
      if (allocatable > 0 && requested <= allocatable) total += ((allocatable - requested) * MAX_SCORE) / allocatable;
    }
    return total / 2;
  },
};

/** NodeAffinity: the summed weights of the preferred terms the node matches. */
export const preferredNodeAffinity: ScorePlugin = {
  name: 'NodeAffinity',
  weight: 2,
  normalize: 'max',
  score(state, node) {
    const preferred = state.pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    let sum = 0;
    for (const term of preferred) if (term && (term.weight ?? 0) !== 0 && termMatches(term.preference, node.node!)) sum += term.weight!;
    return sum;
  },
};

/** TaintToleration: fewer untolerated PreferNoSchedule taints is better. */
export const preferNoScheduleTaints: ScorePlugin = {
  name: 'TaintToleration',
  weight: 3,
  normalize: 'reverse',
  score(state, node) {
    const relevant = state.tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    return node.taints.filter((taint: Taint) => taint.effect === 'PreferNoSchedule' && !tolerated(relevant, taint)).length;
  },
};

/**
 * Spreading (kube's PodTopologySpread default constraint on hostname, approximated by owner):
 * fewer replicas of the pod's controller on the node is better.
 */
export const spreadReplicas: ScorePlugin = {
  name: 'PodTopologySpread',
  weight: 2,
  normalize: 'reverse',
  score(state, node) {
    return state.pod.owner ? (node.owners.get(state.pod.owner) ?? 0) : 0;
  },
};

export const SCORE_PLUGINS: readonly ScorePlugin[] = [leastAllocated, preferredNodeAffinity, preferNoScheduleTaints, spreadReplicas];

function normalized(raw: number[], mode: ScorePlugin['normalize']): number[] {
  if (!mode) return raw;
  const max = Math.max(0, ...raw);
  if (mode === 'max') return raw.map((value) => (max > 0 ? (value * MAX_SCORE) / max : 0));
  return raw.map((value) => (max > 0 ? MAX_SCORE - (value * MAX_SCORE) / max : MAX_SCORE));
}

/** The weighted total per node, in the order given. */
export function scoreNodes(state: CycleState, nodes: readonly NodeInfo[], plugins: readonly ScorePlugin[] = SCORE_PLUGINS): number[] {
  const totals = nodes.map(() => 0);
  for (const plugin of plugins) {
    const scores = normalized(nodes.map((node) => plugin.score(state, node)), plugin.normalize);
    scores.forEach((score, i) => (totals[i] = totals[i]! + plugin.weight * score));
  }
  return totals;
}
