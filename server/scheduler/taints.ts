/** Taints and tolerations, as component-helpers/scheduling/corev1 and v1 helpers judge them. */
import type { KubeObject } from '../api/index.ts';

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export const NOT_READY = 'node.kubernetes.io/not-ready';
export const UNREACHABLE = 'node.kubernetes.io/unreachable';
export const UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  const operator = toleration.operator || 'Equal';
  if (operator === 'Exists') return true;
  return operator === 'Equal' && (toleration.value ?? '') === (taint.value ?? '');
}

export function tolerated(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => tolerates(t, taint));
}

/** The first NoSchedule/NoExecute taint no toleration covers, as FindMatchingUntoleratedTaint. */
export function untoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  return taints.find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerated(tolerations, t));
}

function readyStatus(node: KubeObject): string | undefined {
  const conditions = ((node.status ?? {}) as { conditions?: Array<{ type?: string; status?: string }> }).conditions ?? [];
  return conditions.find((c) => c?.type === 'Ready')?.status;
}

/**
 * The node's taints as the scheduler sees them. Kubernetes' node lifecycle controller taints a
 * node whose Ready condition is False (not-ready) or Unknown (unreachable) with NoSchedule; skerry
 * applies that rule here, so an offline edge node keeps its pods but gets no new ones.
 */
export function effectiveTaints(node: KubeObject): Taint[] {
  const spec = (node.spec ?? {}) as { taints?: Taint[] };
  const taints = (spec.taints ?? []).filter((t) => t && typeof t.key === 'string');
  const ready = readyStatus(node);
  if (ready === 'True') return taints;
  const key = ready === 'False' || ready === undefined ? NOT_READY : UNREACHABLE;
  if (taints.some((t) => t.key === key && t.effect === 'NoSchedule')) return taints;
  return [...taints, { key, effect: 'NoSchedule' }];
}
