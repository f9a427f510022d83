// A running pod's sync, as steps: images → volumes → sandbox → init containers →
// containers. Every image the pod needs is there before anything of the pod is made (an
// edge node pulls all while the link is up, and a pod whose image cannot be had leaves no
// namespaces behind); volumes come before the sandbox as in the kubelet, so a missing
// ConfigMap does not make and break a sandbox on every retry. Each step is idempotent: it
// does only what is missing. A container's rootfs → bundle → start are its own steps.
import { backoffRemaining, goDuration, nextBackoff } from './backoff.ts';
import { ensureSlotImage, startContainer } from './containers.ts';
import { createSandbox, podHostname, readSandbox, readSandboxFile, saveSandbox } from './host/sandbox.ts';
import { detachNetwork, networkRef, writePodNetworkFiles } from './host/network.ts';
import type { LiveSlot } from './slot.ts';
import { MountError } from './spec/errors.ts';
import { shouldRestart } from './status.ts';
import { runSteps, type Step } from './steps.ts';
import { cleanUpRuntime } from './stop-pod.ts';
import { setUpVolumes } from './volumes/index.ts';
import { sendSignal, type PodWorker } from './worker.ts';

/** Whether the slot may start again: an init container not yet succeeded, an app container its policy restarts. */
function mayStart(w: PodWorker, slot: LiveSlot): boolean {
  if (slot.handle) return false;
  // An init container that succeeded runs again only in a new sandbox; its start step sees to its image then.
  if (slot.kind === 'init') return !slot.record.containerId || slot.record.terminated?.exitCode !== 0;
  return shouldRestart(w.pod!, 'app', slot.record, false);
}

function imagesStep(w: PodWorker): 'done' | 'wait' {
  let all = true;
  for (const slot of w.slots.values()) {
    if (slot.image || !mayStart(w, slot)) continue;
    if (!ensureSlotImage(w.ctx, w.pod!, slot, () => w.kick())) all = false;
  }
  return all ? 'done' : 'wait';
}

async function volumesStep(w: PodWorker): Promise<'done' | 'wait'> {
  try {
    const claims = await mountClaims(w);
    w.volumes = setUpVolumes(w.pod!, w.paths, w.ctx.objects, w.facts, claims);
    w.lastMountFailure = undefined;
    return 'done';
  } catch (error) {
    if (!(error instanceof MountError)) throw error;
    if (w.lastMountFailure !== error.message) w.ctx.record(w.pod!, undefined, 'Warning', 'FailedMount', error.message);
    w.lastMountFailure = error.message;
    // The kubelet retries mounts on its own; a changed object also wakes the pod (resync).
    w.wakeIn(10_000);
    return 'wait';
  }
}

/** Each persistentVolumeClaim volume's host directory, mounted by the node's volume manager. */
async function mountClaims(w: PodWorker): Promise<Map<string, string>> {
  const mounted = new Map<string, string>();
  for (const volume of w.pod!.spec.volumes ?? []) {
    const claimName = volume.persistentVolumeClaim?.claimName;
    if (!claimName) continue;
    if (!w.ctx.volumes) throw new MountError(volume.name, 'this node has no volume manager for persistentVolumeClaim volumes');
    try {
      mounted.set(volume.name, await w.ctx.volumes.mount(w.pod!, claimName));
    } catch (error) {
      throw new MountError(volume.name, (error as Error).message);
    }
  }
  return mounted;
}

async function sandboxStep(w: PodWorker): Promise<'done' | 'made' | 'wait'> {
  const found = readSandbox(w.paths.run);
  if (found) return (w.sandbox = found), 'done';
  const hadOne = [...w.slots.values()].some((s) => s.record.sandboxId);
  // A sandbox that is no longer whole (a reboot) may still hold an address: give it back first.
  await detachNetwork(w, readSandboxFile(w.paths.run));
  try {
    w.sandbox = await createSandbox(w.paths.run, w.pod!, w.ctx.node);
  } catch (error) {
    w.ctx.record(w.pod!, undefined, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(error as Error).message}`);
    w.wakeIn(10_000);
    return 'wait';
  }
  w.cleanedUp = false;
  if (hadOne) w.ctx.record(w.pod!, undefined, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
  // Containers still in the namespaces of a sandbox that is gone (its files were removed) start again in the new one.
  for (const slot of w.slots.values()) if (slot.handle && slot.record.sandboxId !== w.sandbox.id) sendSignal(slot.handle, 'SIGKILL');
  return 'made';
}

/** Wires the sandbox to the pod network (once per sandbox) and writes the pod's resolv.conf and hosts file. */
async function networkStep(w: PodWorker): Promise<'done' | 'made' | 'wait'> {
  const sandbox = w.sandbox!;
  const network = w.ctx.network;
  if (!network || w.pod!.spec.hostNetwork || sandbox.network) return 'done';
  try {
    sandbox.network = await network.attach(networkRef(w, sandbox));
  } catch (error) {
    const message = `Failed to create pod sandbox: plugin type="skerry" failed (add): ${(error as Error).message}`;
    w.ctx.record(w.pod!, undefined, 'Warning', 'FailedCreatePodSandBox', message);
    w.ctx.log.warn({ pod: w.name, err: error }, 'pod network setup failed');
    w.wakeIn(5_000);
    return 'wait';
  }
  writePodNetworkFiles(w.paths.run, w.pod!, sandbox.network, podHostname(w.pod!));
  saveSandbox(w.paths.run, sandbox);
  return 'made';
}

/** Starts the slot's next container unless it is backing off; true when it runs. */
async function startIfDue(w: PodWorker, slot: LiveSlot): Promise<boolean> {
  const r = slot.record;
  const now = Date.now();
  if (r.containerId && r.terminated) {
    const finished = slot.finishedAtMs ?? Date.parse(r.terminated.finishedAt);
    const wait = backoffRemaining(slot.crashBackoff, finished, now, w.ctx.backoff);
    if (wait > 0) return backingOff(w, slot, wait), false;
    slot.crashBackoff = nextBackoff(slot.crashBackoff, finished, now, w.ctx.backoff);
  }
  const handle = await startContainer({ ctx: w.ctx, pod: w.pod!, paths: w.paths, sandbox: w.sandbox!, volumes: w.volumes!, slot, facts: w.facts, wake: () => w.kick() });
  if (!handle) {
    // A failed create is tried again after the first back-off step (the kubelet resyncs a pod
    // in error every 10 s); image waits have timers of their own.
    if (slot.waiting?.reason.startsWith('CreateContainer')) w.wakeIn(Math.max(1_000, w.ctx.backoff.initialMs));
    return false;
  }
  w.persist();
  w.watch(slot, handle, r.startedAt!, true);
  return true;
}

function backingOff(w: PodWorker, slot: LiveSlot, waitMs: number): void {
  const { name, namespace, uid } = w.pod!.metadata;
  const pod = `${name}_${namespace}(${uid})`;
  slot.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(slot.crashBackoff!.delayMs)} restarting failed container=${slot.spec.name} pod=${pod}` };
  const finished = slot.record.terminated!.finishedAt;
  if (slot.backoffNoticeFor !== finished) {
    w.ctx.record(w.pod!, { kind: slot.kind, name: slot.spec.name }, 'Warning', 'BackOff', `Back-off restarting failed container ${slot.spec.name} in pod ${pod}`);
    slot.backoffNoticeFor = finished;
  }
  w.wakeIn(waitMs);
}

/** Init containers one at a time, each to success, in the current sandbox. */
async function initStep(w: PodWorker): Promise<'done' | 'wait'> {
  for (const slot of w.slotsOf('init')) {
    if (slot.handle) return 'wait';
    const r = slot.record;
    const here = r.sandboxId === w.sandbox!.id;
    if (here && r.terminated?.exitCode === 0) continue;
    if (here && r.terminated && (w.pod!.spec.restartPolicy ?? 'Always') === 'Never') {
      w.record.terminal = 'Failed';
      return 'wait';
    }
    await startIfDue(w, slot);
    return 'wait';
  }
  return 'done';
}

/** App containers: start what is not running and should be; then see whether the pod is done. */
async function appStep(w: PodWorker): Promise<'done'> {
  const slots = w.slotsOf('app');
  for (const slot of slots) {
    // As the kubelet, the next container starts only once this one's postStart hook ended.
    if (slot.postStart) break;
    if (slot.handle || !shouldRestart(w.pod!, 'app', slot.record, false)) continue;
    await startIfDue(w, slot);
    if (slot.postStart) break;
  }
  const finished = slots.every((s) => !s.handle && s.record.containerId && s.record.terminated && !shouldRestart(w.pod!, 'app', s.record, false));
  if (finished) w.record.terminal = slots.every((s) => s.record.terminated!.exitCode === 0) ? 'Succeeded' : 'Failed';
  return 'done';
}

const POD_STEPS: ReadonlyArray<Step<PodWorker>> = [
  { name: 'images', run: imagesStep },
  { name: 'volumes', run: volumesStep },
  { name: 'sandbox', run: sandboxStep },
  { name: 'network', run: networkStep },
  { name: 'init containers', run: initStep },
  { name: 'containers', run: appStep },
];

export async function runPod(w: PodWorker): Promise<void> {
  await runSteps(POD_STEPS, w, w.ctx.log, { pod: w.name });
  if (!w.record.terminal) return;
  // Done for good (restartPolicy and exits say so): the sandbox goes, the status stays.
  w.persist();
  w.ctx.log.info({ pod: w.name, phase: w.record.terminal }, 'pod finished');
  await cleanUpRuntime(w);
}
