/**
 * kube-scheduler's scheduling queue in small: pods wait in arrival order to be tried one at a
 * time; a pod that fits nowhere is parked until the cluster changes in a way that may help, or
 * until it has waited `retryMs`, whichever comes first.
 */

export interface SchedulingQueue {
  /** Queues the pod for an attempt (taking it out of the parked set). */
  add(key: string): void;
  /** Queues the pod after a delay (a failed binding backs off). */
  addAfter(key: string, ms: number): void;
  /** Parks a pod that fits nowhere. */
  park(key: string): void;
  /** The cluster changed: every parked pod gets another attempt. */
  unparkAll(): void;
  remove(key: string): void;
  pop(): string | undefined;
  stop(): void;
}

export function createSchedulingQueue(onReady: () => void, retryMs: number, now: () => number = Date.now): SchedulingQueue {
  // A Set keeps insertion order, so it is a FIFO without duplicates.
  const active = new Set<string>();
  const parked = new Map<string, number>();
  const timers = new Map<string, NodeJS.Timeout>();
  let stopped = false;

  function add(key: string): void {
    if (stopped) return;
    parked.delete(key);
    clearTimer(key);
    if (active.has(key)) return;
    active.add(key);
    onReady();
  }

  function clearTimer(key: string): void {
    const timer = timers.get(key);
    if (timer) clearTimeout(timer);
    timers.delete(key);
  }

  const sweeper = setInterval(() => {
    const due = now() - retryMs;
    for (const [key, since] of parked) if (since <= due) add(key);
  }, Math.max(10, Math.min(1000, retryMs / 4)));
  sweeper.unref();

  return {
    add,
    addAfter(key, ms) {
      if (stopped) return;
      clearTimer(key);
      const timer = setTimeout(() => {
        timers.delete(key);
        add(key);
      }, ms);
      timer.unref();
      timers.set(key, timer);
    },
    park(key) {
      if (stopped || active.has(key)) return;
      parked.set(key, now());
    },
    unparkAll() {
      for (const key of [...parked.keys()]) add(key);
    },
    remove(key) {
      active.delete(key);
      parked.delete(key);
      clearTimer(key);
    },
    pop() {
      const first = active.values().next();
      if (first.done) return undefined;
      active.delete(first.value);
      return first.value;
    },
    stop() {
      stopped = true;
      clearInterval(sweeper);
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
