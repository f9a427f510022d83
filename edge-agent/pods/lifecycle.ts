// What follows a container's start, through the prober seam: the postStart hook (the
// container is not Running until it ends; a failure kills it), then its probes, whose
// verdicts set `started` and `ready` and whose liveness or startup failures restart it.
import type { Container } from '../../native/index.ts';
import type { ProbeKind } from './context.ts';
import { killGraceMs, stopContainer } from './kill.ts';
import type { LiveSlot } from './slot.ts';
import type { PodWorker } from './worker.ts';

/**
 * A container runs: a freshly started app container with a postStart hook runs it first;
 * one adopted from an earlier agent (whose hook ran then) is Running at once.
 */
export function afterStart(w: PodWorker, slot: LiveSlot, handle: Container, startedAt: string, fresh: boolean): void {
  const startedAtMs = fresh ? Date.now() : Date.parse(startedAt);
  if (fresh && slot.kind === 'app' && slot.spec.lifecycle?.postStart && w.ctx.prober) return postStart(w, slot, handle, startedAt, startedAtMs);
  slot.runningSince = startedAt;
  startProbes(w, slot, handle, startedAtMs);
}

function postStart(w: PodWorker, slot: LiveSlot, handle: Container, startedAt: string, startedAtMs: number): void {
  const abort = new AbortController();
  slot.postStart = abort;
  void w.ctx.prober!.runHook('postStart', w.hookTarget(slot, handle), abort.signal).then((failure) => {
    // An exit meanwhile is recorded by the loop, which also cut the hook short; an agent
    // that stops leaves the container as it is (the next one adopts it).
    if (slot.handle !== handle || !w.active) return;
    slot.postStart = undefined;
    if (failure === undefined) {
      slot.runningSince = startedAt;
      startProbes(w, slot, handle, startedAtMs);
    } else postStartFailed(w, slot, failure);
    w.kick();
  });
}

function postStartFailed(w: PodWorker, slot: LiveSlot, failure: string): void {
  w.ctx.log.warn({ pod: w.name, container: slot.spec.name, message: failure }, 'postStart hook failed');
  // As the kubelet: the message goes to the reason cache (the waiting state), not the event.
  w.ctx.record(w.lastSpec, { kind: slot.kind, name: slot.spec.name }, 'Warning', 'FailedPostStartHook', 'PostStartHook failed');
  slot.waiting = { reason: 'PostStartHookError', message: failure };
  stopContainer(w, slot, 'FailedPostStartHook', killGraceMs(w.lastSpec));
}

/** The app container's probes; init containers have none (the kubelet probes only restartable ones). */
function startProbes(w: PodWorker, slot: LiveSlot, handle: Container, startedAtMs: number): void {
  const prober = w.ctx.prober;
  if (!prober || slot.kind !== 'app') return;
  const verdict = (field: 'probeReady' | 'probeStarted', value: boolean) => {
    if (slot.handle !== handle || slot[field] === value) return;
    slot[field] = value;
    w.kick();
  };
  const watch = prober.watch({
    ...w.hookTarget(slot, handle), startedAtMs,
    setReady: (ready) => verdict('probeReady', ready),
    setStarted: (started) => verdict('probeStarted', started),
    restart: (probe, graceSeconds) => probeRestart(w, slot, handle, probe, graceSeconds),
    event: (type, reason, message) => w.ctx.record(w.lastSpec, { kind: slot.kind, name: slot.spec.name }, type, reason, message),
    terminating: () => !w.pod || Boolean(w.pod.metadata.deletionTimestamp),
  });
  Object.assign(slot, { probe: watch, probeReady: watch.ready, probeStarted: watch.started });
}

/** computePodActions for a failed liveness or startup probe: kill, and say whether it comes back. */
function probeRestart(w: PodWorker, slot: LiveSlot, handle: Container, probe: Exclude<ProbeKind, 'readiness'>, graceSeconds: number | undefined): void {
  if (slot.handle !== handle || slot.stopping) return;
  const restarts = (w.lastSpec.spec.restartPolicy ?? 'Always') !== 'Never';
  const message = `Container ${slot.spec.name} failed ${probe} probe${restarts ? ', will be restarted' : ''}`;
  stopContainer(w, slot, message, killGraceMs(w.pod ?? w.lastSpec, graceSeconds));
}
