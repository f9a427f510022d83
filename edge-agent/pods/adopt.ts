// Crash-only restarts: a new agent finds the containers an earlier one started (the
// runtime's state dirs, with the annotations set at start) and takes them over as they are
// — a running container keeps running, with its id, pid and restart count. A container the
// pod record names but the runtime no longer has (a reboot cleared /run) ended unseen:
// it is recorded as terminated, reason Unknown, exit code 255, as containerd reports it.
import { findContainerCgroup, type Container } from '../../native/index.ts';
import { removeContainer } from './containers.ts';
import { rfc3339 } from './events.ts';
import { slotKey, terminationOf, type LiveSlot } from './slot.ts';
import type { ContainerKind } from './types.ts';
import type { PodWorker } from './worker.ts';

export const POD_UID_ANNOTATION = 'io.kubernetes.pod.uid';
export const NODE_ANNOTATION = 'skerry.io/node';

export interface Annotated {
  kind: ContainerKind;
  name: string;
  attempt: number;
}

export function annotationsOf(container: Container): Annotated {
  const a = container.record.annotations;
  return {
    kind: a['skerry.io/container-kind'] === 'init' ? 'init' : 'app',
    name: a['io.kubernetes.container.name'] ?? '',
    attempt: Number(a['io.kubernetes.container.restartCount'] ?? 0),
  };
}

/** The slot's record takes a container it did not know of (the agent died between start and write). */
function takeOver(slot: LiveSlot, container: Container, attempt: number): void {
  const r = slot.record;
  const a = container.record.annotations;
  if (r.containerId && r.terminated) r.last = r.terminated;
  delete r.terminated;
  Object.assign(r, {
    containerId: container.record.id, restartCount: attempt, startedAt: rfc3339(Date.parse(container.record.created)),
    image: a['skerry.io/image'], imageID: a['skerry.io/image-id'], sandboxId: a['skerry.io/sandbox-id'],
  });
}

async function adoptOne(w: PodWorker, container: Container): Promise<string | undefined> {
  const { kind, name, attempt } = annotationsOf(container);
  const slot = w.slots.get(slotKey(kind, name));
  const r = slot?.record;
  const stale = !slot || (r!.containerId !== container.record.id && r!.containerId !== undefined && attempt < r!.restartCount);
  if (stale) {
    // Not the newest of its slot (or of no slot at all): an older attempt nobody removed.
    await removeContainer(w.ctx, w.paths, container.record.id, container);
    return undefined;
  }
  if (r!.containerId !== container.record.id) takeOver(slot!, container, attempt);
  if (container.running()) {
    slot!.stopSignal = container.record.annotations['skerry.io/stop-signal'];
    w.watch(slot!, container, r!.startedAt ?? rfc3339(Date.parse(container.record.created)));
  } else {
    const exit = await container.wait();
    r!.terminated = terminationOf(exit, r!, rfc3339());
    await removeContainer(w.ctx, w.paths, container.record.id, container);
  }
  return container.record.id;
}

export async function adopt(w: PodWorker, containers: Container[]): Promise<void> {
  const sorted = [...containers].sort((a, b) => annotationsOf(a).attempt - annotationsOf(b).attempt);
  const seen = new Set<string>();
  for (const container of sorted) {
    const id = await adoptOne(w, container);
    if (id) seen.add(id);
  }
  for (const slot of w.slots.values()) {
    const r = slot.record;
    if (!r.containerId || r.terminated || seen.has(r.containerId)) continue;
    r.terminated = terminationOf({ exitCode: null, oomKilled: false }, r, rfc3339());
    // What a reboot would have cleared: a cgroup left by a container killed without its runtime.
    await findContainerCgroup(r.containerId)?.destroy().catch(() => undefined);
    await removeContainer(w.ctx, w.paths, r.containerId, undefined);
  }
  if (containers.length > 0) w.ctx.log.info({ pod: w.name, adopted: seen.size, running: [...w.slots.values()].filter((s) => s.handle).length }, 'adopted containers');
  w.persist();
}
