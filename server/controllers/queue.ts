import { componentLogger } from '../../common/index.ts';

const log = componentLogger('controllers');

export interface WorkQueue {
  add(key: string): void;
  /** Adds the key after a delay (a requeue for something that is not done yet). */
  addAfter(key: string, ms: number): void;
  stop(): Promise<void>;
}

/**
 * client-go's work queue in small: a key is queued at most once, processed by one worker at
 * a time, and retried with exponential back-off (5 ms … 30 s) while its reconcile throws.
 */
export function createWorkQueue(name: string, reconcile: (key: string) => Promise<void>, workers = 4): WorkQueue {
  const queued = new Set<string>();
  const order: string[] = [];
  const active = new Set<string>();
  const dirty = new Set<string>();
  const failures = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let running = 0;
  let stopped = false;
  let idle: (() => void) | undefined;

  function add(key: string): void {
    if (stopped) return;
    if (active.has(key)) {
      dirty.add(key);
      return;
    }
    if (queued.has(key)) return;
    queued.add(key);
    order.push(key);
    pump();
  }

  function pump(): void {
    while (running < workers && order.length > 0 && !stopped) {
      const key = order.shift()!;
      queued.delete(key);
      active.add(key);
      running++;
      void process(key);
    }
  }

  async function process(key: string): Promise<void> {
    try {
      await reconcile(key);
      failures.delete(key);
    } catch (error) {
      const count = (failures.get(key) ?? 0) + 1;
      failures.set(key, count);
      const delay = Math.min(30_000, 5 * 2 ** Math.min(count, 13));
      log.debug({ err: error, controller: name, key, retryInMs: delay }, 'reconcile failed; will retry');
      addAfter(key, delay);
    } finally {
      active.delete(key);
      running--;
      if (dirty.delete(key)) add(key);
      pump();
      if (running === 0 && idle) idle();
    }
  }

  function addAfter(key: string, ms: number): void {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      add(key);
    }, ms);
    timer.unref();
    timers.add(timer);
  }

  return {
    add,
    addAfter,
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      if (running > 0) await new Promise<void>((resolve) => (idle = resolve));
    },
  };
}
