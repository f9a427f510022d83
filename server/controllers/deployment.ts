import { componentLogger } from '../../common/index.ts';
import { ApiError, timestamp, type Catalog, type KubeObject, type ObjectStore } from '../api/index.ts';
import { discardEvents, type EventRecorder } from '../events/index.ts';
import { controllerOf, ownerReferenceTo } from './pods.ts';
import { rollingBounds } from './rollout-math.ts';
import { sameTemplate, templateHash } from './template-hash.ts';

const log = componentLogger('deployment-controller');
export const REVISION = 'deployment.kubernetes.io/revision';

interface DeploymentSpec {
  replicas?: number;
  paused?: boolean;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  template?: { metadata?: { labels?: Record<string, string> } };
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: unknown; maxUnavailable?: unknown } };
}

interface SetStatus {
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

const replicasOf = (rs: KubeObject) => ((rs.spec ?? {}) as { replicas?: number }).replicas ?? 0;
const statusOf = (rs: KubeObject) => (rs.status ?? {}) as SetStatus;
const revisionOf = (rs: KubeObject) => Number(rs.metadata.annotations?.[REVISION] ?? 0) || 0;

/**
 * Kubernetes' Deployment controller: one ReplicaSet per pod template (named by the
 * template's hash, numbered by the `deployment.kubernetes.io/revision` annotation), rolled
 * with RollingUpdate (maxSurge / maxUnavailable) or Recreate, old sets kept up to
 * revisionHistoryLimit for `rollout undo`, and status with Available and Progressing
 * conditions that `kubectl rollout status` reads. A paused deployment scales but does not roll.
 */
export function deploymentReconciler(objects: ObjectStore, catalog: Catalog, now: () => Date, events: EventRecorder = discardEvents) {
  const Deployment = catalog.byResource('apps', 'v1', 'deployments')!;
  const ReplicaSet = catalog.byResource('apps', 'v1', 'replicasets')!;
  const Pod = catalog.byResource('', 'v1', 'pods')!;
  const Node = catalog.byResource('', 'v1', 'nodes')!;

  async function setReplicas(d: KubeObject, rs: KubeObject, replicas: number, annotations: Record<string, string> = {}): Promise<void> {
    if (replicasOf(rs) === replicas && Object.entries(annotations).every(([k, v]) => rs.metadata.annotations?.[k] === v)) return;
    let from = replicasOf(rs);
    await objects.mutate(ReplicaSet, rs.metadata.namespace, rs.metadata.name!, (current) => {
      from = replicasOf(current);
      return {
        ...current,
        metadata: { ...current.metadata, annotations: { ...(current.metadata.annotations ?? {}), ...annotations } },
        spec: { ...((current.spec ?? {}) as object), replicas },
      };
    });
    // kube 1.31's wording; 1.32 turned it into "from M to N".
    if (from !== replicas) events.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${from < replicas ? 'up' : 'down'} replica set ${rs.metadata.name} to ${replicas} from ${from}`);
  }

  async function createNewSet(d: KubeObject, revision: number, replicas: number): Promise<KubeObject> {
    const spec = (d.spec ?? {}) as DeploymentSpec;
    const collisionCount = ((d.status ?? {}) as { collisionCount?: number }).collisionCount ?? 0;
    const hash = templateHash(spec.template, collisionCount);
    const template = structuredClone(spec.template ?? {}) as { metadata?: { labels?: Record<string, string> } };
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash } };
    const selector = { ...(spec.selector ?? {}), matchLabels: { ...(spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash } };
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        labels: template.metadata.labels,
        annotations: { [REVISION]: String(revision), 'deployment.kubernetes.io/desired-replicas': String(spec.replicas ?? 1) },
        ownerReferences: [ownerReferenceTo(d)],
      },
      spec: { replicas, minReadySeconds: spec.minReadySeconds ?? 0, selector, template },
    };
    log.info({ deployment: d.metadata.name, replicaSet: rs.metadata.name, revision }, 'new ReplicaSet');
    let created: KubeObject;
    try {
      created = await objects.create(ReplicaSet, d.metadata.namespace, rs);
    } catch (error) {
      if (!(error instanceof ApiError && error.reason === 'AlreadyExists')) {
        events.event(d, 'Warning', 'ReplicaSetCreateError', `Failed to create new replica set "${rs.metadata.name}": ${(error as Error).message}`);
      }
      throw error;
    }
    if (replicas > 0) events.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} to ${replicas}`);
    return created;
  }

  async function roll(d: KubeObject, newSet: KubeObject, old: KubeObject[]): Promise<void> {
    const spec = (d.spec ?? {}) as DeploymentSpec;
    const replicas = spec.replicas ?? 1;
    const oldActive = old.filter((rs) => replicasOf(rs) > 0 || (statusOf(rs).replicas ?? 0) > 0);
    if (spec.strategy?.type === 'Recreate') {
      for (const rs of oldActive) await setReplicas(d, rs, 0);
      if (oldActive.every((rs) => (statusOf(rs).replicas ?? 0) === 0)) await setReplicas(d, newSet, replicas);
      return;
    }
    const { surge, unavailable } = rollingBounds(spec.strategy?.rollingUpdate, replicas);
    const all = [newSet, ...old];
    const total = all.reduce((sum, rs) => sum + replicasOf(rs), 0);
    let target = replicasOf(newSet);
    if (target > replicas) target = replicas;
    else if (target < replicas) target = Math.min(replicas, target + Math.max(0, replicas + surge - total));
    await setReplicas(d, newSet, target);
    // Scale old sets down only as far as availability allows; their unavailable pods go first.
    const minAvailable = replicas - unavailable;
    // A set just scaled down still reports its old count until its pods are gone: never count more than it keeps.
    const availableIn = (rs: KubeObject) => Math.min(statusOf(rs).availableReplicas ?? 0, replicasOf(rs));
    const available = all.reduce((sum, rs) => sum + availableIn(rs), 0);
    let budget = Math.max(0, available - minAvailable);
    for (const rs of [...oldActive].sort((a, b) => revisionOf(a) - revisionOf(b))) {
      const current = replicasOf(rs);
      const unhealthy = Math.max(0, current - availableIn(rs));
      const down = Math.min(current, unhealthy + budget);
      budget -= Math.max(0, down - unhealthy);
      if (down > 0) await setReplicas(d, rs, current - down);
    }
  }

  async function pruneHistory(d: KubeObject, old: KubeObject[]): Promise<void> {
    const limit = ((d.spec ?? {}) as DeploymentSpec).revisionHistoryLimit ?? 10;
    const idle = old.filter((rs) => replicasOf(rs) === 0 && (statusOf(rs).replicas ?? 0) === 0).sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      await objects.delete(ReplicaSet, rs.metadata.namespace, rs.metadata.name!).catch((error: unknown) => {
        if (!(error instanceof ApiError && error.code === 404)) throw error;
      });
    }
  }

  function condition(previous: Condition[], type: string, status: string, reason: string, message: string, at: string, touch: boolean): Condition {
    const old = previous.find((c) => c.type === type);
    const transitioned = !old || old.status !== status;
    const changed = transitioned || old.reason !== reason || touch;
    return {
      type,
      status,
      reason,
      message,
      lastUpdateTime: changed ? at : old.lastUpdateTime,
      lastTransitionTime: transitioned ? at : old.lastTransitionTime,
    };
  }

  /** Pods of the Deployment's ReplicaSets bound to nodes whose Ready condition is Unknown (heartbeat lapsed). */
  async function podsOnOfflineNodes(d: KubeObject, sets: KubeObject[]): Promise<number> {
    const owners = new Set(sets.map((rs) => rs.metadata.uid));
    const pods = (await objects.list(Pod, d.metadata.namespace)).items.filter((p) => (p.metadata.ownerReferences ?? []).some((o) => owners.has(o.uid)));
    const offline = new Map<string, boolean>();
    let count = 0;
    for (const pod of pods) {
      const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
      if (!node) continue;
      if (!offline.has(node)) {
        const found = await objects.get(Node, undefined, node).catch(() => undefined);
        const ready = ((found?.status ?? {}) as { conditions?: Array<{ type: string; status: string }> }).conditions?.find((c) => c.type === 'Ready');
        offline.set(node, ready?.status === 'Unknown');
      }
      if (offline.get(node)) count++;
    }
    return count;
  }

  async function writeStatus(d: KubeObject, newSet: KubeObject | undefined, all: KubeObject[]): Promise<boolean> {
    const spec = (d.spec ?? {}) as DeploymentSpec;
    const replicas = spec.replicas ?? 1;
    const sum = (f: (s: SetStatus) => number | undefined) => all.reduce((n, rs) => n + (f(statusOf(rs)) ?? 0), 0);
    const counts = {
      replicas: sum((s) => s.replicas),
      updatedReplicas: newSet ? statusOf(newSet).replicas ?? 0 : 0,
      readyReplicas: sum((s) => s.readyReplicas),
      availableReplicas: sum((s) => s.availableReplicas),
    };
    const unavailableReplicas = Math.max(0, replicas - counts.availableReplicas);
    const complete = counts.updatedReplicas === replicas && counts.replicas === replicas && counts.availableReplicas === replicas;
    const old = (d.status ?? {}) as Record<string, unknown> & { conditions?: Condition[] };
    const previous = old.conditions ?? [];
    const at = timestamp(now());
    const progressed = ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas'].some((k) => (old[k] ?? 0) !== counts[k as keyof typeof counts]);
    const { unavailable } = rollingBounds(spec.strategy?.rollingUpdate, replicas);
    const minimum = spec.strategy?.type === 'Recreate' ? replicas : replicas - unavailable;
    const name = newSet?.metadata.name ?? d.metadata.name;
    const progressing = previous.find((c) => c.type === 'Progressing');
    const deadline = (spec.progressDeadlineSeconds ?? 600) * 1000;
    const lastProgress = progressed || !progressing ? now().getTime() : Date.parse(progressing.lastUpdateTime);
    // As Kubernetes: once timed out, a rollout stays timed out until it makes progress again.
    const deadlineHit = (progressing?.reason === 'ProgressDeadlineExceeded' && !progressed) || now().getTime() - lastProgress > deadline;
    // An edge rollout waits for nodes that are offline (their pods cannot report) instead of
    // failing: while any pod of it sits on a node whose heartbeat lapsed, the deadline holds.
    const wasWaiting = progressing?.message.endsWith('on offline nodes.') ?? false;
    const waiting = !complete && !spec.paused && (deadlineHit || wasWaiting) ? await podsOnOfflineNodes(d, all) : 0;
    // Waiting moves lastUpdateTime now and then (not every pass, which would write each second),
    // so the deadline starts afresh, not already spent, once the nodes are back.
    const refresh = !wasWaiting || now().getTime() - Date.parse(progressing!.lastUpdateTime) > Math.min(30_000, deadline / 2);
    let progress: Condition;
    if (complete) progress = condition(previous, 'Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${name}" has successfully progressed.`, at, false);
    else if (spec.paused) progress = condition(previous, 'Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', at, false);
    else if (waiting > 0) progress = condition(previous, 'Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${name}" is progressing; waiting for ${waiting} pod(s) on offline nodes.`, at, refresh);
    else if (deadlineHit) progress = condition(previous, 'Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${name}" has timed out progressing.`, at, false);
    else progress = condition(previous, 'Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${name}" is progressing.`, at, progressed);
    const available = counts.availableReplicas >= minimum
      ? condition(previous, 'Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', at, false)
      : condition(previous, 'Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', at, false);
    const status: Record<string, unknown> = { ...old, observedGeneration: d.metadata.generation ?? 0, ...counts, unavailableReplicas, conditions: [available, progress] };
    if (unavailableReplicas === 0) delete status.unavailableReplicas;
    if (JSON.stringify(status) !== JSON.stringify(old)) {
      await objects.mutate(Deployment, d.metadata.namespace, d.metadata.name!, (current) => ({ ...current, status }), { subresource: 'status' });
    }
    return complete;
  }

  return async (namespace: string, name: string): Promise<'again' | 'done'> => {
    let d: KubeObject;
    try {
      d = await objects.get(Deployment, namespace, name);
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) return 'done';
      throw error;
    }
    if (d.metadata.deletionTimestamp) return 'done';
    const spec = (d.spec ?? {}) as DeploymentSpec;
    const { items } = await objects.list(ReplicaSet, namespace, { filter: (rs) => controllerOf(rs)?.uid === d.metadata.uid });
    let newSet = items.find((rs) => sameTemplate(((rs.spec ?? {}) as { template?: unknown }).template, spec.template));
    const old = items.filter((rs) => rs !== newSet);
    const maxOld = Math.max(0, ...old.map(revisionOf));
    if (spec.paused) {
      await writeStatus(d, newSet, items);
      return 'done';
    }
    if (!newSet) {
      const firstReplicas = spec.strategy?.type === 'Recreate' || old.length > 0 ? 0 : spec.replicas ?? 1;
      try {
        newSet = await createNewSet(d, maxOld + 1, firstReplicas);
      } catch (error) {
        if (!(error instanceof ApiError && error.reason === 'AlreadyExists')) throw error;
        // Another template hashed to the same name: count the collision, and try again with a new hash.
        await objects.mutate(Deployment, namespace, name, (current) => ({ ...current, status: { ...((current.status ?? {}) as object), collisionCount: (((current.status ?? {}) as { collisionCount?: number }).collisionCount ?? 0) + 1 } }), { subresource: 'status' });
        return 'again';
      }
    } else if (revisionOf(newSet) <= maxOld) {
      // A rollback to an older template: its set becomes the newest revision again.
      await setReplicas(d, newSet, replicasOf(newSet), { [REVISION]: String(maxOld + 1) });
    }
    await roll(d, newSet, old);
    const fresh = (await objects.list(ReplicaSet, namespace, { filter: (rs) => controllerOf(rs)?.uid === d.metadata.uid })).items;
    const currentNew = fresh.find((rs) => rs.metadata.name === newSet.metadata.name);
    await pruneHistory(d, fresh.filter((rs) => rs !== currentNew));
    return (await writeStatus(d, currentNew, fresh)) ? 'done' : 'again';
  };
}
