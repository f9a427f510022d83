import { componentLogger } from '../../common/index.ts';
import { timestamp, type Catalog, type KubeObject, type ObjectStore } from '../api/index.ts';
import { discardEvents, type EventRecorder } from '../events/index.ts';
import { formatIndexes, parseIndexes } from './job-indexes.ts';
import { ensureCondition, finishedAt, newCondition, pastBackoffLimitOnFailure, type JobCondition } from './job-status.ts';
import { createPod, deletePod } from './pod-control.ts';
import { controllerOf, deletionOrder, isPodReady, ownerReferenceTo } from './pods.ts';
import { claimPods, getOrUndefined, isNotFound, isTerminating, phaseOf, sameJson } from './workload-util.ts';

const log = componentLogger('job-controller');

/** Kept on every Job pod until its outcome is counted in the Job's status, so deleting a pod never loses a success or failure. */
export const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
const CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
const JOB_NAME = 'batch.kubernetes.io/job-name';

/** Pods created per pass at most, so one huge Job does not hog the queue. */
const BURST = 500;

interface Template {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { restartPolicy?: string; containers?: Container[]; initContainers?: Container[] } & Record<string, unknown>;
}

interface Container {
  env?: Array<{ name: string }>;
}

interface JobSpec {
  parallelism?: number;
  completions?: number | null;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  completionMode?: string;
  suspend?: boolean;
  podReplacementPolicy?: string;
  selector?: unknown;
  template?: Template;
}

interface JobStatus {
  conditions?: JobCondition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  ready?: number;
  terminating?: number;
  completedIndexes?: string;
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
}

export interface JobOptions {
  /** First delay before replacing a failed pod; it doubles with each failure since the last success, up to 6 minutes (Kubernetes: 10 s). */
  podFailureBackoffMs?: number;
  events?: EventRecorder;
}

const MAX_BACKOFF_MS = 6 * 60_000;

const specOf = (job: KubeObject) => (job.spec ?? {}) as JobSpec;
const statusOf = (job: KubeObject) => (job.status ?? {}) as JobStatus;
const isIndexed = (job: KubeObject) => specOf(job).completionMode === 'Indexed';
const hasFinalizer = (pod: KubeObject) => (pod.metadata.finalizers ?? []).includes(TRACKING_FINALIZER);
const isActive = (pod: KubeObject) => !isTerminating(pod) && phaseOf(pod) !== 'Succeeded' && phaseOf(pod) !== 'Failed';
const countTerminating = (pods: KubeObject[]) => pods.filter((p) => isTerminating(p) && phaseOf(p) !== 'Succeeded' && phaseOf(p) !== 'Failed').length;

export function isJobFinished(job: KubeObject): boolean {
  return (statusOf(job).conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** The completion index of an Indexed Job's pod, or undefined when absent or out of range. */
export function completionIndexOf(pod: KubeObject, completions: number): number | undefined {
  const text = pod.metadata.annotations?.[COMPLETION_INDEX] ?? pod.metadata.labels?.[COMPLETION_INDEX];
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const index = Number(text);
  return index < completions ? index : undefined;
}

/** The Job's selector: the one the API generated from its uid, or that label alone if it has none. */
function selectorOf(job: KubeObject): unknown {
  return specOf(job).selector ?? { matchLabels: { [CONTROLLER_UID]: job.metadata.uid } };
}

/** A pod counts as failed once Failed, or once deleted before succeeding (unless only Failed pods are to be replaced). */
function isPodFailed(job: KubeObject, pod: KubeObject): boolean {
  if (phaseOf(pod) === 'Failed') return true;
  if (specOf(job).podReplacementPolicy === 'Failed') return false;
  return isTerminating(pod) && phaseOf(pod) !== 'Succeeded';
}

/** What one pass has counted: the Job's counters with the newly finished pods included. */
interface Counts {
  succeeded: number;
  failed: number;
  completed: Set<number>;
}

/**
 * Kubernetes' Job controller: run pods to `completions` successes, `parallelism` at a time
 * (one pod per index for Indexed Jobs), replace failed ones with exponential back-off until
 * `backoffLimit`, honour `suspend` and `activeDeadlineSeconds`, and report status and the
 * Complete / Failed conditions `kubectl wait` and `kubectl get jobs` read. Pods carry a
 * tracking finalizer until their outcome is in the status, as Kubernetes does since 1.26.
 */
export function jobReconciler(objects: ObjectStore, catalog: Catalog, now: () => Date, options: JobOptions = {}) {
  const Job = catalog.byResource('batch', 'v1', 'jobs')!;
  const Pod = catalog.byResource('', 'v1', 'pods')!;
  const backoffBase = options.podFailureBackoffMs ?? 10_000;
  const events = options.events ?? discardEvents;
  /** Failures since the last success and when the latest happened, per Job uid (in memory, as Kubernetes keeps it). */
  const backoffs = new Map<string, { failures: number; lastFailure: number }>();

  async function stripFinalizer(pod: KubeObject): Promise<void> {
    await objects
      .mutate(Pod, pod.metadata.namespace, pod.metadata.name!, (current) => ({
        ...current,
        metadata: { ...current.metadata, finalizers: (current.metadata.finalizers ?? []).filter((f) => f !== TRACKING_FINALIZER) },
      }))
      .catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
  }

  /** Pods the controller removes on purpose (suspend, excess) do not count as failures: the finalizer goes first. */
  async function removeUncounted(job: KubeObject, pods: KubeObject[]): Promise<void> {
    await Promise.all(
      pods.map(async (pod) => {
        if (hasFinalizer(pod)) await stripFinalizer(pod);
        await deletePod(objects, Pod, job, pod, events);
      }),
    );
  }

  /** Releases pods whose Job is gone, was replaced by another of the same name, or orphaned them. */
  async function releaseStale(namespace: string, name: string, job: KubeObject | undefined): Promise<void> {
    const { items } = await objects.list(Pod, namespace, {
      filter: (pod) => {
        if (!hasFinalizer(pod)) return false;
        const owner = controllerOf(pod);
        if (owner) return owner.kind === 'Job' && owner.name === name && owner.uid !== job?.metadata.uid;
        return !job && (pod.metadata.labels?.[JOB_NAME] === name || pod.metadata.labels?.['job-name'] === name);
      },
    });
    await Promise.all(items.map(stripFinalizer));
  }

  function podFor(job: KubeObject, index: number | undefined): KubeObject {
    const template = structuredClone(specOf(job).template ?? {});
    const labels = { ...(template.metadata?.labels ?? {}) };
    const annotations = { ...(template.metadata?.annotations ?? {}) };
    const spec = template.spec ?? {};
    let generateName = `${job.metadata.name}-`;
    if (index !== undefined) {
      annotations[COMPLETION_INDEX] = String(index);
      labels[COMPLETION_INDEX] = String(index);
      generateName = `${job.metadata.name}-${index}-`;
      spec.hostname = `${job.metadata.name}-${index}`;
      const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } };
      for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
        if (!(c.env ?? []).some((e) => e.name === env.name)) c.env = [...(c.env ?? []), env];
      }
    }
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName,
        labels,
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        ownerReferences: [ownerReferenceTo(job)],
        finalizers: [TRACKING_FINALIZER],
      },
      spec,
    };
  }

  /** The delay before another pod may replace failed ones, from the back-off record. */
  function backoffRemaining(job: KubeObject): number {
    const record = backoffs.get(job.metadata.uid!);
    if (!record || record.failures === 0) return 0;
    const delay = Math.min(backoffBase * 2 ** (record.failures - 1), MAX_BACKOFF_MS);
    return Math.max(0, record.lastFailure + delay - now().getTime());
  }

  function recordOutcomes(job: KubeObject, succeeded: KubeObject[], failed: KubeObject[]): void {
    if (succeeded.length === 0 && failed.length === 0) return;
    const record = backoffs.get(job.metadata.uid!) ?? { failures: 0, lastFailure: 0 };
    if (succeeded.length > 0) record.failures = 0;
    record.failures += failed.length;
    for (const pod of failed) record.lastFailure = Math.max(record.lastFailure, finishedAt(pod, now()));
    backoffs.set(job.metadata.uid!, record);
  }

  /**
   * Step one of Kubernetes' finalizer protocol: note newly finished pods in
   * `uncountedTerminatedPods` (Indexed successes straight in completedIndexes), then release
   * their finalizers. The counters take them over in the pass's final status write.
   * `finishing` counts every pod that has not succeeded as failed (the Job has failed).
   */
  async function track(job: KubeObject, pods: KubeObject[], finishing: boolean): Promise<{ job: KubeObject; counts: Counts }> {
    const status = statusOf(job);
    const completions = specOf(job).completions ?? 0;
    const uncounted = { succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(status.uncountedTerminatedPods?.failed ?? [])] };
    const completed = isIndexed(job) ? parseIndexes(status.completedIndexes, completions) : new Set<number>();
    const known = new Set([...uncounted.succeeded, ...uncounted.failed]);
    const release: KubeObject[] = [];
    const newSucceeded: KubeObject[] = [];
    const newFailed: KubeObject[] = [];
    for (const pod of pods.filter(hasFinalizer)) {
      const succeeded = phaseOf(pod) === 'Succeeded';
      if (!succeeded && !isPodFailed(job, pod) && !finishing) continue;
      release.push(pod);
      if (known.has(pod.metadata.uid!)) continue;
      if (succeeded) {
        newSucceeded.push(pod);
        if (!isIndexed(job)) uncounted.succeeded.push(pod.metadata.uid!);
        else {
          const index = completionIndexOf(pod, completions);
          if (index !== undefined) completed.add(index);
        }
      } else {
        newFailed.push(pod);
        if (!isIndexed(job) || completionIndexOf(pod, completions) !== undefined) uncounted.failed.push(pod.metadata.uid!);
      }
    }
    let current = job;
    if (newSucceeded.length > 0 || newFailed.length > 0) {
      const next: JobStatus = { ...status, uncountedTerminatedPods: uncounted };
      if (isIndexed(job)) next.completedIndexes = formatIndexes(completed);
      current = await objects.mutate(Job, job.metadata.namespace, job.metadata.name!, (j) => ({ ...j, status: next }), { subresource: 'status' });
      recordOutcomes(job, newSucceeded, newFailed);
    }
    await Promise.all(release.map(stripFinalizer));
    const succeeded = isIndexed(job) ? completed.size : (status.succeeded ?? 0) + uncounted.succeeded.length;
    return { job: current, counts: { succeeded, failed: (status.failed ?? 0) + uncounted.failed.length, completed } };
  }

  /** Why the Job has failed, if it has. */
  function failure(job: KubeObject, counts: Counts, pods: KubeObject[]): { reason: string; message: string } | undefined {
    if (counts.failed > (specOf(job).backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods)) {
      return { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    }
    const deadline = specOf(job).activeDeadlineSeconds;
    const started = Date.parse(statusOf(job).startTime ?? '');
    if (deadline !== undefined && !specOf(job).suspend && Number.isFinite(started) && now().getTime() - started >= deadline * 1000) {
      return { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    }
    return undefined;
  }

  function wantActive(job: KubeObject, counts: Counts, active: number): number {
    const spec = specOf(job);
    const parallelism = spec.parallelism ?? 1;
    if (spec.completions === undefined || spec.completions === null) return counts.succeeded > 0 ? active : parallelism;
    return Math.max(0, Math.min(parallelism, spec.completions - counts.succeeded));
  }

  /** Kubernetes' manageJob: create or remove pods towards the wanted number of active ones; returns how many stay active. */
  async function manage(job: KubeObject, pods: KubeObject[], counts: Counts): Promise<{ active: number; waiting: boolean }> {
    let active = pods.filter(isActive);
    if (specOf(job).suspend) {
      await removeUncounted(job, active);
      return { active: 0, waiting: false };
    }
    const completions = specOf(job).completions ?? 0;
    if (isIndexed(job)) {
      // Pods for indexes already done, out of range, or run twice are surplus.
      const seen = new Set<number>();
      const surplus = active.filter((pod) => {
        const index = completionIndexOf(pod, completions);
        const bad = index === undefined || counts.completed.has(index) || seen.has(index);
        if (index !== undefined) seen.add(index);
        return bad;
      });
      await removeUncounted(job, surplus);
      active = active.filter((p) => !surplus.includes(p));
    }
    const want = wantActive(job, counts, active.length);
    if (active.length > want) {
      const excess = [...active].sort(deletionOrder).slice(0, active.length - want);
      await removeUncounted(job, excess);
      return { active: want, waiting: false };
    }
    let diff = want - active.length;
    // With podReplacementPolicy Failed, a pod still terminating holds its place until it has failed.
    if (specOf(job).podReplacementPolicy === 'Failed') diff -= countTerminating(pods);
    if (diff <= 0) return { active: active.length, waiting: false };
    if (backoffRemaining(job) > 0) return { active: active.length, waiting: true };
    let indexes: Array<number | undefined> = Array.from({ length: Math.min(diff, BURST) }, () => undefined);
    if (isIndexed(job)) {
      const taken = new Set(pods.filter((p) => isActive(p) || (specOf(job).podReplacementPolicy === 'Failed' && isTerminating(p))).map((p) => completionIndexOf(p, completions)));
      const pending = Array.from({ length: completions }, (_, i) => i).filter((i) => !counts.completed.has(i) && !taken.has(i));
      indexes = pending.slice(0, Math.min(diff, BURST));
    }
    await Promise.all(indexes.map((index) => createPod(objects, Pod, job, podFor(job, index), events)));
    log.debug({ job: job.metadata.name, created: indexes.length }, 'created pods');
    return { active: active.length + indexes.length, waiting: false };
  }

  function isComplete(job: KubeObject, counts: Counts, active: number): boolean {
    const completions = specOf(job).completions;
    if (active > 0) return false;
    return completions === undefined || completions === null ? counts.succeeded > 0 : counts.succeeded >= completions;
  }

  async function writeStatus(job: KubeObject, counts: Counts, active: number, conditions: JobCondition[], extra: Partial<JobStatus>): Promise<void> {
    const old = statusOf(job);
    const fresh = (await objects.list(Pod, job.metadata.namespace, { filter: (p) => controllerOf(p)?.uid === job.metadata.uid })).items;
    const status: JobStatus & Record<string, unknown> = {
      ...old,
      ...extra,
      active,
      succeeded: counts.succeeded,
      failed: counts.failed,
      ready: fresh.filter((p) => isActive(p) && isPodReady(p)).length,
      terminating: countTerminating(fresh),
      uncountedTerminatedPods: {},
    };
    if (conditions.length > 0) status.conditions = conditions;
    if (isIndexed(job)) status.completedIndexes = formatIndexes(counts.completed);
    // Kubernetes leaves zero counters out.
    for (const key of ['active', 'succeeded', 'failed'] as const) if (!status[key]) delete status[key];
    if (sameJson(status, old)) return;
    await objects.mutate(Job, job.metadata.namespace, job.metadata.name!, (current) => ({ ...current, status }), { subresource: 'status' });
  }

  async function sync(initial: KubeObject): Promise<'again' | 'done'> {
    const pods = await claimPods(objects, Pod, initial, selectorOf(initial));
    if (initial.metadata.deletionTimestamp || isJobFinished(initial)) {
      await Promise.all(pods.filter(hasFinalizer).map(stripFinalizer));
      if (isJobFinished(initial)) backoffs.delete(initial.metadata.uid!);
      return 'done';
    }
    const at = timestamp(now());
    const extra: Partial<JobStatus> = {};
    let conditions = [...(statusOf(initial).conditions ?? [])];
    const spec = specOf(initial);
    if (!statusOf(initial).startTime && !spec.suspend) extra.startTime = at;
    let { job, counts } = await track(initial, pods, false);
    const failed = failure({ ...job, status: { ...statusOf(job), ...extra } }, counts, pods);
    if (failed) {
      // The Job has failed: stop its pods; they count as failures as they go.
      const active = pods.filter(isActive);
      await Promise.all(active.map((pod) => deletePod(objects, Pod, job, pod, events)));
      const stopped = (await objects.list(Pod, job.metadata.namespace, { filter: (p) => controllerOf(p)?.uid === job.metadata.uid })).items;
      ({ job, counts } = await track(job, stopped, true));
      conditions = [...conditions, newCondition('Failed', 'True', failed.reason, failed.message, at)];
      log.info({ job: job.metadata.name, reason: failed.reason }, 'job failed');
      events.event(job, 'Warning', failed.reason, failed.message);
      await writeStatus(job, counts, 0, conditions, extra);
      return 'done';
    }
    const { active, waiting } = await manage(job, pods, counts);
    if (isComplete(job, counts, active)) {
      conditions = [...conditions, newCondition('Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', at)];
      extra.completionTime = at;
      log.info({ job: job.metadata.name }, 'job complete');
      events.event(job, 'Normal', 'Completed', 'Job completed');
    } else if (spec.suspend) {
      const suspended = ensureCondition(conditions, newCondition('Suspended', 'True', 'JobSuspended', 'Job suspended', at));
      conditions = suspended.list;
      if (suspended.changed) events.event(job, 'Normal', 'Suspended', 'Job suspended');
    } else {
      const resumed = ensureCondition(conditions, newCondition('Suspended', 'False', 'JobResumed', 'Job resumed', at));
      conditions = resumed.list;
      // The active deadline counts from the resume, as Kubernetes restarts startTime then.
      if (resumed.changed) {
        extra.startTime = at;
        events.event(job, 'Normal', 'Resumed', 'Job resumed');
      }
    }
    await writeStatus(job, counts, active, conditions, extra);
    const deadline = spec.activeDeadlineSeconds !== undefined && !spec.suspend;
    return waiting || deadline || active !== pods.filter(isActive).length ? 'again' : 'done';
  }

  return async (namespace: string, name: string): Promise<'again' | 'done'> => {
    const job = await getOrUndefined(objects, Job, namespace, name);
    await releaseStale(namespace, name, job);
    if (!job) return 'done';
    return sync(job);
  };
}
