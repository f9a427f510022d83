import { componentLogger } from '../../common/index.ts';
import { ApiError, type Catalog, type KubeObject, type ObjectStore } from '../api/index.ts';
import { controllerOf, deletionOrder, isPodActive, isPodAvailable, isPodReady, ownerReferenceTo, selects } from './pods.ts';

const log = componentLogger('replicaset-controller');

/** Pods created or deleted per reconcile at most, so one huge scale does not hog the queue. */
const BURST = 500;

interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: unknown;
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown };
}

/**
 * Kubernetes' ReplicaSet controller: keep `replicas` active pods that match the selector and
 * are controlled by the set (adopting matching orphans), and report how many are ready and
 * available. Pods are read from the store, not a cache, so a reconcile right after a
 * create never counts too few and creates twice.
 */
export function replicaSetReconciler(objects: ObjectStore, catalog: Catalog, now: () => Date) {
  const ReplicaSet = catalog.byResource('apps', 'v1', 'replicasets')!;
  const Pod = catalog.byResource('', 'v1', 'pods')!;

  async function ownedPods(rs: KubeObject): Promise<KubeObject[]> {
    const spec = (rs.spec ?? {}) as ReplicaSetSpec;
    const { items } = await objects.list(Pod, rs.metadata.namespace, { filter: (pod) => selects(spec.selector, pod) || controllerOf(pod)?.uid === rs.metadata.uid });
    const owned: KubeObject[] = [];
    for (const pod of items) {
      const owner = controllerOf(pod);
      if (owner?.uid === rs.metadata.uid) owned.push(pod);
      else if (!owner && !rs.metadata.deletionTimestamp && isPodActive(pod)) owned.push(await adopt(rs, pod));
    }
    return owned;
  }

  async function adopt(rs: KubeObject, pod: KubeObject): Promise<KubeObject> {
    return objects.mutate(Pod, pod.metadata.namespace, pod.metadata.name!, (current) => {
      if (controllerOf(current)) throw new ApiError(409, 'Conflict', 'pod was adopted meanwhile');
      return { ...current, metadata: { ...current.metadata, ownerReferences: [...(current.metadata.ownerReferences ?? []), ownerReferenceTo(rs)] } };
    });
  }

  function podFor(rs: KubeObject): KubeObject {
    const template = ((rs.spec ?? {}) as ReplicaSetSpec).template ?? {};
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name}-`,
        labels: { ...(template.metadata?.labels ?? {}) },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [ownerReferenceTo(rs)],
      },
      spec: structuredClone(template.spec ?? {}),
    };
  }

  async function scale(rs: KubeObject, active: KubeObject[]): Promise<void> {
    const wanted = ((rs.spec ?? {}) as ReplicaSetSpec).replicas ?? 1;
    const diff = wanted - active.length;
    if (diff > 0) {
      const count = Math.min(diff, BURST);
      await Promise.all(Array.from({ length: count }, () => objects.create(Pod, rs.metadata.namespace, podFor(rs))));
      log.debug({ replicaSet: rs.metadata.name, created: count }, 'created pods');
    } else if (diff < 0) {
      const victims = [...active].sort(deletionOrder).slice(0, Math.min(-diff, BURST));
      await Promise.all(victims.map((pod) => objects.delete(Pod, pod.metadata.namespace, pod.metadata.name!).catch((error: unknown) => {
        if (!(error instanceof ApiError && error.code === 404)) throw error;
      })));
    }
  }

  async function writeStatus(rs: KubeObject, pods: KubeObject[]): Promise<void> {
    const spec = (rs.spec ?? {}) as ReplicaSetSpec;
    const active = pods.filter(isPodActive);
    const labels = spec.template?.metadata?.labels ?? {};
    const status = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) => Object.entries(labels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
      readyReplicas: active.filter(isPodReady).length,
      availableReplicas: active.filter((p) => isPodAvailable(p, spec.minReadySeconds ?? 0, now())).length,
      observedGeneration: rs.metadata.generation ?? 0,
    };
    const old = (rs.status ?? {}) as Record<string, unknown>;
    if (Object.entries(status).every(([k, v]) => (old[k] ?? 0) === v)) return;
    await objects.mutate(ReplicaSet, rs.metadata.namespace, rs.metadata.name!, (current) => ({ ...current, status: { ...((current.status ?? {}) as object), ...status } }), { subresource: 'status' });
  }

  return async (namespace: string, name: string): Promise<'again' | 'done'> => {
    let rs: KubeObject;
    try {
      rs = await objects.get(ReplicaSet, namespace, name);
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) return 'done';
      throw error;
    }
    const pods = await ownedPods(rs);
    const active = pods.filter(isPodActive);
    if (!rs.metadata.deletionTimestamp) await scale(rs, active);
    const after = active.length === (((rs.spec ?? {}) as ReplicaSetSpec).replicas ?? 1) ? pods : await ownedPods(rs);
    await writeStatus(rs, after);
    const wanted = ((rs.spec ?? {}) as ReplicaSetSpec).replicas ?? 1;
    return after.filter(isPodActive).length === wanted ? 'done' : 'again';
  };
}
