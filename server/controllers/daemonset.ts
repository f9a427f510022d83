import { componentLogger } from '../../common/index.ts';
import type { Catalog, KubeObject, ObjectStore } from '../api/index.ts';
import { discardEvents, type EventRecorder } from '../events/index.ts';
import { findUntoleratedTaint, fitsNode, targetNodeOf, taintsOf, type PodSchedulingSpec, type Toleration } from './node-match.ts';
import { createPod, deletePod } from './pod-control.ts';
import { isPodAvailable, isPodReady, ownerReferenceTo } from './pods.ts';
import { bumpCollisionCount, controllerHistory, REVISION_HASH_LABEL } from './revisions.ts';
import { resolveIntOrPercent } from './rollout-math.ts';
import { byAge, claimPods, getOrUndefined, isTerminating, phaseOf, writeStatusIfChanged } from './workload-util.ts';

const log = componentLogger('daemonset-controller');

interface DaemonSetSpec {
  selector?: unknown;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: PodSchedulingSpec & { hostNetwork?: boolean } };
  updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: unknown; maxSurge?: unknown } };
}

/**
 * What Kubernetes adds to every DaemonSet pod: a daemon stays on a node that is not ready,
 * unreachable, under pressure or cordoned (and, with host networking, without a network).
 */
const DAEMON_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
const HOST_NETWORK_TOLERATION: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

/** Failed daemon pods are replaced with back-off (1 s doubling to 15 min), as kubelets that reject a pod would otherwise be fought in a hot loop. */
const FAILED_BACKOFF_MS = { initial: 1000, max: 15 * 60_000 };

const specOf = (ds: KubeObject) => (ds.spec ?? {}) as DaemonSetSpec;

/** The template's pod spec with the daemon tolerations added or replacing same-keyed ones. */
export function daemonPodSpec(template: DaemonSetSpec['template']): PodSchedulingSpec & Record<string, unknown> {
  const spec = structuredClone(template?.spec ?? {}) as PodSchedulingSpec & { hostNetwork?: boolean } & Record<string, unknown>;
  const tolerations = [...(spec.tolerations ?? [])];
  const wanted = spec.hostNetwork ? [...DAEMON_TOLERATIONS, HOST_NETWORK_TOLERATION] : DAEMON_TOLERATIONS;
  for (const t of wanted) {
    const same = tolerations.findIndex((o) => o.key === t.key && o.effect === t.effect && (o.operator ?? 'Equal') === t.operator && (o.value ?? '') === '');
    if (same >= 0) tolerations[same] = t;
    else tolerations.push(t);
  }
  spec.tolerations = tolerations;
  return spec;
}

/**
 * Kubernetes' NodeShouldRunDaemonPod: `run` whether a new pod belongs on the node,
 * `keep` whether one already there may stay (it ignores NoSchedule taints added since).
 */
export function nodeShouldRun(ds: KubeObject, node: KubeObject): { run: boolean; keep: boolean } {
  const spec = daemonPodSpec(specOf(ds).template);
  if (!fitsNode(spec, node)) return { run: false, keep: false };
  const tolerations = spec.tolerations ?? [];
  if (findUntoleratedTaint(taintsOf(node), tolerations, ['NoSchedule', 'NoExecute'])) {
    return { run: false, keep: !findUntoleratedTaint(taintsOf(node), tolerations, ['NoExecute']) };
  }
  return { run: true, keep: true };
}

/**
 * The pod is pinned with a required `metadata.name` node affinity, as Kubernetes does, so the
 * scheduler binds it (and checks resources) rather than the controller setting spec.nodeName.
 */
function pinToNode(spec: PodSchedulingSpec & Record<string, unknown>, nodeName: string): void {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  const affinity = { ...(spec.affinity ?? {}) };
  affinity.nodeAffinity = { ...(affinity.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } };
  spec.affinity = affinity;
}

interface Plan {
  create: string[];
  remove: KubeObject[];
}

/**
 * Kubernetes' DaemonSet controller: one pod per node that the template's node selector,
 * required affinity and tolerations admit; pods rolled by template revision (RollingUpdate
 * with maxUnavailable or maxSurge, or OnDelete), and the status `kubectl rollout status` reads.
 */
export function daemonSetReconciler(objects: ObjectStore, catalog: Catalog, now: () => Date, events: EventRecorder = discardEvents) {
  const DaemonSet = catalog.byResource('apps', 'v1', 'daemonsets')!;
  const Pod = catalog.byResource('', 'v1', 'pods')!;
  const Node = catalog.byResource('', 'v1', 'nodes')!;
  const history = controllerHistory(objects, catalog);
  const failedBackoff = new Map<string, { delay: number; until: number }>();

  function podFor(ds: KubeObject, nodeName: string, hash: string): KubeObject {
    const template = specOf(ds).template ?? {};
    const spec = daemonPodSpec(template);
    pinToNode(spec, nodeName);
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${ds.metadata.name}-`,
        labels: { ...(template.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [ownerReferenceTo(ds)],
      },
      spec,
    };
  }

  /** Whether a failed pod on this node may be replaced now; each replacement doubles the wait. */
  function failedPodMayGo(ds: KubeObject, node: string): boolean {
    const key = `${ds.metadata.uid}/${ds.metadata.generation ?? 0}/${node}`;
    const at = now().getTime();
    const entry = failedBackoff.get(key);
    if (entry && at < entry.until) return false;
    const delay = entry ? Math.min(entry.delay * 2, FAILED_BACKOFF_MS.max) : FAILED_BACKOFF_MS.initial;
    failedBackoff.set(key, { delay, until: at + delay });
    return true;
  }

  /** Kubernetes' podsShouldBeOnNode: which pods to create on, or remove from, one node. */
  function manageNode(ds: KubeObject, node: KubeObject, pods: KubeObject[], hash: string, surge: boolean, plan: Plan): void {
    const { run, keep } = nodeShouldRun(ds, node);
    const name = node.metadata.name!;
    if (run && pods.length === 0) return void plan.create.push(name);
    if (!keep) return void plan.remove.push(...pods.filter((p) => !isTerminating(p)));
    const running: KubeObject[] = [];
    for (const pod of pods.filter((p) => !isTerminating(p))) {
      if (phaseOf(pod) === 'Succeeded' || (phaseOf(pod) === 'Failed' && failedPodMayGo(ds, name))) plan.remove.push(pod);
      else if (phaseOf(pod) !== 'Failed') running.push(pod);
    }
    running.sort(byAge);
    if (!surge) return void plan.remove.push(...running.slice(1));
    if (running.length === 0) {
      if (run) plan.create.push(name);
      return;
    }
    // While surging, an old and a new pod may share the node until the new one is available.
    const newest = running.find((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash);
    const oldest = running.find((p) => p.metadata.labels?.[REVISION_HASH_LABEL] !== hash);
    plan.remove.push(...running.filter((p) => p !== newest && p !== oldest));
    if (newest && oldest && (!isPodReady(oldest) || isPodAvailable(newest, specOf(ds).minReadySeconds ?? 0, now()))) plan.remove.push(oldest);
  }

  /** The rolling budget over the nodes that should run a pod; both zero would never move, so unavailability becomes 1. */
  function budget(ds: KubeObject, desired: number): { maxSurge: number; maxUnavailable: number } {
    const rolling = specOf(ds).updateStrategy?.rollingUpdate;
    const maxSurge = resolveIntOrPercent(rolling?.maxSurge, desired, true, '0');
    let maxUnavailable = resolveIntOrPercent(rolling?.maxUnavailable, desired, true, '1');
    if (maxSurge === 0 && maxUnavailable === 0 && desired > 0) maxUnavailable = 1;
    return { maxSurge, maxUnavailable };
  }

  /** Kubernetes' rollingUpdate: replace old pods node by node within maxUnavailable, or surge new ones within maxSurge. */
  function rollingUpdate(ds: KubeObject, eligible: KubeObject[], byNode: Map<string, KubeObject[]>, hash: string, plan: Plan): void {
    const { maxSurge, maxUnavailable } = budget(ds, eligible.length);
    const available = (pod: KubeObject) => isPodAvailable(pod, specOf(ds).minReadySeconds ?? 0, now());
    const perNode = eligible.map((node) => {
      const live = (byNode.get(node.metadata.name!) ?? []).filter((p) => !isTerminating(p));
      const fresh = live.filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash);
      const stale = live.filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] !== hash);
      return { node: node.metadata.name!, fresh: fresh[0], stale: stale[0], duplicates: fresh.length > 1 || stale.length > 1 };
    });
    if (maxSurge > 0) {
      let surging = perNode.filter((n) => n.duplicates || (n.fresh && n.stale && !available(n.fresh))).length;
      for (const n of perNode) {
        if (n.duplicates || !n.stale) continue;
        if (n.fresh) {
          if (available(n.fresh)) plan.remove.push(n.stale);
        } else if (!available(n.stale)) plan.create.push(n.node);
        else if (surging < maxSurge) {
          plan.create.push(n.node);
          surging++;
        }
      }
      return;
    }
    let unavailable = perNode.filter((n) => n.duplicates || (!n.fresh && !n.stale) || (n.fresh && n.stale) || (n.fresh && !available(n.fresh))).length;
    for (const n of perNode) {
      if (n.duplicates || n.fresh || !n.stale) continue;
      if (!available(n.stale)) plan.remove.push(n.stale);
      else if (unavailable < maxUnavailable) {
        plan.remove.push(n.stale);
        unavailable++;
      }
    }
  }

  async function apply(ds: KubeObject, plan: Plan, hash: string): Promise<void> {
    const remove = [...new Set(plan.remove)];
    await Promise.all([
      ...plan.create.map((node) => createPod(objects, Pod, ds, podFor(ds, node, hash), events)),
      ...remove.map((pod) => deletePod(objects, Pod, ds, pod, events)),
    ]);
    if (plan.create.length > 0 || remove.length > 0) log.debug({ daemonSet: ds.metadata.name, created: plan.create, deleted: remove.map((p) => p.metadata.name) }, 'synced nodes');
  }

  function groupByNode(pods: KubeObject[]): Map<string, KubeObject[]> {
    const byNode = new Map<string, KubeObject[]>();
    for (const pod of pods) {
      const node = targetNodeOf(pod);
      if (node) byNode.set(node, [...(byNode.get(node) ?? []), pod]);
    }
    return byNode;
  }

  async function writeStatus(ds: KubeObject, nodes: KubeObject[], byNode: Map<string, KubeObject[]>, hash: string): Promise<{ waitingForMinReady: boolean }> {
    const minReady = specOf(ds).minReadySeconds ?? 0;
    const counts = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0 };
    for (const node of nodes) {
      const pods = [...(byNode.get(node.metadata.name!) ?? [])].sort(byAge);
      if (!nodeShouldRun(ds, node).run) {
        if (pods.length > 0) counts.numberMisscheduled++;
        continue;
      }
      counts.desiredNumberScheduled++;
      const pod = pods[0];
      if (!pod) continue;
      counts.currentNumberScheduled++;
      if (isPodReady(pod)) counts.numberReady++;
      if (isPodAvailable(pod, minReady, now())) counts.numberAvailable++;
      if (pod.metadata.labels?.[REVISION_HASH_LABEL] === hash) counts.updatedNumberScheduled++;
    }
    const unavailable = counts.desiredNumberScheduled - counts.numberAvailable;
    const status: Record<string, unknown> = { ...((ds.status ?? {}) as object), ...counts, observedGeneration: ds.metadata.generation ?? 0 };
    if (unavailable > 0) status.numberUnavailable = unavailable;
    else delete status.numberUnavailable;
    await writeStatusIfChanged(objects, DaemonSet, ds, status);
    return { waitingForMinReady: minReady > 0 && counts.numberReady !== counts.numberAvailable };
  }

  return async (namespace: string, name: string): Promise<'again' | 'done'> => {
    const ds = await getOrUndefined(objects, DaemonSet, namespace, name);
    // A set being deleted is the garbage collector's; its pods may already be going.
    if (!ds || ds.metadata.deletionTimestamp) return 'done';
    const revisions = await history.sync(ds);
    if (revisions === 'collision') {
      await bumpCollisionCount(objects, DaemonSet, ds);
      return 'again';
    }
    const { hash } = revisions;
    const nodes = (await objects.list(Node, undefined)).items;
    const existing = new Set(nodes.map((n) => n.metadata.name!));
    let pods = await claimPods(objects, Pod, ds, specOf(ds).selector);
    let byNode = groupByNode(pods);
    const eligible = nodes.filter((n) => nodeShouldRun(ds, n).run);
    const surge = specOf(ds).updateStrategy?.type !== 'OnDelete' && budget(ds, eligible.length).maxSurge > 0;
    const plan: Plan = { create: [], remove: [] };
    for (const node of nodes) manageNode(ds, node, byNode.get(node.metadata.name!) ?? [], hash, surge, plan);
    // Pods pinned to a node that no longer exists would never be scheduled.
    plan.remove.push(...pods.filter((p) => !(p.spec as { nodeName?: string }).nodeName && !existing.has(targetNodeOf(p) ?? '') && !isTerminating(p)));
    // Roll only once the node-by-node sync has nothing to do, so budgets count settled pods.
    if (plan.create.length === 0 && plan.remove.length === 0 && specOf(ds).updateStrategy?.type !== 'OnDelete') {
      rollingUpdate(ds, eligible, byNode, hash, plan);
    }
    const changed = plan.create.length > 0 || plan.remove.length > 0;
    await apply(ds, plan, hash);
    if (changed) {
      pods = await claimPods(objects, Pod, ds, specOf(ds).selector);
      byNode = groupByNode(pods);
    }
    const live = new Set([revisions.update.metadata.name!, ...pods.map((p) => `${ds.metadata.name}-${p.metadata.labels?.[REVISION_HASH_LABEL]}`)]);
    await history.prune(ds, revisions.revisions, live, specOf(ds).revisionHistoryLimit ?? 10);
    const { waitingForMinReady } = await writeStatus(ds, nodes, byNode, hash);
    return changed || waitingForMinReady || failedBackoffPending(ds) ? 'again' : 'done';
  };

  /** Whether a failed pod of this set waits for its back-off; forgets entries long expired. */
  function failedBackoffPending(ds: KubeObject): boolean {
    const at = now().getTime();
    let pending = false;
    for (const [key, entry] of failedBackoff) {
      if (at > entry.until + FAILED_BACKOFF_MS.max) failedBackoff.delete(key);
      else if (key.startsWith(`${ds.metadata.uid}/`) && at < entry.until) pending = true;
    }
    return pending;
  }
}
