// A pod's status exactly as the kubelet reports it (kubelet_pods.go generateAPIPodStatus,
// getPhase, convertToAPIContainerStatuses; status/generate.go for the conditions). Pure:
// the worker hands in what it knows, the status comes back with the condition transition
// times to remember.
import type { NodeFacts } from './spec/fields.ts';
import { qosClass } from './spec/resources.ts';
import type { ConditionRecord, ContainerKind, KubeContainer, Pod, PodRecord, SlotRecord, Terminated } from './types.ts';

/** What the worker knows of one container now. */
export interface SlotView {
  spec: KubeContainer;
  record: SlotRecord | undefined;
  /** Set while the newest container runs. */
  runningSince?: string;
  /** The reason cache: why the container is not running (ErrImagePull, CrashLoopBackOff …). */
  waiting?: { reason: string; message?: string };
  /** What a prober said; undefined means no readiness probe (ready while running). */
  probeReady?: boolean;
  /** What the startup probe said; undefined means none (started while running). */
  probeStarted?: boolean;
}

export interface StatusInput {
  pod: Pod;
  record: PodRecord;
  init: SlotView[];
  app: SlotView[];
  sandboxReady: boolean;
  facts: NodeFacts;
  /** The pod is being deleted (or left the view): nothing restarts any more. */
  deleting: boolean;
  now: string;
}

type Json = Record<string, unknown>;

function terminatedState(t: Terminated): Json {
  return { terminated: { exitCode: t.exitCode, reason: t.reason, ...(t.message && { message: t.message }), ...(t.startedAt && { startedAt: t.startedAt }), finishedAt: t.finishedAt, containerID: t.containerID } };
}

/** ShouldContainerBeRestarted for a container that is not running. */
export function shouldRestart(pod: Pod, kind: ContainerKind, record: SlotRecord | undefined, deleting: boolean): boolean {
  if (deleting) return false;
  const ended = record?.terminated;
  if (!record?.containerId || !ended) return true;
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (policy === 'Never') return false;
  // An init container that succeeded is done; Always means OnFailure for init containers.
  if (policy === 'OnFailure' || kind === 'init') return ended.exitCode !== 0;
  return true;
}

function stateOf(view: SlotView, kind: ContainerKind, input: StatusInput, defaultReason: string): { state: Json; last: Terminated | undefined } {
  const r = view.record;
  if (view.runningSince) return { state: { running: { startedAt: view.runningSince } }, last: r?.last };
  const ended = r?.containerId ? r.terminated : undefined;
  const restarting = shouldRestart(input.pod, kind, r, input.deleting);
  if (ended && !(restarting && view.waiting)) return { state: terminatedState(ended), last: r?.last };
  const waiting = view.waiting ?? { reason: defaultReason };
  return { state: { waiting: { reason: waiting.reason, ...(waiting.message && { message: waiting.message }) } }, last: ended ?? r?.last };
}

const OBJECT_VOLUMES = ['configMap', 'secret', 'downwardAPI', 'projected'];

/**
 * containerStatuses[].volumeMounts (kubelet 1.31, RecursiveReadOnlyMounts on by default):
 * the mounts of a container that was made; object volumes are always mounted read-only.
 */
function mountStatuses(pod: Pod, spec: KubeContainer): Json[] {
  return (spec.volumeMounts ?? []).map((m) => {
    const volume = pod.spec.volumes?.find((v) => v.name === m.name);
    const readOnly = m.readOnly === true || OBJECT_VOLUMES.some((k) => volume?.[k] !== undefined);
    return { name: m.name, mountPath: m.mountPath, ...(readOnly && { readOnly: true, recursiveReadOnly: 'Disabled' }) };
  });
}

export function containerStatus(view: SlotView, kind: ContainerKind, input: StatusInput, defaultReason: string): Json {
  const r = view.record;
  const { state, last } = stateOf(view, kind, input, defaultReason);
  const running = view.runningSince !== undefined;
  // The prober manager: not ready before the startup probe succeeded.
  const started = running && (view.probeStarted ?? true);
  const mounts = r?.containerId ? mountStatuses(input.pod, view.spec) : [];
  return {
    name: view.spec.name,
    state,
    lastState: last ? terminatedState(last) : {},
    // The prober manager marks an init container ready once it exited 0.
    ready: kind === 'init' ? exitOf(state) === 0 : started && (view.probeReady ?? true),
    restartCount: r?.restartCount ?? 0,
    image: r?.image ?? view.spec.image ?? '',
    imageID: r?.imageID ?? '',
    ...(r?.containerId && { containerID: `skerry://${r.containerId}` }),
    started,
    ...(mounts.length > 0 && { volumeMounts: mounts }),
  };
}

interface Counted { state: Json; lastState: Json }
const stateKey = (s: Counted) => Object.keys(s.state)[0] as 'running' | 'terminated' | 'waiting';
const exitOf = (s: Json) => (s.terminated as { exitCode: number } | undefined)?.exitCode;

/** getPhase, plus the terminal phases of a deleted pod whose containers all stopped. */
export function podPhase(pod: Pod, init: Counted[], app: Counted[], input: { terminal?: string; deleting: boolean }): string {
  if (input.terminal) return input.terminal;
  const policy = pod.spec.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let failedInit = 0;
  let initRunning = 0;
  for (const s of init) {
    const key = stateKey(s);
    if (key === 'running') initRunning++;
    if (key === 'terminated') failedInit += exitOf(s.state) !== 0 ? 1 : 0;
    else if (key === 'waiting' && exitOf(s.lastState) !== undefined) failedInit += exitOf(s.lastState) !== 0 ? 1 : 0;
    else pendingInit++;
  }
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const s of app) {
    const key = stateKey(s);
    if (key === 'running') running++;
    else if (key === 'terminated') stopped++, (succeeded += exitOf(s.state) === 0 ? 1 : 0);
    else if (exitOf(s.lastState) !== undefined) stopped++;
    else waiting++;
  }
  if (input.deleting && running === 0 && initRunning === 0) return stopped === succeeded && stopped === app.length ? 'Succeeded' : 'Failed';
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0 || waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped === app.length) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    return policy === 'Never' ? 'Failed' : 'Running';
  }
  return 'Pending';
}

interface Condition { type: string; status: 'True' | 'False'; reason?: string; message?: string }

const goList = (names: string[]) => `[${names.join(' ')}]`;

function initializedCondition(pod: Pod, init: Counted[], app: Counted[], phase: string): Condition {
  if (init.length === 0) return { type: 'Initialized', status: 'True' };
  if (phase === 'Succeeded') return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  const started = app.some((s) => stateKey(s) === 'running' || stateKey(s) === 'terminated' || exitOf(s.lastState) !== undefined);
  if (started) return { type: 'Initialized', status: 'True' };
  const incomplete = (pod.spec.initContainers ?? []).filter((_, i) => exitOf(init[i]!.state) !== 0).map((c) => c.name);
  if (incomplete.length === 0) return { type: 'Initialized', status: 'True' };
  return { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: ${goList(incomplete)}` };
}

function readyConditions(pod: Pod, app: Json[], phase: string): Condition[] {
  const make = (status: 'True' | 'False', reason?: string, message?: string): Condition[] =>
    ['Ready', 'ContainersReady'].map((type) => ({ type, status, ...(reason && { reason }), ...(message && { message }) }));
  if (phase === 'Succeeded') return make('False', 'PodCompleted');
  if (phase === 'Failed') return make('False', 'PodFailed');
  const unready = pod.spec.containers.filter((_, i) => app[i]?.ready !== true).map((c) => c.name);
  return unready.length ? make('False', 'ContainersNotReady', `containers with unready status: ${goList(unready)}`) : make('True');
}

/** Conditions in the kubelet's order, each with its transition time (kept while the status holds). */
function stamped(conditions: Condition[], known: Record<string, ConditionRecord>, now: string): { list: Json[]; records: Record<string, ConditionRecord> } {
  const records: Record<string, ConditionRecord> = {};
  const list = conditions.map((c) => {
    const was = known[c.type];
    const lastTransitionTime = was && was.status === c.status ? was.lastTransitionTime : now;
    records[c.type] = { status: c.status, lastTransitionTime };
    return { type: c.type, status: c.status, lastProbeTime: null, lastTransitionTime, ...(c.reason && { reason: c.reason }), ...(c.message && { message: c.message }) };
  });
  return { list, records };
}

/** The status to report, and the condition records to keep. */
export function podStatus(input: StatusInput): { status: Json; conditions: Record<string, ConditionRecord> } {
  const { pod, record } = input;
  const defaultReason = input.init.length > 0 ? 'PodInitializing' : 'ContainerCreating';
  const init = input.init.map((v) => containerStatus(v, 'init', input, defaultReason));
  const app = input.app.map((v) => containerStatus(v, 'app', input, defaultReason));
  const counted = (s: Json) => s as unknown as Counted;
  const phase = podPhase(pod, init.map(counted), app.map(counted), { terminal: record.terminal, deleting: input.deleting });
  const sandbox: Condition = { type: 'PodReadyToStartContainers', status: input.sandboxReady ? 'True' : 'False' };
  const [ready, containersReady] = readyConditions(pod, app, phase);
  const scheduled: Condition = { type: 'PodScheduled', status: 'True' };
  const conditions = stamped([sandbox, initializedCondition(pod, init.map(counted), app.map(counted), phase), ready!, containersReady!, scheduled], record.conditions, input.now);
  conditions.records.PodScheduled = { status: 'True', lastTransitionTime: record.seenAt };
  conditions.list[4]!.lastTransitionTime = record.seenAt;
  const podIP = input.facts.podIP;
  const status: Json = {
    phase,
    conditions: conditions.list,
    hostIP: input.facts.hostIP,
    hostIPs: [{ ip: input.facts.hostIP }],
    ...(podIP && { podIP, podIPs: [{ ip: podIP }] }),
    ...(record.startTime && { startTime: record.startTime }),
    ...(init.length > 0 && { initContainerStatuses: init }),
    containerStatuses: app,
    qosClass: qosClass(pod),
  };
  return { status, conditions: conditions.records };
}
