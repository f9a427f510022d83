// Stopping a pod as the kubelet does: on deletion (or when the pod left the view) every
// running container runs its preStop hook, gets its stop signal (SIGTERM unless the image
// says otherwise), then SIGKILL once the grace period is over; when all have ended, the
// pod's namespaces, mounts, bundles and rendered volumes go, and the final status is reported.
import fs from 'node:fs';
import { unmountAll } from './host/mounts.ts';
import { readSandboxFile, removeSandbox } from './host/sandbox.ts';
import { detachNetwork } from './host/network.ts';
import { shortenGrace, stopContainer } from './kill.ts';
import type { PodWorker } from './worker.ts';

const DEFAULT_GRACE_SECONDS = 30;

/** The grace period now: the deletion's, else the spec's; a pod that left the view while stopping is forced. */
function graceMs(w: PodWorker): number {
  if (!w.pod) return w.terminating?.inView ? 0 : (w.lastSpec.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
  const meta = w.pod.metadata;
  return Math.max(0, meta.deletionGracePeriodSeconds ?? w.pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
}

export async function terminate(w: PodWorker): Promise<void> {
  const now = Date.now();
  const deadline = now + graceMs(w);
  if (!w.terminating) {
    w.terminating = { deadline, inView: Boolean(w.pod) };
    w.ctx.log.info({ pod: w.name, graceMs: deadline - now, inView: Boolean(w.pod) }, 'stopping pod');
  } else if (deadline < w.terminating.deadline) w.terminating.deadline = deadline;
  // Each container: preStop, stop signal, SIGKILL at the deadline (kill.ts); one already
  // stopping (a failed liveness probe) keeps its stop, cut short by a shorter deadline.
  for (const slot of w.slots.values()) {
    if (!slot.handle) continue;
    if (slot.stopping) shortenGrace(slot, w.terminating.deadline);
    else stopContainer(w, slot, `Stopping container ${slot.spec.name}`, w.terminating.deadline - now);
  }
  // Exits wake the worker; the last one finds nothing running.
  if ([...w.slots.values()].some((s) => s.handle)) return w.report();
  if (!w.cleanedUp) await cleanUpRuntime(w);
  if (w.pod) return w.report();
  // Gone from the view: nothing of the pod stays on the node.
  for (const dir of [w.paths.state, w.paths.logs]) fs.rmSync(dir, { recursive: true, force: true });
  w.ctx.images.forget(`${w.uid}/`);
  w.ctx.log.info({ pod: w.name }, 'pod removed');
  w.gone();
}

/** A pod that finished (Succeeded or Failed) keeps its status; its sandbox is gone. */
export async function settleTerminal(w: PodWorker): Promise<void> {
  if (!w.cleanedUp) await cleanUpRuntime(w);
  w.report();
}

/** Removes the pod's namespaces, tmpfs volumes, rendered volumes and bundles under the pods root. */
export async function cleanUpRuntime(w: PodWorker): Promise<void> {
  for (const slot of w.slots.values()) slot.probe?.stop();
  await detachNetwork(w, readSandboxFile(w.paths.run));
  removeSandbox(w.paths.run);
  if (fs.existsSync(w.paths.run)) {
    unmountAll(w.paths.run);
    await fs.promises.rm(w.paths.run, { recursive: true, force: true });
  }
  w.sandbox = undefined;
  w.volumes = undefined;
  w.cleanedUp = true;
}
