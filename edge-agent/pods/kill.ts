// Killing one container as the kubelet's killContainer does: a Killing event with the
// reason, the preStop hook within the grace period, the stop signal, and SIGKILL once the
// grace is over — at least 2 s after the hook ended, so the stop signal is not lost behind a
// hook that used up the grace. Pod deletion, liveness and startup failures and a failed
// postStart hook all stop a container this way; its exit is recorded by the worker's loop.
import type { Container } from '../../native/index.ts';
import { stopSignalOf, type LiveSlot } from './slot.ts';
import type { Pod } from './types.ts';
import { sendSignal, type PodWorker } from './worker.ts';

/** kuberuntime's minimumGracePeriodInSeconds, given after a preStop hook. */
const MIN_GRACE_AFTER_HOOK_MS = 2_000;
const DEFAULT_GRACE_SECONDS = 30;

/** A container being stopped: when SIGKILL goes out, and the preStop hook while it runs. */
export interface Stopping {
  killAt: number;
  killed: boolean;
  timer?: NodeJS.Timeout;
  hook?: AbortController;
  hookDone?: boolean;
}

/** setTerminationGracePeriod: the deletion's grace, else the failed probe's, else the pod's. */
export function killGraceMs(pod: Pod, probeGraceSeconds?: number): number {
  const seconds = pod.metadata.deletionGracePeriodSeconds ?? probeGraceSeconds ?? pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  return Math.max(0, seconds) * 1000;
}

/** Starts stopping the slot's running container; a container already being stopped is left as it is. */
export function stopContainer(w: PodWorker, slot: LiveSlot, message: string, graceMs: number): void {
  const handle = slot.handle;
  if (!handle || slot.stopping) return;
  const stopping: Stopping = { killAt: Date.now() + Math.max(0, graceMs), killed: false };
  slot.stopping = stopping;
  w.ctx.record(w.lastSpec, { kind: slot.kind, name: slot.spec.name }, 'Normal', 'Killing', message);
  w.ctx.log.info({ pod: w.name, container: slot.spec.name, graceMs, reason: message }, 'stopping container');
  if (graceMs <= 0) return killNow(slot, handle);
  armKill(slot, handle);
  // The kubelet runs preStop only when there is grace left to run it in.
  if (!slot.spec.lifecycle?.preStop || !w.ctx.prober) return void sendSignal(handle, stopSignalOf(slot.stopSignal));
  runPreStop(w, slot, handle, stopping);
}

function runPreStop(w: PodWorker, slot: LiveSlot, handle: Container, stopping: Stopping): void {
  stopping.hook = new AbortController();
  void w.ctx.prober!.runHook('preStop', w.hookTarget(slot, handle), stopping.hook.signal).then((failure) => {
    stopping.hookDone = true;
    if (failure !== undefined && w.active) {
      w.ctx.log.warn({ pod: w.name, container: slot.spec.name, message: failure }, 'preStop hook failed');
      // As the kubelet: the message stays out of the event, where a secret could leak.
      w.ctx.record(w.lastSpec, { kind: slot.kind, name: slot.spec.name }, 'Warning', 'FailedPreStopHook', 'PreStopHook failed');
    }
    // Ended meanwhile, killed, or the agent stopped acting (the next one stops it again).
    if (slot.handle !== handle || slot.stopping !== stopping || stopping.killed) return;
    stopping.killAt = Math.max(stopping.killAt, Date.now() + MIN_GRACE_AFTER_HOOK_MS);
    armKill(slot, handle);
    sendSignal(handle, stopSignalOf(slot.stopSignal));
  });
}

function armKill(slot: LiveSlot, handle: Container): void {
  const stopping = slot.stopping!;
  clearTimeout(stopping.timer);
  stopping.timer = setTimeout(() => graceOver(slot, handle), Math.max(0, stopping.killAt - Date.now()));
  stopping.timer.unref();
}

/** The grace is over: a hook still running is cut short (its end sends the stop signal), else SIGKILL. */
function graceOver(slot: LiveSlot, handle: Container): void {
  const stopping = slot.stopping;
  if (!stopping || slot.handle !== handle || stopping.killed) return;
  if (stopping.hook && !stopping.hookDone) return stopping.hook.abort();
  killNow(slot, handle);
}

function killNow(slot: LiveSlot, handle: Container): void {
  const stopping = slot.stopping!;
  stopping.killed = true;
  clearTimeout(stopping.timer);
  stopping.hook?.abort();
  sendSignal(handle, 'SIGKILL');
}

/** A shorter grace than the one the stop began with (a second deletion, a forced one): SIGKILL by `killAt`. */
export function shortenGrace(slot: LiveSlot, killAt: number): void {
  const stopping = slot.stopping;
  if (!slot.handle || !stopping || stopping.killed || killAt >= stopping.killAt) return;
  stopping.killAt = killAt;
  if (killAt <= Date.now()) return killNow(slot, slot.handle);
  armKill(slot, slot.handle);
}

/** Forgets a stop once the container ended (or the agent stops acting): its timer and hook go. */
export function clearStopping(slot: LiveSlot): void {
  clearTimeout(slot.stopping?.timer);
  slot.stopping?.hook?.abort();
  slot.stopping = undefined;
}
