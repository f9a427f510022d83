import { componentLogger } from '../../common/index.ts';
import { ApiError, type Catalog, type KubeObject, type ObjectStore } from '../api/index.ts';
import { discardEvents, type EventRecorder } from '../events/index.ts';
import { isPodAvailable, isPodReady, ownerReferenceTo } from './pods.ts';
import { bumpCollisionCount, controllerHistory, REVISION_HASH_LABEL, templateOfRevision } from './revisions.ts';
import { claimPods, getOrUndefined, isNotFound, isTerminating, phaseOf, writeStatusIfChanged } from './workload-util.ts';

const log = componentLogger('statefulset-controller');

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

interface Template {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { volumes?: Array<{ name: string }> } & Record<string, unknown>;
}

interface ClaimTemplate {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
}

interface StatefulSetSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  serviceName?: string;
  podManagementPolicy?: string;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  ordinals?: { start?: number };
  template?: Template;
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  volumeClaimTemplates?: ClaimTemplate[];
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
}

const specOf = (set: KubeObject) => (set.spec ?? {}) as StatefulSetSpec;
const startOf = (set: KubeObject) => specOf(set).ordinals?.start ?? 0;
const revisionOf = (pod: KubeObject) => pod.metadata.labels?.[REVISION_HASH_LABEL];

/** The ordinal in a member pod's name `<set>-<ordinal>`, or undefined for any other name. */
export function ordinalOf(set: KubeObject, pod: KubeObject): number | undefined {
  const name = pod.metadata.name ?? '';
  const prefix = `${set.metadata.name}-`;
  if (!name.startsWith(prefix) || !/^\d+$/.test(name.slice(prefix.length))) return undefined;
  return Number(name.slice(prefix.length));
}

export const claimName = (template: ClaimTemplate, set: KubeObject, ordinal: number) => `${template.metadata?.name}-${set.metadata.name}-${ordinal}`;

interface Revisions {
  current: KubeObject;
  update: KubeObject;
}

/** StatefulPodControl.recordPodEvent, with upstream's wording. */
function recordPodEvent(events: EventRecorder, verb: 'create' | 'delete', set: KubeObject, pod: string, error?: unknown): void {
  const title = verb === 'create' ? 'Create' : 'Delete';
  if (error === undefined) events.event(set, 'Normal', `Successful${title}`, `${verb} Pod ${pod} in StatefulSet ${set.metadata.name} successful`);
  else events.event(set, 'Warning', `Failed${title}`, `${verb} Pod ${pod} in StatefulSet ${set.metadata.name} failed error: ${(error as Error).message}`);
}

/**
 * Kubernetes' StatefulSet controller: pods with stable names `<set>-<ordinal>`, hostnames
 * under the governing service and their own PVCs from volumeClaimTemplates; created in
 * ordinal order and removed from the highest, one at a time and only while the others are
 * Running and Ready (OrderedReady) or all at once (Parallel); rolled from the highest
 * ordinal down to the partition by revision; status as `kubectl rollout status` reads it.
 */
export function statefulSetReconciler(objects: ObjectStore, catalog: Catalog, now: () => Date, events: EventRecorder = discardEvents) {
  const StatefulSet = catalog.byResource('apps', 'v1', 'statefulsets')!;
  const Pod = catalog.byResource('', 'v1', 'pods')!;
  const Claim = catalog.byResource('', 'v1', 'persistentvolumeclaims')!;
  const history = controllerHistory(objects, catalog);

  const healthy = (set: KubeObject, pod: KubeObject) =>
    !isTerminating(pod) && phaseOf(pod) === 'Running' && isPodReady(pod) && isPodAvailable(pod, specOf(set).minReadySeconds ?? 0, now());

  function podFor(set: KubeObject, ordinal: number, revisions: Revisions): KubeObject {
    const spec = specOf(set);
    // Below the partition, a missing pod comes back at the current revision: the rollout has not reached it.
    const partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    const atCurrent = spec.updateStrategy?.type !== 'OnDelete' && ordinal < startOf(set) + partition;
    const revision = atCurrent ? revisions.current : revisions.update;
    const template = structuredClone(atCurrent ? templateOfRevision(revision) : spec.template ?? {}) as Template;
    const name = `${set.metadata.name}-${ordinal}`;
    const podSpec = { ...(template.spec ?? {}) } as NonNullable<Template['spec']>;
    podSpec.hostname = name;
    if (spec.serviceName) podSpec.subdomain = spec.serviceName;
    const claims = (spec.volumeClaimTemplates ?? []).map((t) => ({ name: t.metadata!.name!, persistentVolumeClaim: { claimName: claimName(t, set, ordinal) } }));
    const others = (podSpec.volumes ?? []).filter((v) => !claims.some((c) => c.name === v.name));
    if (claims.length > 0 || podSpec.volumes) podSpec.volumes = [...claims, ...others];
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        labels: { ...(template.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_HASH_LABEL]: revision.metadata.name! },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [ownerReferenceTo(set)],
      },
      spec: podSpec,
    };
  }

  /** Creates the ordinal's missing PVCs; false while one of them is still being deleted. */
  async function ensureClaims(set: KubeObject, ordinal: number): Promise<boolean> {
    const spec = specOf(set);
    for (const template of spec.volumeClaimTemplates ?? []) {
      const name = claimName(template, set, ordinal);
      const existing = await getOrUndefined(objects, Claim, set.metadata.namespace, name);
      if (existing?.metadata.deletionTimestamp) return false;
      if (existing) continue;
      const owned = spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete';
      const pod = `${set.metadata.name}-${ordinal}`;
      await objects.create(Claim, set.metadata.namespace, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name,
          labels: { ...(template.metadata?.labels ?? {}), ...(spec.selector?.matchLabels ?? {}) },
          ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
          ...(owned ? { ownerReferences: [{ ...ownerReferenceTo(set), controller: false }] } : {}),
        },
        spec: structuredClone(template.spec ?? {}),
      }).catch((error: unknown) => {
        events.event(set, 'Warning', 'FailedCreate', `create Claim ${name} for Pod ${pod} in StatefulSet ${set.metadata.name} failed error: ${(error as Error).message}`);
        throw error;
      });
      events.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${pod} in StatefulSet ${set.metadata.name} success`);
      log.info({ statefulSet: set.metadata.name, claim: name }, 'created PVC');
    }
    return true;
  }

  /** With `whenScaled: Delete`, a condemned pod becomes its claims' owner, so they go with it. */
  async function releaseClaims(set: KubeObject, pod: KubeObject, ordinal: number): Promise<void> {
    if (specOf(set).persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return;
    for (const template of specOf(set).volumeClaimTemplates ?? []) {
      const name = claimName(template, set, ordinal);
      if (!(await getOrUndefined(objects, Claim, set.metadata.namespace, name))) continue;
      await objects.mutate(Claim, set.metadata.namespace, name, (claim) => {
        const refs = (claim.metadata.ownerReferences ?? []).filter((r) => r.uid !== pod.metadata.uid);
        return { ...claim, metadata: { ...claim.metadata, ownerReferences: [...refs, { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name!, uid: pod.metadata.uid! }] } };
      });
    }
  }

  async function remove(set: KubeObject, pod: KubeObject): Promise<void> {
    log.debug({ statefulSet: set.metadata.name, pod: pod.metadata.name }, 'deleting pod');
    try {
      await objects.delete(Pod, pod.metadata.namespace, pod.metadata.name!);
    } catch (error) {
      if (isNotFound(error)) return;
      recordPodEvent(events, 'delete', set, pod.metadata.name!, error);
      throw error;
    }
    recordPodEvent(events, 'delete', set, pod.metadata.name!);
  }

  async function create(set: KubeObject, pod: KubeObject): Promise<void> {
    try {
      await objects.create(Pod, set.metadata.namespace, pod);
    } catch (error) {
      // A pod that already exists is the informer lagging, not a failure (upstream sinks it too).
      if (!(error instanceof ApiError && error.reason === 'AlreadyExists')) recordPodEvent(events, 'create', set, pod.metadata.name!, error);
      throw error;
    }
    recordPodEvent(events, 'create', set, pod.metadata.name!);
  }

  /**
   * One pass of Kubernetes' updateStatefulSet: returns whether it changed anything, or
   * 'blocked' when a claim still being deleted holds a pod back. In OrderedReady it stops at
   * the first pod it creates, deletes or has to wait for.
   */
  async function step(set: KubeObject, pods: KubeObject[], revisions: Revisions): Promise<boolean | 'blocked'> {
    const spec = specOf(set);
    const ordered = spec.podManagementPolicy !== 'Parallel';
    const start = startOf(set);
    const end = start + (spec.replicas ?? 1);
    const byOrdinal = new Map(pods.map((p) => [ordinalOf(set, p)!, p]));
    let changed = false;
    let blocked = false;
    for (let ordinal = start; ordinal < end; ordinal++) {
      const pod = byOrdinal.get(ordinal);
      if (pod && !isTerminating(pod) && (phaseOf(pod) === 'Failed' || phaseOf(pod) === 'Succeeded')) {
        // A finished pod is replaced under the same name once it is gone.
        await remove(set, pod);
        changed = true;
        if (ordered) return true;
        continue;
      }
      if (!pod) {
        // A claim still being deleted blocks its pod; no event will say when it is gone, so look again.
        if (!(await ensureClaims(set, ordinal))) {
          if (ordered) return 'blocked';
          blocked = true;
          continue;
        }
        await create(set, podFor(set, ordinal, revisions));
        changed = true;
        if (ordered) return true;
        continue;
      }
      if (ordered && !healthy(set, pod)) return changed;
    }
    const condemned = pods.filter((p) => ordinalOf(set, p)! < start || ordinalOf(set, p)! >= end).sort((a, b) => ordinalOf(set, b)! - ordinalOf(set, a)!);
    const firstUnhealthy = condemned.find((p) => !healthy(set, p));
    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (ordered) return changed;
        continue;
      }
      if (ordered && !healthy(set, pod) && pod !== firstUnhealthy) return changed;
      await releaseClaims(set, pod, ordinalOf(set, pod)!);
      await remove(set, pod);
      changed = true;
      if (ordered) return true;
    }
    if (blocked) return 'blocked';
    if (spec.updateStrategy?.type === 'OnDelete') return changed;
    // The rolling update: the highest pod not at the update revision goes first, and only once every pod above it is healthy.
    const partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let ordinal = end - 1; ordinal >= start + partition; ordinal--) {
      const pod = byOrdinal.get(ordinal);
      if (!pod) return changed;
      if (revisionOf(pod) !== revisions.update.metadata.name && !isTerminating(pod)) {
        await remove(set, pod);
        return true;
      }
      if (!healthy(set, pod)) return changed;
    }
    return changed;
  }

  async function writeStatus(set: KubeObject, pods: KubeObject[], revisions: Revisions): Promise<{ waitingForMinReady: boolean }> {
    const minReady = specOf(set).minReadySeconds ?? 0;
    const counts = { replicas: 0, readyReplicas: 0, currentReplicas: 0, updatedReplicas: 0, availableReplicas: 0 };
    for (const pod of pods) {
      counts.replicas++;
      if (phaseOf(pod) === 'Running' && isPodReady(pod)) {
        counts.readyReplicas++;
        if (isPodAvailable(pod, minReady, now())) counts.availableReplicas++;
      }
      if (isTerminating(pod)) continue;
      if (revisionOf(pod) === revisions.current.metadata.name) counts.currentReplicas++;
      if (revisionOf(pod) === revisions.update.metadata.name) counts.updatedReplicas++;
    }
    let currentRevision = revisions.current.metadata.name!;
    // A finished rolling update makes the update revision the current one.
    if (specOf(set).updateStrategy?.type !== 'OnDelete' && counts.updatedReplicas === counts.replicas && counts.readyReplicas === counts.replicas) {
      counts.currentReplicas = counts.updatedReplicas;
      currentRevision = revisions.update.metadata.name!;
    }
    const old = (set.status ?? {}) as Record<string, unknown>;
    const status = { ...old, observedGeneration: set.metadata.generation ?? 0, ...counts, currentRevision, updateRevision: revisions.update.metadata.name!, collisionCount: old.collisionCount ?? 0 };
    await writeStatusIfChanged(objects, StatefulSet, set, status);
    return { waitingForMinReady: minReady > 0 && counts.readyReplicas !== counts.availableReplicas };
  }

  return async (namespace: string, name: string): Promise<'again' | 'done'> => {
    const set = await getOrUndefined(objects, StatefulSet, namespace, name);
    // A set being deleted is the garbage collector's; its pods may already be going.
    if (!set || set.metadata.deletionTimestamp) return 'done';
    const synced = await history.sync(set);
    if (synced === 'collision') {
      await bumpCollisionCount(objects, StatefulSet, set);
      return 'again';
    }
    const currentName = ((set.status ?? {}) as { currentRevision?: string }).currentRevision;
    const revisions: Revisions = { update: synced.update, current: synced.revisions.find((r) => r.metadata.name === currentName) ?? synced.update };
    const member = (pod: KubeObject) => ordinalOf(set, pod) !== undefined;
    let pods = (await claimPods(objects, Pod, set, specOf(set).selector, member)).filter(member);
    const outcome = await step(set, pods, revisions);
    const changed = outcome !== false;
    if (changed) pods = (await claimPods(objects, Pod, set, specOf(set).selector, member)).filter(member);
    const live = new Set([revisions.current.metadata.name!, revisions.update.metadata.name!, ...pods.map((p) => revisionOf(p) ?? '')]);
    await history.prune(set, synced.revisions, live, specOf(set).revisionHistoryLimit ?? 10);
    const { waitingForMinReady } = await writeStatus(set, pods, revisions);
    return changed || waitingForMinReady ? 'again' : 'done';
  };
}
