import { componentLogger } from '../../common/index.ts';
import { ApiError, type Catalog, type KubeObject, type ObjectStore } from '../api/index.ts';
import type { Informer } from './informer.ts';
import type { WorkQueue } from './queue.ts';

const log = componentLogger('namespace-controller');

/**
 * Namespace deletion as Kubernetes' namespace controller does it: a namespace marked for
 * deletion has everything in it deleted, and once nothing is left its `kubernetes`
 * finalizer is removed, which lets the store remove the namespace itself.
 */
export function namespaceReconciler(objects: ObjectStore, catalog: Catalog, namespaces: () => Informer) {
  const namespaceType = catalog.byResource('', 'v1', 'namespaces')!;
  const namespacedTypes = catalog.types.filter((t) => t.namespaced);

  return async (name: string, queue: WorkQueue): Promise<void> => {
    const ns = namespaces().get(undefined, name);
    if (!ns?.metadata.deletionTimestamp) return;
    const finalizers = ((ns.spec ?? {}) as { finalizers?: string[] }).finalizers ?? [];
    if (!finalizers.includes('kubernetes')) return;
    let remaining = 0;
    for (const type of namespacedTypes) {
      const { items } = await objects.list(type, name);
      remaining += items.length;
      for (const object of items) {
        if (object.metadata.deletionTimestamp) continue;
        try {
          await objects.delete(type, name, object.metadata.name!, { propagationPolicy: 'Background' });
        } catch (error) {
          if (!(error instanceof ApiError && error.code === 404)) throw error;
        }
      }
    }
    if (remaining > 0) {
      log.debug({ namespace: name, remaining }, 'namespace still has content');
      queue.addAfter(name, 500);
      return;
    }
    await objects.mutate(namespaceType, undefined, name, (current: KubeObject) => ({
      ...current,
      spec: { ...((current.spec ?? {}) as object), finalizers: finalizers.filter((f) => f !== 'kubernetes') },
    }), { subresource: 'finalize' });
    log.info({ namespace: name }, 'namespace emptied and finalized');
  };
}
