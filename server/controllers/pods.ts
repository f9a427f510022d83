import { labelSelectorFromObject, type KubeObject, type OwnerReference } from '../api/index.ts';

interface Condition {
  type: string;
  status: string;
  lastTransitionTime?: string;
}

function conditions(pod: KubeObject): Condition[] {
  const list = (pod.status as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(list) ? (list as Condition[]) : [];
}

export function isPodReady(pod: KubeObject): boolean {
  return conditions(pod).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Ready for at least `minReadySeconds`, as Kubernetes counts an available replica. */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, now: Date): boolean {
  const ready = conditions(pod).find((c) => c.type === 'Ready' && c.status === 'True');
  if (!ready) return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : Number.NaN;
  return Number.isFinite(since) && now.getTime() - since >= minReadySeconds * 1000;
}

/** Counted by a controller: not being deleted and not finished. */
export function isPodActive(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return (object.metadata.ownerReferences ?? []).find((o) => o.controller);
}

/** A selector parsed once, for filtering many objects; a malformed one matches nothing. */
export function selectorMatcher(selector: unknown): (object: KubeObject) => boolean {
  try {
    const matcher = labelSelectorFromObject(selector);
    return (object) => matcher.matches(object.metadata.labels);
  } catch {
    return () => false;
  }
}

export function ownerReferenceTo(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** Which pods to remove first when scaling down: unscheduled, then not ready, then the newest. */
export function deletionOrder(a: KubeObject, b: KubeObject): number {
  const scheduled = (p: KubeObject) => ((p.spec as { nodeName?: string } | undefined)?.nodeName ? 1 : 0);
  if (scheduled(a) !== scheduled(b)) return scheduled(a) - scheduled(b);
  const ready = (p: KubeObject) => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  return String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp));
}
