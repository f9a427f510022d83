import { componentLogger } from '../../common/index.ts';
import { ApiError, type Catalog, type KubeObject, type ObjectMeta, type ObjectStore, type OwnerReference, type ResourceType } from '../api/index.ts';

const log = componentLogger('garbage-collector');

export interface ObjectRef {
  type: ResourceType;
  namespace: string | undefined;
  name: string;
}

/** The owner graph the collector works from, kept by the controllers' informers. */
export interface OwnerGraph {
  /** Live objects that name `uid` among their owners. */
  dependentsOf(uid: string): ObjectRef[];
  lookup(ref: ObjectRef): KubeObject | undefined;
}

/**
 * Kubernetes' garbage collector for ownerReferences: a dependent whose owners are all gone
 * is deleted (background); an owner deleted in the foreground waits, behind its
 * `foregroundDeletion` finalizer, until its dependents are gone; an owner deleted with
 * `orphan` lets its dependents go free before it goes. An owner counts as gone only when
 * the store (not a cache) says so, so a lagging cache never deletes a live object's children.
 */
export function garbageCollector(objects: ObjectStore, catalog: Catalog, graph: OwnerGraph) {
  async function ownerExists(dependent: ObjectRef, owner: OwnerReference): Promise<boolean> {
    const type = catalog.byKind(owner.apiVersion, owner.kind);
    if (!type) return true; // an owner of a kind we do not serve is never judged absent
    try {
      const found = await objects.get(type, type.namespaced ? dependent.namespace : undefined, owner.name);
      return found.metadata.uid === owner.uid;
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) return false;
      throw error;
    }
  }

  async function removeFinalizer(ref: ObjectRef, finalizer: string): Promise<void> {
    await objects.mutate(ref.type, ref.namespace, ref.name, (current) => ({
      ...current,
      metadata: { ...current.metadata, finalizers: (current.metadata.finalizers ?? []).filter((f) => f !== finalizer) },
    }));
  }

  async function deleteQuietly(ref: ObjectRef, policy: 'Background' | 'Foreground'): Promise<void> {
    try {
      await objects.delete(ref.type, ref.namespace, ref.name, { propagationPolicy: policy });
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 404)) throw error;
    }
  }

  async function finishForeground(ref: ObjectRef, object: KubeObject): Promise<boolean> {
    const dependents = graph.dependentsOf(object.metadata.uid!);
    for (const dependent of dependents) {
      const current = graph.lookup(dependent);
      if (current && !current.metadata.deletionTimestamp) await deleteQuietly(dependent, 'Foreground');
    }
    if (dependents.length > 0) return false;
    await removeFinalizer(ref, 'foregroundDeletion');
    return true;
  }

  async function orphanDependents(ref: ObjectRef, object: KubeObject): Promise<void> {
    const uid = object.metadata.uid!;
    for (const dependent of graph.dependentsOf(uid)) {
      try {
        await objects.mutate(dependent.type, dependent.namespace, dependent.name, (current) => {
          const remaining = (current.metadata.ownerReferences ?? []).filter((o) => o.uid !== uid);
          const metadata: ObjectMeta = { ...current.metadata, ownerReferences: remaining };
          if (remaining.length === 0) delete metadata.ownerReferences;
          return { ...current, metadata };
        });
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 404)) throw error;
      }
    }
    await removeFinalizer(ref, 'orphan');
  }

  /** Returns false when the object must be looked at again later (dependents still going). */
  return async (ref: ObjectRef): Promise<boolean> => {
    const object = graph.lookup(ref);
    if (!object) return true;
    const finalizers = object.metadata.finalizers ?? [];
    if (object.metadata.deletionTimestamp && finalizers.includes('orphan')) await orphanDependents(ref, object);
    if (object.metadata.deletionTimestamp && finalizers.includes('foregroundDeletion')) return finishForeground(ref, object);
    const owners = object.metadata.ownerReferences ?? [];
    if (owners.length === 0 || object.metadata.deletionTimestamp) return true;
    for (const owner of owners) if (await ownerExists(ref, owner)) return true;
    log.info({ kind: ref.type.kind, namespace: ref.namespace, name: ref.name }, 'deleting dependent whose owners are gone');
    await deleteQuietly(ref, 'Background');
    return true;
  };
}
