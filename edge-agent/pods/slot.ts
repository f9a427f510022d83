// One container of a pod as the worker tracks it: the durable record (restart count, last
// states) plus what only this process knows (the running handle, the reason cache, the
// restart back-off, what the prober said).
import type { Container } from '../../native/index.ts';
import type { BackoffEntry } from './backoff.ts';
import type { ReadyImage } from './images.ts';
import type { Stopping } from './kill.ts';
import type { ContainerKind, KubeContainer, SlotRecord, Terminated } from './types.ts';

export interface LiveSlot {
  kind: ContainerKind;
  spec: KubeContainer;
  /** The same object as in the pod record: changing it changes what is persisted. */
  record: SlotRecord;
  handle?: Container;
  runningSince?: string;
  /** The image the next start uses, once the pod's images step has it (cleared at each exit: Always pulls again). */
  image?: ReadyImage;
  /** The image's StopSignal, for graceful stops. */
  stopSignal?: string;
  waiting?: { reason: string; message?: string };
  /** When the newest container ended, to the millisecond (the record keeps whole seconds). */
  finishedAtMs?: number;
  crashBackoff?: BackoffEntry;
  /** The finish already announced with a BackOff event, so each wait is announced once. */
  backoffNoticeFor?: string;
  /** The last Failed event's message, so a repeated failure is not recorded on every sync. */
  lastFailure?: string;
  /** What the prober said; undefined: no verdict needed (ready, started while running). */
  probeReady?: boolean;
  probeStarted?: boolean;
  probe?: { stop(): void };
  /** Set while the postStart hook runs: the container is not Running yet, later containers wait. */
  postStart?: AbortController;
  /** Set while the container is being stopped (preStop, stop signal, SIGKILL timer). */
  stopping?: Stopping;
}

export const slotKey = (kind: ContainerKind, name: string) => `${kind}:${name}`;

/** The record after a new container of the slot started. */
export function recordStarted(record: SlotRecord, started: { id: string; at: string; image: string; imageID: string; sandboxId: string; attempt: number }): void {
  if (record.containerId && record.terminated) record.last = record.terminated;
  delete record.terminated;
  record.containerId = started.id;
  record.restartCount = started.attempt;
  record.startedAt = started.at;
  record.image = started.image;
  record.imageID = started.imageID;
  record.sandboxId = started.sandboxId;
}

/** The attempt number the next container of the slot gets (its restartCount and log name). */
export function nextAttempt(record: SlotRecord): number {
  return record.containerId ? record.restartCount + 1 : record.restartCount;
}

/** How an exit reads in containerStatuses: OOMKilled, Completed, Error, or Unknown when nobody saw it. */
export function terminationOf(exit: { exitCode: number | null; oomKilled: boolean; exitedAt?: string }, record: SlotRecord, finishedAt: string): Terminated {
  const exitCode = exit.exitCode ?? 255;
  const reason = exit.oomKilled ? 'OOMKilled' : exit.exitCode === null ? 'Unknown' : exitCode === 0 ? 'Completed' : 'Error';
  return {
    exitCode,
    reason,
    ...(record.startedAt && { startedAt: record.startedAt }),
    finishedAt: exit.exitedAt ? exit.exitedAt.replace(/\.\d+Z$/, 'Z') : finishedAt,
    containerID: `skerry://${record.containerId}`,
  };
}

/** The image's StopSignal ("SIGQUIT", "QUIT" or "3"), else SIGTERM. */
export function stopSignalOf(signal: string | undefined): NodeJS.Signals | number {
  if (!signal) return 'SIGTERM';
  if (/^\d+$/.test(signal)) return Number(signal);
  return (signal.startsWith('SIG') ? signal : `SIG${signal}`) as NodeJS.Signals;
}
