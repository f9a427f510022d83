/** The PodScheduled condition, written as kube-apiserver (on binding) and kube-scheduler write it. */
import { timestamp, type KubeObject } from '../api/index.ts';

export interface PodCondition {
  type: string;
  status: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface Scheduled {
  status: 'True' | 'False';
  reason?: string;
  message?: string;
}

function conditionsOf(pod: KubeObject): PodCondition[] {
  const conditions = ((pod.status ?? {}) as { conditions?: unknown }).conditions;
  return Array.isArray(conditions) ? (conditions as PodCondition[]) : [];
}

export function podScheduledCondition(pod: KubeObject): PodCondition | undefined {
  return conditionsOf(pod).find((c) => c?.type === 'PodScheduled');
}

/**
 * The pod with its PodScheduled condition set, or undefined when it already says the same
 * (kube-scheduler skips such writes). The transition time moves only when the status flips.
 */
export function withPodScheduled(pod: KubeObject, wanted: Scheduled, now: Date): KubeObject | undefined {
  const old = podScheduledCondition(pod);
  if (old && old.status === wanted.status && old.reason === wanted.reason && old.message === wanted.message) return undefined;
  const condition: PodCondition = {
    type: 'PodScheduled',
    status: wanted.status,
    lastProbeTime: null,
    lastTransitionTime: old && old.status === wanted.status && old.lastTransitionTime ? old.lastTransitionTime : timestamp(now),
    ...(wanted.reason ? { reason: wanted.reason } : {}),
    ...(wanted.message ? { message: wanted.message } : {}),
  };
  const current = conditionsOf(pod);
  const conditions = old ? current.map((c) => (c === old ? condition : c)) : [...current, condition];
  const status = { ...((pod.status ?? {}) as Record<string, unknown>), conditions };
  return { ...pod, status };
}
