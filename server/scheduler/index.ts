// The public face of server/scheduler: kube-scheduler's job for skerry — watch pods that need a
// node, pick one (filters, scores) and bind them, or say on the pod why none fits.
import { componentLogger } from '../../common/index.ts';
import type { Catalog, KubeObject, ObjectStore } from '../api/index.ts';
import { createEventBroadcaster } from '../events/index.ts';
import { createBinder } from './binder.ts';
import { createSchedulerCache } from './cache.ts';
import { isTerminal, podInfoOf, podKey, type PodSpec } from './pod-info.ts';
import { createSchedulingQueue } from './queue.ts';
import { selectNode, type ScheduleResult } from './schedule.ts';
import { createClaimAssumptions } from './claim-assumptions.ts';
import { claimsToProvision, type VolumeLookup } from './volumes.ts';
import { watchType } from './watch.ts';

export { schedulePod, selectNode, nodeInfosOf, type PodsByNode, type ScheduleResult, type VolumeLookup } from './schedule.ts';
export { parseQuantity, type Quantity } from './quantity.ts';

const log = componentLogger('scheduler');

export interface SchedulerOptions {
  /** The spec.schedulerName this scheduler serves; pods naming another are left alone. */
  schedulerName?: string;
  now?: () => Date;
  /** How long a pod that fits nowhere waits before it is tried again without any change. */
  retryMs?: number;
}

// kube-scheduler cuts an event's note to the events API's 1024-character limit.
const NOTE_LIMIT = 1024;
const truncated = (message: string) => (message.length <= NOTE_LIMIT ? message : `${message.slice(0, NOTE_LIMIT - 4)} ...`);

export interface Scheduler {
  /** Resolves once nodes, pods and storage objects are all listed and scheduling has begun. */
  synced: Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_SCHEDULER = 'default-scheduler';
// Bindings written concurrently: the store commits concurrent writes together, so a burst of
// pods binds many times faster than one write at a time, while decisions stay sequential.
const MAX_IN_FLIGHT = 64;
const BIND_RETRY_MS = 1000;
// Decisions run synchronously; yielding this often lets watch events in during a long burst.
const YIELD_EVERY = 64;

const specOf = (pod: KubeObject) => (pod.spec ?? {}) as PodSpec;

/** What, in a node, can turn a pod that fit nowhere into one that fits. */
function schedulingFacts(node: KubeObject): string {
  const status = (node.status ?? {}) as { allocatable?: unknown; capacity?: unknown; conditions?: Array<{ type?: string; status?: string }> };
  const spec = (node.spec ?? {}) as { taints?: unknown; unschedulable?: unknown };
  const ready = status.conditions?.find((c) => c?.type === 'Ready')?.status;
  return JSON.stringify([node.metadata.labels, spec.taints, spec.unschedulable, status.allocatable ?? status.capacity, ready]);
}

/** Whether a pod's change may alter its own scheduling (not just its status). */
function podChanged(old: KubeObject | undefined, pod: KubeObject): boolean {
  if (!old) return true;
  return JSON.stringify([old.spec, old.metadata.labels]) !== JSON.stringify([pod.spec, pod.metadata.labels]);
}

/** An assigned pod that went away, finished or changed labels may free room or lift anti-affinity. */
function freesRoom(old: KubeObject | undefined, pod: KubeObject | undefined): boolean {
  if (!old || !specOf(old).nodeName || isTerminal(old)) return false;
  if (!pod || isTerminal(pod)) return true;
  return JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {});
}

export function startScheduler(objects: ObjectStore, catalog: Catalog, options: SchedulerOptions = {}): Scheduler {
  const Pod = catalog.byResource('', 'v1', 'pods')!;
  const Node = catalog.byResource('', 'v1', 'nodes')!;
  const Claim = catalog.byResource('', 'v1', 'persistentvolumeclaims')!;
  const Volume = catalog.byResource('', 'v1', 'persistentvolumes')!;
  const StorageClass = catalog.byResource('storage.k8s.io', 'v1', 'storageclasses')!;
  const schedulerName = options.schedulerName ?? DEFAULT_SCHEDULER;
  const now = options.now ?? (() => new Date());
  const cache = createSchedulerCache();
  const binder = createBinder(objects, Pod, now, Claim);
  const broadcaster = createEventBroadcaster(objects, catalog, { now });
  const events = broadcaster.recorder(schedulerName);
  /** Pods this scheduler must place, latest version seen, by `namespace/name`. */
  const pending = new Map<string, KubeObject>();
  const inFlight = new Set<Promise<void>>();
  const queue = createSchedulingQueue(kick, options.retryMs ?? 10_000);
  let ready = false;
  let draining = false;
  let stopped = false;

  function responsible(pod: KubeObject): boolean {
    const spec = specOf(pod);
    return (spec.schedulerName || DEFAULT_SCHEDULER) === schedulerName && !spec.nodeName && !pod.metadata.deletionTimestamp
      && !isTerminal(pod) && (spec.schedulingGates ?? []).length === 0;
  }

  function onPod(pod: KubeObject | undefined, old: KubeObject | undefined): void {
    const key = podKey((pod ?? old)!);
    cache.updatePod(key, pod);
    if (pod && responsible(pod)) {
      const known = pending.has(key);
      pending.set(key, pod);
      if (!known || podChanged(old, pod)) queue.add(key);
    } else if (pending.delete(key)) {
      queue.remove(key);
    }
    if (freesRoom(old, pod)) queue.unparkAll();
  }

  function onNode(node: KubeObject | undefined, old: KubeObject | undefined): void {
    cache.setNode((node ?? old)!.metadata.name!, node);
    if (node && (!old || schedulingFacts(old) !== schedulingFacts(node))) queue.unparkAll();
  }

  const onStorage = () => queue.unparkAll();
  const assumptions = createClaimAssumptions();
  const onClaim = (claim: KubeObject | undefined, old: KubeObject | undefined) => {
    assumptions.observe(claim, old);
    onStorage();
  };
  const watches = {
    nodes: watchType(objects, Node, onNode),
    pods: watchType(objects, Pod, onPod),
    claims: watchType(objects, Claim, onClaim),
    volumes: watchType(objects, Volume, onStorage),
    classes: watchType(objects, StorageClass, onStorage),
  };
  const volumes: VolumeLookup = {
    claim: (namespace, name) => assumptions.apply(watches.claims.get(namespace, name)),
    volume: (name) => watches.volumes.get(undefined, name),
    storageClass: (name) => watches.classes.get(undefined, name),
  };

  function track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => log.error({ err: error }, 'scheduler write failed')).finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }

  async function bind(pod: KubeObject, key: string, nodeName: string, claims: KubeObject[]): Promise<void> {
    let outcome;
    try {
      for (const claim of claims) await binder.selectNode(claim, nodeName);
      outcome = await binder.bind(pod, nodeName);
    } catch (error) {
      cache.forget(key);
      for (const claim of claims) assumptions.forget(claim);
      log.warn({ err: error, pod: key, node: nodeName }, 'binding failed; will retry');
      queue.addAfter(key, BIND_RETRY_MS);
      return;
    }
    if (outcome !== 'bound') return cache.forget(key);
    log.debug({ pod: key, node: nodeName }, 'bound pod');
    events.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${nodeName}`);
    await binder.markScheduled(pod, { status: 'True' });
  }

  async function reportFailure(pod: KubeObject, key: string, result: Exclude<ScheduleResult, { node: string }>): Promise<void> {
    // Every failed attempt is an event, as upstream records them; the recorder counts the repeats.
    events.event(pod, 'Warning', 'FailedScheduling', truncated(result.message));
    const written = await binder.markScheduled(pod, { status: 'False', reason: result.reason, message: result.message });
    if (written) log.info({ pod: key, reason: result.reason, message: result.message }, 'unable to schedule pod; waiting');
  }

  function scheduleOne(key: string): void {
    const pod = pending.get(key);
    if (!pod || cache.isAssumed(key)) return;
    const info = podInfoOf(pod);
    const result = selectNode(info, cache.nodeInfos(), volumes);
    if ('node' in result) {
      cache.assume(info, result.node);
      const claims = claimsToProvision(info, volumes);
      // The next decisions already see the choice, before its annotation is written or watched.
      for (const claim of claims) assumptions.assume(claim, result.node);
      track(bind(pod, key, result.node, claims));
    } else {
      queue.park(key);
      track(reportFailure(pod, key, result));
    }
  }

  async function drain(): Promise<void> {
    if (draining || stopped || !ready) return;
    draining = true;
    try {
      let done = 0;
      for (let key = queue.pop(); key !== undefined && !stopped; key = queue.pop()) {
        try {
          scheduleOne(key);
        } catch (error) {
          log.error({ err: error, pod: key }, 'scheduling attempt failed');
          queue.addAfter(key, BIND_RETRY_MS);
        }
        if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
        else if (++done % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      draining = false;
    }
  }

  // Deferred, so a batch of watch events is queued before decisions start and no decision runs
  // inside a watch callback.
  let kicked = false;
  function kick(): void {
    if (kicked || draining || !ready || stopped) return;
    kicked = true;
    setImmediate(() => {
      kicked = false;
      void drain();
    });
  }

  const synced = Promise.all(Object.values(watches).map((w) => w.synced)).then(() => {
    ready = true;
    log.info({ schedulerName, pending: pending.size }, 'scheduler synced');
    kick();
  });

  return {
    synced,
    async stop() {
      stopped = true;
      queue.stop();
      for (const watch of Object.values(watches)) watch.stop();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await broadcaster.flush();
    },
  };
}
