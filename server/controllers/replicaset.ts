import { componentLogger } from '../../common/index.ts';
import { ApiError, type Catalog, type KubeObject, type ObjectStore } from '../api/index.ts';
import { discardEvents, type EventRecorder } from '../events/index.ts';
import { createPod, deletePod } from './pod-control.ts';
import { controllerOf, deletionOrder, isPodActive, isPodAvailable, isPodReady, ownerReferenceTo, selectorMatcher } from './pods.ts';

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
/** Pods of a namespace as the controllers' informer holds them (a store list when absent). */
export type PodLister = (namespace: string) => KubeObject[] | Promise<KubeObject[]>;

/**
 * Pods this controller created or deleted that its pod cache has not caught up with yet
 * (client-go's "expectations"): counted as present, or as gone, until the cache agrees, so a
 * reconcile right after a burst never creates or deletes twice. Entries expire after a minute.
 */
interface Expectations {
  creating: Map<string, number>;
  deleting: Map<string, number>;
}

const EXPECTATION_TTL_MS = 60_000;

export function replicaSetReconciler(objects: ObjectStore, catalog: Catalog, now: () => Date, listPods?: PodLister, events: EventRecorder = discardEvents) {
  const ReplicaSet = catalog.byResource('apps', 'v1', 'replicasets')!;
  const Pod = catalog.byResource('', 'v1', 'pods')!;
  const expectations = new Map<string, Expectations>();
  const podsIn: PodLister = listPods ?? (async (namespace) => (await objects.list(Pod, namespace)).items);

  function expectationsOf(rs: KubeObject): Expectations {
    let e = expectations.get(rs.metadata.uid!);
    if (!e) expectations.set(rs.metadata.uid!, (e = { creating: new Map(), deleting: new Map() }));
    return e;
  }

  /** The cache's view, corrected by what this controller did that the cache has not seen yet. */
  function reconcileExpectations(rs: KubeObject, pods: KubeObject[]): KubeObject[] {
    const e = expectationsOf(rs);
    const byName = new Map(pods.map((p) => [p.metadata.name!, p]));
    const expired = Date.now() - EXPECTATION_TTL_MS;
    for (const [name, at] of e.creating) if (byName.has(name) || at < expired) e.creating.delete(name);
    for (const [name, at] of e.deleting) if (!byName.has(name) || byName.get(name)!.metadata.deletionTimestamp || at < expired) e.deleting.delete(name);
    const pending = [...e.creating.keys()].map((name): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: rs.metadata.namespace, ownerReferences: [ownerReferenceTo(rs)] } }));
    return [...pods.filter((p) => !e.deleting.has(p.metadata.name!)), ...pending];
  }

  async function ownedPods(rs: KubeObject): Promise<KubeObject[]> {
    const spec = (rs.spec ?? {}) as ReplicaSetSpec;
    const matches = selectorMatcher(spec.selector);
    const items = (await podsIn(rs.metadata.namespace!)).filter((pod) => matches(pod) || controllerOf(pod)?.uid === rs.metadata.uid);
    const owned: KubeObject[] = [];
    for (const pod of items) {
      const owner = controllerOf(pod);
      if (owner?.uid === rs.metadata.uid) owned.push(pod);
      else if (!owner && !rs.metadata.deletionTimestamp && isPodActive(pod)) owned.push(await adopt(rs, pod));
    }
    return reconcileExpectations(rs, owned);
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
      const e = expectationsOf(rs);
      await Promise.all(Array.from({ length: count }, async () => {
        const pod = await createPod(objects, Pod, rs, podFor(rs), events);
        e.creating.set(pod.metadata.name!, Date.now());
      }));
      log.debug({ replicaSet: rs.metadata.name, created: count }, 'created pods');
    } else if (diff < 0) {
      const victims = [...active].filter((p) => p.metadata.uid).sort(deletionOrder).slice(0, Math.min(-diff, BURST));
      const e = expectationsOf(rs);
      for (const pod of victims) e.deleting.set(pod.metadata.name!, Date.now());
      await Promise.all(victims.map((pod) => deletePod(objects, Pod, rs, pod, events)));
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
    // Status counts only pods the cache has seen: a pod still being created is not yet a replica.
    await writeStatus(rs, after.filter((p) => p.metadata.uid));
    const wanted = ((rs.spec ?? {}) as ReplicaSetSpec).replicas ?? 1;
    return after.filter(isPodActive).length === wanted ? 'done' : 'again';
  };
}
