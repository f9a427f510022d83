import { componentLogger } from '../../common/index.ts';
import { timestamp, type Catalog, type KubeObject, type ObjectStore } from '../api/index.ts';
import { discardEvents, type EventRecorder } from '../events/index.ts';
import { taintsOf, toleratesTaint, type Taint, type Toleration } from './node-match.ts';
import { deleteIfPresent, getOrUndefined } from './workload-util.ts';

const log = componentLogger('node-lifecycle-controller');

export const UNREACHABLE = 'node.kubernetes.io/unreachable';
export const NOT_READY = 'node.kubernetes.io/not-ready';
const LEASE_NAMESPACE = 'kube-node-lease';
const CONDITION_TYPES = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** Conditions that Kubernetes turns into NoSchedule taints (TaintNodesByCondition) while True. */
const PRESSURE_TAINTS: Record<string, string> = {
  MemoryPressure: 'node.kubernetes.io/memory-pressure',
  DiskPressure: 'node.kubernetes.io/disk-pressure',
  PIDPressure: 'node.kubernetes.io/pid-pressure',
  NetworkUnavailable: 'node.kubernetes.io/network-unavailable',
};
const UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
/** Every taint key this controller owns: it adds and removes these, and leaves all others alone. */
const MANAGED_KEYS = new Set([UNREACHABLE, NOT_READY, UNSCHEDULABLE, ...Object.values(PRESSURE_TAINTS)]);

interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface NodeLifecycleOptions {
  /** How long a node may go without a heartbeat before it is unreachable (Kubernetes' node-monitor-grace-period). */
  gracePeriodMs?: number;
  events?: EventRecorder;
}

interface Health {
  /** The last heartbeat seen: the Lease's renewTime and the Ready condition's lastHeartbeatTime. */
  beat: string;
  /** When this controller saw it change, by its own clock: agents' clocks may be off. */
  observedAt: number;
  /** Whether it has changed since this controller started watching the node. */
  renewed: boolean;
}

const conditionsOf = (node: KubeObject) => ((node.status ?? {}) as { conditions?: NodeCondition[] }).conditions ?? [];
const conditionOf = (node: KubeObject, type: string) => conditionsOf(node).find((c) => c.type === type);
const sameTaint = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;

/**
 * The node lifecycle for edge nodes (DESIGN: an unreachable node's pods are not evicted).
 * A node whose heartbeat (its Lease in kube-node-lease, or its Ready condition) stops for
 * the grace period gets every condition set Unknown and the unreachable NoSchedule and
 * NoExecute taints; its pods keep running there, since an edge node cut off from the server
 * usually still serves its site. Only pods that tolerate the taint for a bounded
 * `tolerationSeconds` are evicted when that runs out. Kubernetes' admission gives every pod
 * a 300 s toleration of unreachable and not-ready; skerry deliberately does not, so only
 * pods that ask for it move. Other NoExecute taints (an administrator's) evict as in
 * Kubernetes. Conditions also drive the NoSchedule taints the scheduler reads (not-ready,
 * pressure, cordoned). A deleted Node's pods are force-deleted after the grace period, as
 * Kubernetes' pod garbage collector does.
 */
export function nodeLifecycleReconciler(objects: ObjectStore, catalog: Catalog, now: () => Date, options: NodeLifecycleOptions = {}) {
  const Node = catalog.byResource('', 'v1', 'nodes')!;
  const Lease = catalog.byResource('coordination.k8s.io', 'v1', 'leases')!;
  const Pod = catalog.byResource('', 'v1', 'pods')!;
  const grace = options.gracePeriodMs ?? 40_000;
  const events = options.events ?? discardEvents;
  const health = new Map<string, Health>();
  const missingSince = new Map<string, number>();

  /** Records the node's heartbeat; returns whether it has lapsed and whether it ever renewed while watched. */
  function observe(node: KubeObject, lease: KubeObject | undefined): { lapsed: boolean; renewed: boolean } {
    const leaseSpec = (lease?.spec ?? {}) as { renewTime?: string; leaseDurationSeconds?: number };
    const beat = `${leaseSpec.renewTime ?? ''}|${conditionOf(node, 'Ready')?.lastHeartbeatTime ?? ''}`;
    const at = now().getTime();
    const seen = health.get(node.metadata.name!);
    let entry: Health;
    if (!seen) entry = { beat, observedAt: at, renewed: false };
    else if (seen.beat !== beat) entry = { beat, observedAt: at, renewed: true };
    else entry = seen;
    health.set(node.metadata.name!, entry);
    // An agent that asks for a longer lease than the grace period is held to its own word.
    const allowed = Math.max(grace, (leaseSpec.leaseDurationSeconds ?? 0) * 1000);
    return { lapsed: at - entry.observedAt > allowed, renewed: entry.renewed };
  }

  /** Kubernetes' tryUpdateNodeHealth for a silent node: every condition Unknown, heartbeats left as last seen. */
  async function markUnknown(node: KubeObject): Promise<KubeObject> {
    if (CONDITION_TYPES.every((type) => conditionOf(node, type)?.status === 'Unknown')) return node;
    const at = timestamp(now());
    const wasReady = conditionOf(node, 'Ready')?.status === 'True';
    log.warn({ node: node.metadata.name }, 'node stopped posting status; marking it unreachable');
    const marked = await objects.mutate(Node, undefined, node.metadata.name!, (current) => {
      const conditions = [...conditionsOf(current)];
      for (const type of CONDITION_TYPES) {
        const index = conditions.findIndex((c) => c.type === type);
        const old = conditions[index];
        if (!old) {
          conditions.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: current.metadata.creationTimestamp, lastTransitionTime: at });
        } else if (old.status !== 'Unknown') {
          conditions[index] = { ...old, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: at };
        }
      }
      return { ...current, status: { ...((current.status ?? {}) as object), conditions } };
    }, { subresource: 'status' });
    // Events never fail a reconcile: a failed read of the pods only costs their events.
    if (wasReady) await reportNotReady(marked).catch((error: unknown) => log.warn({ err: error, node: node.metadata.name }, 'NodeNotReady events not recorded'));
    return marked;
  }

  /** Kubernetes' RecordNodeStatusChange and MarkPodsNotReady events, once when Ready stops being True. */
  async function reportNotReady(node: KubeObject): Promise<void> {
    const name = node.metadata.name!;
    events.event({ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid }, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    const { items } = await objects.list(Pod, undefined, { filter: (p) => (p.spec as { nodeName?: string } | undefined)?.nodeName === name && !p.metadata.deletionTimestamp });
    for (const pod of items) events.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
  }

  /** The managed taints the node should carry now. */
  function wantedTaints(node: KubeObject, lapsed: boolean, renewed: boolean): Taint[] {
    const ready = conditionOf(node, 'Ready')?.status;
    const wanted: Taint[] = [];
    const both = (key: string) => wanted.push({ key, effect: 'NoSchedule' }, { key, effect: 'NoExecute' });
    // A node still Unknown whose heartbeat has come back is about to report Ready itself: untaint it now.
    if (lapsed || (ready === 'Unknown' && !renewed)) both(UNREACHABLE);
    else if (ready === 'False') both(NOT_READY);
    for (const [type, key] of Object.entries(PRESSURE_TAINTS)) {
      if (conditionOf(node, type)?.status === 'True') wanted.push({ key, effect: 'NoSchedule' });
    }
    if (((node.spec ?? {}) as { unschedulable?: boolean }).unschedulable) wanted.push({ key: UNSCHEDULABLE, effect: 'NoSchedule' });
    return wanted;
  }

  /** Sets the managed taints, keeping timeAdded of those already there (eviction clocks run from it). */
  async function syncTaints(node: KubeObject, wanted: Taint[]): Promise<KubeObject> {
    const current = taintsOf(node);
    const managed = current.filter((t) => MANAGED_KEYS.has(t.key));
    const unchanged = managed.length === wanted.length && wanted.every((w) => managed.some((t) => sameTaint(t, w)));
    if (unchanged) return node;
    const at = timestamp(now());
    log.info({ node: node.metadata.name, taints: wanted.map((t) => `${t.key}:${t.effect}`) }, 'node taints changed');
    return objects.mutate(Node, undefined, node.metadata.name!, (fresh) => {
      const taints = taintsOf(fresh);
      const kept = taints.filter((t) => !MANAGED_KEYS.has(t.key));
      const next = wanted.map((w) => taints.find((t) => sameTaint(t, w)) ?? { ...w, timeAdded: at });
      const all = [...kept, ...next];
      const spec = { ...((fresh.spec ?? {}) as Record<string, unknown>) };
      if (all.length > 0) spec.taints = all;
      else delete spec.taints;
      return { ...fresh, spec };
    });
  }

  /**
   * When, if ever, a pod must leave because of the node's NoExecute taints: at the taint's
   * timeAdded plus the shortest tolerationSeconds among the tolerations matching it.
   */
  function evictionTime(pod: KubeObject, taints: Taint[]): number | undefined {
    const tolerations = ((pod.spec ?? {}) as { tolerations?: Toleration[] }).tolerations ?? [];
    let earliest: number | undefined;
    for (const taint of taints) {
      const matching = tolerations.filter((t) => toleratesTaint(t, taint));
      let due: number | undefined;
      if (matching.length === 0) {
        // The edge rule: not tolerating unreachable or not-ready means staying, not going.
        if (taint.key === UNREACHABLE || taint.key === NOT_READY) continue;
        due = 0;
      } else {
        const seconds = matching.map((t) => t.tolerationSeconds).filter((s): s is number => typeof s === 'number');
        // Any toleration without a bound tolerates forever.
        if (seconds.length < matching.length) continue;
        const added = Date.parse(taint.timeAdded ?? '');
        due = (Number.isFinite(added) ? added : now().getTime()) + Math.max(0, Math.min(...seconds)) * 1000;
      }
      earliest = earliest === undefined ? due : Math.min(earliest, due);
    }
    return earliest;
  }

  async function evict(node: KubeObject): Promise<void> {
    const taints = taintsOf(node).filter((t) => t.effect === 'NoExecute');
    if (taints.length === 0) return;
    const name = node.metadata.name!;
    const { items } = await objects.list(Pod, undefined, { filter: (p) => (p.spec as { nodeName?: string } | undefined)?.nodeName === name && !p.metadata.deletionTimestamp });
    for (const pod of items) {
      const due = evictionTime(pod, taints);
      if (due === undefined || due > now().getTime()) continue;
      log.info({ node: name, pod: `${pod.metadata.namespace}/${pod.metadata.name}` }, 'evicting pod for a NoExecute taint');
      await deleteIfPresent(objects, Pod, pod);
    }
  }

  /** Kubernetes' pod GC for a deleted Node: after a quarantine (it may come right back), its pods go at once. */
  async function collectOrphans(name: string): Promise<'again' | 'done'> {
    health.delete(name);
    const { items } = await objects.list(Pod, undefined, { filter: (p) => (p.spec as { nodeName?: string } | undefined)?.nodeName === name });
    if (items.length === 0) {
      missingSince.delete(name);
      return 'done';
    }
    const since = missingSince.get(name) ?? now().getTime();
    missingSince.set(name, since);
    if (now().getTime() - since < grace) return 'again';
    log.info({ node: name, pods: items.length }, 'node is gone; deleting its pods');
    for (const pod of items) await deleteIfPresent(objects, Pod, pod, { gracePeriodSeconds: 0 });
    missingSince.delete(name);
    return 'done';
  }

  return async (name: string): Promise<'again' | 'done'> => {
    let node = await getOrUndefined(objects, Node, undefined, name);
    if (!node) return collectOrphans(name);
    missingSince.delete(name);
    const lease = await getOrUndefined(objects, Lease, LEASE_NAMESPACE, name);
    const { lapsed, renewed } = observe(node, lease);
    if (lapsed) node = await markUnknown(node);
    node = await syncTaints(node, wantedTaints(node, lapsed, renewed));
    await evict(node);
    // Lapses are noticed by looking again: the node stays queued while it exists.
    return 'again';
  };
}
