// Stream requests waiting for their node to dial in. Each id is single use, belongs to one
// node, and lapses after the answer timeout; a node cannot take another node's stream.
import crypto from 'node:crypto';

export interface Waiter<T> {
  id: string;
  /** Settles with the node's call, or rejects when the time is up or the waiter is cancelled. */
  arrived: Promise<T>;
  cancel(reason: Error): void;
}

export type Claim<T> = { ok: true; deliver(value: T): void } | { ok: false; reason: string };

export interface PendingStreams<T> {
  wait(node: string, timeoutMs: number, onTimeout: () => Error): Waiter<T>;
  /** The waiter for `id` if `node` may answer it; it leaves the registry either way. */
  claim(id: string, node: string): Claim<T>;
  size(): number;
  /** Rejects every waiter (the server stops). */
  clear(reason: Error): void;
}

export function createPendingStreams<T>(): PendingStreams<T> {
  const waiting = new Map<string, { node: string; resolve(value: T): void; reject(error: Error): void; timer: NodeJS.Timeout }>();

  function wait(node: string, timeoutMs: number, onTimeout: () => Error): Waiter<T> {
    const id = crypto.randomBytes(16).toString('hex');
    let cancel!: (reason: Error) => void;
    const arrived = new Promise<T>((resolve, reject) => {
      const drop = (error: Error) => {
        clearTimeout(entry.timer);
        waiting.delete(id);
        reject(error);
      };
      const entry = { node, resolve: (value: T) => (clearTimeout(entry.timer), resolve(value)), reject: drop, timer: setTimeout(() => drop(onTimeout()), timeoutMs) };
      waiting.set(id, entry);
      cancel = drop;
    });
    return { id, arrived, cancel };
  }

  function claim(id: string, node: string): Claim<T> {
    const entry = waiting.get(id);
    if (!entry) return { ok: false, reason: `no stream ${id} is waiting (it timed out, was cancelled, or was answered already)` };
    // A node that names another node's stream learns nothing and spoils nothing: the owner may still answer.
    if (entry.node !== node) return { ok: false, reason: `stream ${id} is not for node ${node}` };
    waiting.delete(id);
    return { ok: true, deliver: entry.resolve };
  }

  return {
    wait,
    claim,
    size: () => waiting.size,
    clear(reason) {
      for (const entry of [...waiting.values()]) entry.reject(reason);
    },
  };
}
