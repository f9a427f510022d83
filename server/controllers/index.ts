// The public face of server/controllers: the reconcilers that run in the server process and
// work through the API's internal client (DESIGN §4).
import { componentLogger } from '../../common/index.ts';
import type { Catalog, KubeObject, ObjectStore, ResourceType } from '../api/index.ts';
import { createEventBroadcaster, startEventSweeper } from '../events/index.ts';
import { garbageCollector, type ObjectRef } from './garbage-collector.ts';
import { createInformer, type Informer, type InformerEvent } from './informer.ts';
import { daemonSetReconciler } from './daemonset.ts';
import { deploymentReconciler } from './deployment.ts';
import { endpointsReconciler, servicesForPod } from './endpoints.ts';
import { jobReconciler } from './job.ts';
import { nodeLifecycleReconciler } from './node-lifecycle.ts';
import { DEFAULT_NODE_IPAM, nodeIpamReconciler, type NodeIpamOptions } from './node-ipam.ts';
import { statefulSetReconciler } from './statefulset.ts';
import { namespaceReconciler } from './namespace.ts';
import { controllerOf } from './pods.ts';
import { replicaSetReconciler } from './replicaset.ts';
import { createOwnerGraph, refKey } from './owner-graph.ts';
import { createWorkQueue } from './queue.ts';
import { claimNamesOf, claimSpec, nodeOfVolume, volumeSpec } from './local-volumes.ts';
import { volumeReconciler } from './volume.ts';

export { applyVolumeReport, type VolumeReportOutcome } from './volume-reports.ts';

const log = componentLogger('controllers');

export interface Controllers {
  /** Resolves once every informer has its first full list. */
  synced: Promise<void>;
  stop(): Promise<void>;
}

/** A reconciler keyed by `namespace/name` that says whether to look again later. */
function namespacedQueue(name: string, reconcile: (namespace: string, name: string) => Promise<'again' | 'done'>, retryMs: number, cachesSynced: Promise<void>) {
  const queue = createWorkQueue(name, async (key) => {
    await cachesSynced;
    const slash = key.indexOf('/');
    if ((await reconcile(key.slice(0, slash), key.slice(slash + 1))) === 'again') queue.addAfter(key, retryMs);
  });
  return queue;
}

export interface ControllerOptions {
  /** How long a node's heartbeat may lapse before it is Unknown (kube-controller-manager's --node-monitor-grace-period). */
  nodeMonitorGracePeriodMs?: number;
  /** Where nodes' pod CIDRs come from (default 10.42.0.0/16, /24 per node). */
  nodeIpam?: NodeIpamOptions;
}

export function startControllers(objects: ObjectStore, catalog: Catalog, now: () => Date = () => new Date(), options: ControllerOptions = {}): Controllers {
  const informers = new Map<ResourceType, Informer>();
  // As client-go's WaitForCacheSync: no reconcile runs before every cache has its first full
  // list, or a ReplicaSet seen before its pods would create replicas that already exist.
  let markSynced: () => void = () => undefined;
  let abandonSync: (reason: Error) => void = () => undefined;
  const cachesSynced = new Promise<void>((resolve, reject) => {
    markSynced = resolve;
    abandonSync = reject;
  });
  // Stopped before the caches synced: waiting workers give up instead of holding stop() forever.
  cachesSynced.catch(() => undefined);
  // One broadcaster for all controllers, each recording under its upstream component name.
  const broadcaster = createEventBroadcaster(objects, catalog, { now });
  const recorder = broadcaster.recorder;
  const sweeper = startEventSweeper(objects, catalog, { now });
  const refs = new Map<string, ObjectRef>();
  const graph = createOwnerGraph((type) => informers.get(type));
  const collect = garbageCollector(objects, catalog, graph);
  const gcQueue = createWorkQueue('garbage-collector', async (key) => {
    await cachesSynced;
    const ref = refs.get(key);
    if (!ref) return;
    if (!(await collect(ref))) gcQueue.addAfter(key, 200);
  });
  const namespaceType = catalog.byResource('', 'v1', 'namespaces')!;
  const finalizeNamespace = namespaceReconciler(objects, catalog, () => informers.get(namespaceType)!);
  const nsQueue = createWorkQueue('namespace', async (name) => (await cachesSynced, finalizeNamespace(name, nsQueue)), 2);
  const Pod = catalog.byResource('', 'v1', 'pods')!;
  const ReplicaSet = catalog.byResource('apps', 'v1', 'replicasets')!;
  const Deployment = catalog.byResource('apps', 'v1', 'deployments')!;
  // Pods come from the informer's cache, as in Kubernetes: a store list per reconcile made a
  // 1,000-replica rollout quadratic (every pod event listed and parsed every pod again).
  const listPods = (namespace: string) => informers.get(Pod)?.list(namespace) ?? [];
  const rsQueue = namespacedQueue('replicaset', replicaSetReconciler(objects, catalog, now, listPods, recorder('replicaset-controller')), 1000, cachesSynced);
  const deploymentQueue = namespacedQueue('deployment', deploymentReconciler(objects, catalog, now, recorder('deployment-controller')), 1000, cachesSynced);

  const Job = catalog.byResource('batch', 'v1', 'jobs')!;
  const DaemonSet = catalog.byResource('apps', 'v1', 'daemonsets')!;
  const StatefulSet = catalog.byResource('apps', 'v1', 'statefulsets')!;
  const Service = catalog.byResource('', 'v1', 'services')!;
  const Endpoints = catalog.byResource('', 'v1', 'endpoints')!;
  const Node = catalog.byResource('', 'v1', 'nodes')!;
  const Lease = catalog.byResource('coordination.k8s.io', 'v1', 'leases')!;
  const jobQueue = namespacedQueue('job', jobReconciler(objects, catalog, now, { events: recorder('job-controller') }), 1000, cachesSynced);
  const dsQueue = namespacedQueue('daemonset', daemonSetReconciler(objects, catalog, now, recorder('daemonset-controller')), 1000, cachesSynced);
  const stsQueue = namespacedQueue('statefulset', statefulSetReconciler(objects, catalog, now, recorder('statefulset-controller')), 1000, cachesSynced);
  const epQueue = namespacedQueue('endpoints', endpointsReconciler(objects, catalog, now), 1000, cachesSynced);
  const nodeGraceMs = options.nodeMonitorGracePeriodMs ?? 40_000;
  const nodeLifecycle = nodeLifecycleReconciler(objects, catalog, now, { events: recorder('node-controller'), gracePeriodMs: nodeGraceMs });
  // Look again often enough that a lapse is seen within a quarter of the grace period.
  const nodeRecheckMs = Math.min(5000, Math.max(250, nodeGraceMs / 4));
  const nodeQueue = createWorkQueue('node-lifecycle', async (name) => {
    await cachesSynced;
    if ((await nodeLifecycle(name)) === 'again') nodeQueue.addAfter(name, nodeRecheckMs);
  });
  const assignCidr = nodeIpamReconciler(objects, Node, () => informers.get(Node)?.list() ?? [], options.nodeIpam ?? DEFAULT_NODE_IPAM);
  const ipamQueue = createWorkQueue('node-ipam', async (name) => {
    await cachesSynced;
    if ((await assignCidr(name)) === 'again') ipamQueue.addAfter(name, 5000);
  });
  const Claim = catalog.byResource('', 'v1', 'persistentvolumeclaims')!;
  const Volume = catalog.byResource('', 'v1', 'persistentvolumes')!;
  const StorageClass = catalog.byResource('storage.k8s.io', 'v1', 'storageclasses')!;
  const volumes = volumeReconciler(objects, catalog, now, recorder('persistentvolume-controller'));
  // 'again' only while a deleted claim is still used by a pod; pod events usually bring it back first.
  const claimQueue = namespacedQueue('persistentvolumeclaim', volumes.claim, 2000, cachesSynced);
  const volumeQueue = createWorkQueue('persistentvolume', async (name) => {
    await cachesSynced;
    if ((await volumes.volume(name)) === 'again') volumeQueue.addAfter(name, 2000);
  });
  const podOwnerQueues: Record<string, ReturnType<typeof namespacedQueue>> = { ReplicaSet: rsQueue, Job: jobQueue, DaemonSet: dsQueue, StatefulSet: stsQueue };

  function routeWorkloads(type: ResourceType, object: KubeObject, old: KubeObject | undefined): void {
    const namespace = object.metadata.namespace;
    const key = `${namespace}/${object.metadata.name}`;
    const owner = controllerOf(object);
    const ownerKey = owner && `${namespace}/${owner.name}`;
    if (type === Deployment) deploymentQueue.add(key);
    if (type === ReplicaSet) {
      rsQueue.add(key);
      if (owner?.kind === 'Deployment') deploymentQueue.add(ownerKey!);
    }
    if (type === Job) jobQueue.add(key);
    if (type === DaemonSet) dsQueue.add(key);
    if (type === StatefulSet) stsQueue.add(key);
    if (type === Service || type === Endpoints) epQueue.add(key);
    if (type === Pod) {
      if (owner && podOwnerQueues[owner.kind]) podOwnerQueues[owner.kind]!.add(ownerKey!);
      const jobName = object.metadata.labels?.['batch.kubernetes.io/job-name'];
      if (!owner && jobName && (object.metadata.finalizers ?? []).includes('batch.kubernetes.io/job-tracking')) jobQueue.add(`${namespace}/${jobName}`);
      for (const service of servicesForPod(informers.get(Service)?.list(namespace) ?? [], object, old)) epQueue.add(service);
    }
    if (type === Node) {
      nodeQueue.add(object.metadata.name!);
      if (!(object.spec as { podCIDR?: string } | undefined)?.podCIDR) ipamQueue.add(object.metadata.name!);
      for (const ds of informers.get(DaemonSet)?.list() ?? []) dsQueue.add(`${ds.metadata.namespace}/${ds.metadata.name}`);
    }
    if (type === Lease && namespace === 'kube-node-lease') nodeQueue.add(object.metadata.name!);
  }

  /** Claims, PVs, classes, pods and nodes all move a volume along (ADR 012). */
  function routeVolumes(type: ResourceType, event: InformerEvent, object: KubeObject): void {
    const namespace = object.metadata.namespace;
    if (type === Claim) {
      claimQueue.add(`${namespace}/${object.metadata.name}`);
      if (event === 'deleted') volumes.forget(object.metadata.uid ?? '');
      const volumeName = claimSpec(object).volumeName;
      if (volumeName && (event === 'deleted' || object.metadata.deletionTimestamp)) volumeQueue.add(volumeName);
    }
    if (type === Volume) {
      if (event !== 'deleted') volumeQueue.add(object.metadata.name!);
      const ref = volumeSpec(object).claimRef;
      if (ref?.name && ref.namespace) claimQueue.add(`${ref.namespace}/${ref.name}`);
    }
    if (type === StorageClass) {
      for (const claim of informers.get(Claim)?.list() ?? []) {
        if (!claimSpec(claim).volumeName && claimSpec(claim).storageClassName === object.metadata.name) claimQueue.add(`${claim.metadata.namespace}/${claim.metadata.name}`);
      }
    }
    if (type === Pod) {
      for (const name of claimNamesOf(object)) if (informers.get(Claim)?.get(namespace, name)?.metadata.deletionTimestamp) claimQueue.add(`${namespace}/${name}`);
    }
    if (type === Node && event === 'deleted') {
      for (const pv of informers.get(Volume)?.list() ?? []) if (nodeOfVolume(pv) === object.metadata.name) volumeQueue.add(pv.metadata.name!);
    }
  }

  function enqueueGc(ref: ObjectRef): void {
    const key = refKey(ref);
    refs.set(key, ref);
    gcQueue.add(key);
  }

  function onEvent(type: ResourceType, event: InformerEvent, object: KubeObject, old?: KubeObject): void {
    const ref: ObjectRef = { type, namespace: object.metadata.namespace, name: object.metadata.name! };
    graph.update(ref, event === 'deleted' ? undefined : object, old);
    const finalizers = object.metadata.finalizers ?? [];
    if (event !== 'deleted' && ((object.metadata.ownerReferences ?? []).length > 0 || finalizers.includes('foregroundDeletion') || finalizers.includes('orphan'))) {
      enqueueGc(ref);
    }
    if (event === 'deleted' || object.metadata.deletionTimestamp) {
      for (const dependent of graph.dependentsOf(object.metadata.uid!)) enqueueGc(dependent);
      for (const owner of object.metadata.ownerReferences ?? []) {
        const ownerType = catalog.byKind(owner.apiVersion, owner.kind);
        if (ownerType) enqueueGc({ type: ownerType, namespace: ownerType.namespaced ? object.metadata.namespace : undefined, name: owner.name });
      }
    }
    if (event === 'deleted') refs.delete(refKey(ref));
    if (type === namespaceType && object.metadata.deletionTimestamp && event !== 'deleted') nsQueue.add(object.metadata.name!);
    routeWorkloads(type, object, old);
    routeVolumes(type, event, object);
  }

  for (const type of catalog.types) informers.set(type, createInformer(objects, type, (event, object, old) => onEvent(type, event, object, old)));
  const synced = Promise.all([...informers.values()].map((i) => i.synced)).then(() => {
    markSynced();
    log.info({ informers: informers.size }, 'controllers synced');
  });
  return {
    synced,
    async stop() {
      abandonSync(new Error('controllers stopped before their caches synced'));
      for (const informer of informers.values()) informer.stop();
      await Promise.all([gcQueue, nsQueue, rsQueue, deploymentQueue, jobQueue, dsQueue, stsQueue, epQueue, nodeQueue, ipamQueue, claimQueue, volumeQueue].map((q) => q.stop()));
      // Events recorded by the last reconciles land before the caller closes the store.
      await broadcaster.flush();
      await sweeper.stop();
    },
  };
}
