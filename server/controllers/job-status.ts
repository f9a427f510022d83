// The Job controller's pure pieces: its conditions, and what a pod's status says about failures.
import type { KubeObject } from '../api/index.ts';
import { phaseOf } from './workload-util.ts';

export interface JobCondition {
  type: string;
  status: string;
  lastProbeTime: string;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

/** When a pod ended: its last container's finish, else its deletion, else now. */
export function finishedAt(pod: KubeObject, now: Date): number {
  const statuses = ((pod.status ?? {}) as { containerStatuses?: Array<{ state?: { terminated?: { finishedAt?: string } } }> }).containerStatuses ?? [];
  const times = statuses.map((s) => Date.parse(s.state?.terminated?.finishedAt ?? '')).filter(Number.isFinite);
  if (times.length > 0) return Math.max(...times);
  const deleted = Date.parse(pod.metadata.deletionTimestamp ?? '');
  return Number.isFinite(deleted) ? Math.min(deleted, now.getTime()) : now.getTime();
}

/** Container restarts of running pods count against backoffLimit when pods restart in place (OnFailure). */
export function pastBackoffLimitOnFailure(job: KubeObject, pods: KubeObject[]): boolean {
  const spec = (job.spec ?? {}) as { backoffLimit?: number; template?: { spec?: { restartPolicy?: string } } };
  if (spec.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const pod of pods) {
    if (phaseOf(pod) !== 'Running' && phaseOf(pod) !== 'Pending') continue;
    const status = (pod.status ?? {}) as { containerStatuses?: Array<{ restartCount?: number }>; initContainerStatuses?: Array<{ restartCount?: number }> };
    for (const s of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

export function newCondition(type: string, status: string, reason: string, message: string, at: string): JobCondition {
  return { type, status, lastProbeTime: at, lastTransitionTime: at, reason, message };
}

/** Kubernetes' ensureJobConditionStatus: a False condition is only written over an existing one. */
export function ensureCondition(list: JobCondition[], condition: JobCondition): { list: JobCondition[]; changed: boolean } {
  const index = list.findIndex((c) => c.type === condition.type);
  if (index < 0) return condition.status === 'False' ? { list, changed: false } : { list: [...list, condition], changed: true };
  const old = list[index]!;
  if (old.status === condition.status && old.reason === condition.reason && old.message === condition.message) return { list, changed: false };
  return { list: list.map((c, i) => (i === index ? condition : c)), changed: true };
}
