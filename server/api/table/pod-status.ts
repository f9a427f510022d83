// The READY, STATUS and RESTARTS cells of a pod, computed the way kubectl has shown them since
// sidecar (restartable init) containers: the first container that is not fine names the status.
import type { KubeObject } from '../objects/types.ts';
import { humanDuration, parseTime } from './duration.ts';
import { at, int, isDeleting, isObj, obj, objs, str, type JsonObject } from './fields.ts';

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

interface Progress {
  reason: string;
  ready: number;
  restarts: number;
  lastRestart: number | undefined;
}

// The status.reason the node lifecycle controller gives pods of a node that stopped reporting.
const NODE_LOST = 'NodeLost';

export function summarizePod(pod: KubeObject, now: Date): PodSummary {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  // A stored pod always has a phase (set to Pending on create); default it for objects not yet through that.
  const phase = str(status.phase) || 'Pending';
  const progress: Progress = { reason: initialReason(status, phase), ready: 0, restarts: 0, lastRestart: undefined };
  const initContainers = objs(spec.initContainers);
  const sidecarNames = new Set(initContainers.filter(isRestartable).map((c) => str(c.name)));
  const total = objs(spec.containers).length + initContainers.filter(isRestartable).length;

  const init = walkInitContainers(status, initContainers.length, sidecarNames, progress);
  if (!init.initializing || conditionIsTrue(status, 'Initialized')) walkContainers(status, init, progress);

  if (isDeleting(pod.metadata) && str(status.reason) === NODE_LOST) progress.reason = 'Unknown';
  else if (isDeleting(pod.metadata) && phase !== 'Succeeded' && phase !== 'Failed') progress.reason = 'Terminating';

  return { ready: `${progress.ready}/${total}`, status: progress.reason, restarts: restartsCell(progress, now) };
}

function initialReason(status: JsonObject, phase: string): string {
  const gated = objs(status.conditions).some((c) => str(c.type) === 'PodScheduled' && str(c.reason) === 'SchedulingGated');
  if (gated) return 'SchedulingGated';
  return str(status.reason) || phase;
}

function isRestartable(container: JsonObject): boolean {
  return str(container.restartPolicy) === 'Always';
}

interface InitOutcome {
  initializing: boolean;
  /** Restarts of sidecars only: once the pod is initialised, plain init containers stop counting. */
  restarts: number;
  lastRestart: number | undefined;
}

/** Stops at the first init container that has not finished, as the kubelet runs them in order. */
function walkInitContainers(status: JsonObject, initCount: number, sidecarNames: Set<string>, progress: Progress): InitOutcome {
  const outcome: InitOutcome = { initializing: false, restarts: 0, lastRestart: undefined };
  const statuses = objs(status.initContainerStatuses);
  for (const [index, container] of statuses.entries()) {
    countRestarts(container, progress);
    const sidecar = sidecarNames.has(str(container.name));
    if (sidecar) {
      outcome.restarts += int(container.restartCount);
      outcome.lastRestart = later(outcome.lastRestart, lastTerminationTime(container));
    }
    const terminated = at(container, 'state', 'terminated');
    if (isObj(terminated) && int(terminated.exitCode) === 0) continue;
    if (sidecar && container.started === true) {
      if (container.ready === true) progress.ready++;
      continue;
    }
    progress.reason = initBlockedReason(container, index, initCount);
    outcome.initializing = true;
    break;
  }
  return outcome;
}

function initBlockedReason(container: JsonObject, index: number, initCount: number): string {
  const terminated = at(container, 'state', 'terminated');
  if (isObj(terminated)) return `Init:${terminatedReason(terminated)}`;
  const waiting = str(at(container, 'state', 'waiting', 'reason'));
  if (waiting !== '' && waiting !== 'PodInitializing') return `Init:${waiting}`;
  return `Init:${index}/${initCount}`;
}

/** Walks from the last container to the first, so the first container's trouble wins. */
function walkContainers(status: JsonObject, init: InitOutcome, progress: Progress): void {
  progress.restarts = init.restarts;
  progress.lastRestart = init.lastRestart;
  let hasRunning = false;
  const statuses = objs(status.containerStatuses);
  for (const container of [...statuses].reverse()) {
    countRestarts(container, progress);
    const waiting = str(at(container, 'state', 'waiting', 'reason'));
    const terminated = at(container, 'state', 'terminated');
    if (waiting !== '') progress.reason = waiting;
    else if (isObj(terminated)) progress.reason = terminatedReason(terminated);
    else if (container.ready === true && isObj(at(container, 'state', 'running'))) {
      hasRunning = true;
      progress.ready++;
    }
  }
  // One container exited 0 while another still runs: the pod is up, not Completed.
  if (progress.reason === 'Completed' && hasRunning) progress.reason = anyConditionTrue(status, 'Ready') ? 'Running' : 'NotReady';
}

function terminatedReason(terminated: JsonObject): string {
  const reason = str(terminated.reason);
  if (reason !== '') return reason;
  const signal = int(terminated.signal);
  return signal !== 0 ? `Signal:${signal}` : `ExitCode:${int(terminated.exitCode)}`;
}

function countRestarts(container: JsonObject, progress: Progress): void {
  progress.restarts += int(container.restartCount);
  progress.lastRestart = later(progress.lastRestart, lastTerminationTime(container));
}

function lastTerminationTime(container: JsonObject): number | undefined {
  return parseTime(at(container, 'lastState', 'terminated', 'finishedAt'));
}

function later(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.max(a, b);
}

function restartsCell(progress: Progress, now: Date): string {
  if (progress.restarts === 0 || progress.lastRestart === undefined) return String(progress.restarts);
  return `${progress.restarts} (${humanDuration(now.getTime() - progress.lastRestart)} ago)`;
}

/** The first condition of a type decides (isPodInitializedConditionTrue). */
function conditionIsTrue(status: JsonObject, type: string): boolean {
  const condition = objs(status.conditions).find((c) => str(c.type) === type);
  return condition !== undefined && str(condition.status) === 'True';
}

/** Any condition of a type being True decides (hasPodReadyCondition). */
function anyConditionTrue(status: JsonObject, type: string): boolean {
  return objs(status.conditions).some((c) => str(c.type) === type && str(c.status) === 'True');
}
