import { SkerryError } from '../../common/index.ts';
import type { Watch, WatchEvent } from './types.ts';

/** Where a watcher catches up from: the store's log, read in revision order. */
export interface EventLog {
  /** Events in [start, end) with revision > afterRevision, oldest first, at most `limit`. */
  readAfter(range: KeyRange, afterRevision: number, limit: number): WatchEvent[];
  currentRevision(): number;
  compactRevision(): number;
}

export interface KeyRange {
  start: string;
  end: string;
}

export interface WatchHubOptions {
  /** Live events a watcher may hold undelivered before it is cut off. */
  maxQueuedEvents: number;
  /** Events read from the log per catch-up step. */
  catchUpBatch: number;
}

interface Subscriber {
  range: KeyRange;
  /** The revision of the last event handed to the queue or skipped as outside the range. */
  seenRevision: number;
  catchingUp: boolean;
  queue: WatchEvent[];
  error?: Error;
  closed: boolean;
  wake?: () => void;
}

/**
 * Fans committed events out to watchers. A watcher first catches up from the log in small
 * steps as it consumes, then receives live events; because commits and publishes happen on
 * one thread, the switch from log to live loses and repeats nothing. A watcher that lets its
 * queue grow past the limit is cut off, so writers never wait for readers.
 */
export function createWatchHub(log: EventLog, options: WatchHubOptions) {
  const subscribers = new Set<Subscriber>();

  function fail(subscriber: Subscriber, error: Error): void {
    subscriber.error = error;
    subscribers.delete(subscriber);
    subscriber.wake?.();
  }

  function publish(events: readonly WatchEvent[]): void {
    for (const subscriber of subscribers) {
      if (subscriber.catchingUp) continue;
      for (const event of events) {
        if (event.key >= subscriber.range.start && event.key < subscriber.range.end) subscriber.queue.push(event);
      }
      const last = events[events.length - 1];
      if (last) subscriber.seenRevision = last.modRevision;
      if (subscriber.queue.length > options.maxQueuedEvents) {
        fail(subscriber, new SkerryError('WATCH_TOO_SLOW', `watch on ${JSON.stringify(subscriber.range.start)} held more than ${options.maxQueuedEvents} undelivered events`));
      } else if (subscriber.queue.length > 0) {
        subscriber.wake?.();
      }
    }
  }

  function catchUp(subscriber: Subscriber): void {
    if (subscriber.seenRevision < log.compactRevision()) {
      fail(subscriber, compactedError(subscriber.seenRevision, log.compactRevision()));
      return;
    }
    const events = log.readAfter(subscriber.range, subscriber.seenRevision, options.catchUpBatch);
    subscriber.queue.push(...events);
    const last = events[events.length - 1];
    if (events.length < options.catchUpBatch) {
      subscriber.seenRevision = log.currentRevision();
      subscriber.catchingUp = false;
    } else if (last) {
      subscriber.seenRevision = last.modRevision;
    }
  }

  function subscribe(range: KeyRange, afterRevision: number): Watch {
    const head = log.currentRevision();
    const subscriber: Subscriber = {
      range,
      seenRevision: afterRevision === 0 ? head : afterRevision,
      catchingUp: afterRevision !== 0 && afterRevision < head,
      queue: [],
      closed: false,
    };
    if (afterRevision > head) {
      throw new SkerryError('REVISION_FUTURE', `watch after revision ${afterRevision}, but the store is at ${head}`);
    }
    if (subscriber.catchingUp && afterRevision < log.compactRevision()) {
      throw compactedError(afterRevision, log.compactRevision());
    }
    subscribers.add(subscriber);
    return watchOf(subscriber, catchUp, () => subscribers.delete(subscriber));
  }

  function closeAll(error: Error): void {
    for (const subscriber of subscribers) fail(subscriber, error);
  }

  return { publish, subscribe, closeAll, size: () => subscribers.size };
}

export function compactedError(revision: number, compactRevision: number): SkerryError {
  return new SkerryError(
    'REVISION_COMPACTED',
    `revision ${revision} is older than the compacted revision ${compactRevision}`,
    { revision, compactRevision },
  );
}

function watchOf(subscriber: Subscriber, catchUp: (s: Subscriber) => void, detach: () => void): Watch {
  async function next(): Promise<IteratorResult<WatchEvent>> {
    for (;;) {
      const event = subscriber.queue.shift();
      if (event) return { value: event, done: false };
      if (subscriber.closed) return { value: undefined, done: true };
      if (subscriber.error) {
        subscriber.closed = true;
        throw subscriber.error;
      }
      if (subscriber.catchingUp) {
        catchUp(subscriber);
        continue;
      }
      await new Promise<void>((resolve) => (subscriber.wake = resolve));
      subscriber.wake = undefined;
    }
  }
  function close(): void {
    subscriber.closed = true;
    subscriber.queue.length = 0;
    detach();
    subscriber.wake?.();
  }
  return {
    close,
    [Symbol.asyncIterator]: () => ({
      next,
      return: async () => (close(), { value: undefined, done: true }),
    }),
  };
}
