// Small pieces the workload controllers (Job, DaemonSet, StatefulSet) share.
import { ApiError, type KubeObject, type ObjectStore, type ResourceType, type DeleteOptions } from '../api/index.ts';
import { controllerOf, ownerReferenceTo, selectorMatcher } from './pods.ts';

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.code === 404;
}

export async function getOrUndefined(objects: ObjectStore, type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
  try {
    return await objects.get(type, namespace, name);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Deletes, treating "already gone" as done. */
export async function deleteIfPresent(objects: ObjectStore, type: ResourceType, object: KubeObject, options?: DeleteOptions): Promise<void> {
  await objects.delete(type, object.metadata.namespace, object.metadata.name!, options).catch((error: unknown) => {
    if (!isNotFound(error)) throw error;
  });
}

export const phaseOf = (pod: KubeObject): string | undefined => (pod.status as { phase?: string } | undefined)?.phase;
export const isTerminating = (pod: KubeObject): boolean => Boolean(pod.metadata.deletionTimestamp);

/** Oldest first, bound pods before unbound ones, as Kubernetes keeps the first when it finds duplicates. */
export function byAge(a: KubeObject, b: KubeObject): number {
  const bound = (p: KubeObject) => ((p.spec as { nodeName?: string } | undefined)?.nodeName ? 0 : 1);
  if (bound(a) !== bound(b)) return bound(a) - bound(b);
  const age = String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp));
  return age !== 0 ? age : String(a.metadata.name).localeCompare(String(b.metadata.name));
}

/**
 * The pods a controller owns, adopting orphans that its selector matches (a controller
 * being deleted adopts nothing). `extra` narrows which orphans qualify (a StatefulSet's
 * pods must also carry its name).
 */
export async function claimPods(objects: ObjectStore, Pod: ResourceType, owner: KubeObject, selector: unknown, extra: (pod: KubeObject) => boolean = () => true): Promise<KubeObject[]> {
  const uid = owner.metadata.uid;
  const matches = selectorMatcher(selector);
  const { items } = await objects.list(Pod, owner.metadata.namespace, { filter: (pod) => controllerOf(pod)?.uid === uid || (!controllerOf(pod) && matches(pod)) });
  const owned: KubeObject[] = [];
  for (const pod of items) {
    if (controllerOf(pod)?.uid === uid) owned.push(pod);
    else if (!owner.metadata.deletionTimestamp && !pod.metadata.deletionTimestamp && extra(pod)) {
      const adopted = await objects
        .mutate(Pod, pod.metadata.namespace, pod.metadata.name!, (current) => {
          if (controllerOf(current)) throw new ApiError(409, 'Conflict', 'pod was adopted meanwhile');
          return { ...current, metadata: { ...current.metadata, ownerReferences: [...(current.metadata.ownerReferences ?? []), ownerReferenceTo(owner)] } };
        })
        .catch((error: unknown) => {
          if (error instanceof ApiError && (error.code === 409 || error.code === 404)) return undefined;
          throw error;
        });
      if (adopted) owned.push(adopted);
    }
  }
  return owned;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Equal as JSON, whatever the key order (what the store returns need not keep ours). */
export const sameJson = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** Writes a status through the status subresource unless it is unchanged. */
export async function writeStatusIfChanged(objects: ObjectStore, type: ResourceType, object: KubeObject, status: Record<string, unknown>): Promise<boolean> {
  if (sameJson(status, object.status ?? {})) return false;
  await objects.mutate(type, object.metadata.namespace, object.metadata.name!, (current) => ({ ...current, status }), { subresource: 'status' });
  return true;
}
