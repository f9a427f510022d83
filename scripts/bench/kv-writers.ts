// The store's acknowledged writes, measured in rounds that alternate with the floors.
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqliteStore } from '../../storage/kv/index.ts';
import { Samples, type Summary } from './stats.ts';
import { bareFloor, cpuMicros, sqlFloor, throughput, type ThroughputResult, type Window } from './kv-floors.ts';
import { freshFile, valueFor, writerKey } from './kv-values.ts';

export interface StoreWriters {
  /** Lets the writers run for `ms`, then parks them; counts the writes acknowledged meanwhile (`measure` false: a warm-up, recorded nowhere). */
  run(ms: number, measure?: boolean): Promise<Window>;
  latency: Samples;
  stats(): Promise<{ commits: number; writesPerCommit: number; creates: number; updates: number; failed: number; loopDelay: Summary; compactRevision: number }>;
  close(): Promise<void>;
}

/**
 * `writers` async loops on one store, each awaiting one write at a time: a key is created,
 * then updated three times with its modRevision (an API server's update-heavy mix), then the
 * next key. Between runs the loops are parked, so a floor can run undisturbed.
 */
export async function storeWriters(dir: string, writers: number): Promise<StoreWriters> {
  let measuring = false;
  let commits = 0;
  let committedWrites = 0;
  const store = openSqliteStore({
    file: freshFile(dir, `store-${writers}w`),
    onCommit: (writes) => {
      if (measuring) {
        commits += 1;
        committedWrites += writes;
      }
    },
  });
  const latency = new Samples(1 << 16);
  const loopDelay = new LoopDelay();
  let acked = 0;
  let creates = 0;
  let updates = 0;
  let failed = 0;
  let stop = false;
  let open = (): void => undefined;
  let gate: Promise<void> | undefined = new Promise<void>((resolve) => (open = resolve));
  let parked = 0;
  let allParked = (): void => undefined;

  async function writer(w: number): Promise<void> {
    let modRevision = 0;
    for (let j = 0; ; j++) {
      while (gate && !stop) {
        parked += 1;
        if (parked === writers) allParked();
        await gate;
        parked -= 1;
      }
      if (stop) return;
      const key = writerKey(w, j);
      const value = valueFor(w * 7 + j);
      const create = j % 4 === 0;
      const started = performance.now();
      try {
        const kv = create ? await store.create(key, value) : await store.update(key, value, modRevision);
        modRevision = kv.modRevision;
        if (measuring) {
          latency.push(performance.now() - started);
          acked += 1;
          if (create) creates += 1;
          else updates += 1;
        }
      } catch (error) {
        failed += 1;
        if (failed > 100) throw error;
      }
    }
  }

  function park(): Promise<void> {
    gate = new Promise<void>((resolve) => (open = resolve));
    return parked === writers ? Promise.resolve() : new Promise<void>((resolve) => (allParked = resolve));
  }
  function unpark(): void {
    gate = undefined;
    open();
  }

  const loops = Array.from({ length: writers }, (_, w) => writer(w));
  await new Promise<void>((resolve) => (parked === writers ? resolve() : (allParked = resolve)));
  return {
    latency,
    async run(ms, measure = true) {
      const before = acked;
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      measuring = measure;
      if (measure) loopDelay.start();
      unpark();
      await sleep(ms);
      const parkedAll = park();
      measuring = false;
      loopDelay.stop();
      const window = { writes: acked - before, ms: performance.now() - t0, cpuUs: cpuMicros(cpu) };
      await parkedAll;
      return window;
    },
    async stats() {
      return {
        commits,
        writesPerCommit: commits ? committedWrites / commits : 0,
        creates,
        updates,
        failed,
        loopDelay: loopDelay.samples.summary(),
        compactRevision: await store.compactRevision(),
      };
    },
    async close() {
      stop = true;
      open();
      await Promise.all(loops);
      await store.close();
    },
  };
}

/**
 * How late a 1 ms timer fires, sampled while running: a commit, a checkpoint or a compaction
 * step holds the event loop for that long (perf_hooks' monitor cannot be paused and resumed).
 */
export class LoopDelay {
  readonly samples = new Samples(1 << 12);
  private timer: NodeJS.Timeout | undefined;

  start(): void {
    let due = performance.now() + 1;
    const tick = () => {
      const now = performance.now();
      this.samples.push(Math.max(0, now - due));
      due = now + 1;
      this.timer = setTimeout(tick, 1);
    };
    this.timer = setTimeout(tick, 1);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

export interface WriteComparison {
  writers: number;
  rounds: number;
  roundMs: number;
  bareFloor: ThroughputResult & { transactionLatency: Summary };
  sqlFloor: ThroughputResult & { transactionLatency: Summary };
  store: ThroughputResult & { writeLatency: Summary } & Awaited<ReturnType<StoreWriters['stats']>>;
  sqliteVersion: string;
}

export async function compareWrites(dir: string, writers: number, rounds: number, roundMs: number, warmupMs: number): Promise<WriteComparison> {
  const bare = bareFloor(dir, writers);
  const sql = sqlFloor(dir, writers);
  const store = await storeWriters(dir, writers);
  bare.run(warmupMs);
  sql.run(warmupMs);
  await store.run(warmupMs, false);
  bare.latency.length = sql.latency.length = 0;
  const windows = { bare: [] as Window[], sql: [] as Window[], store: [] as Window[] };
  for (let r = 0; r < rounds; r++) {
    windows.bare.push(bare.run(roundMs));
    windows.sql.push(sql.run(roundMs));
    windows.store.push(await store.run(roundMs));
  }
  const stats = await store.stats();
  bare.close();
  sql.close();
  await store.close();
  return {
    writers,
    rounds,
    roundMs,
    bareFloor: { ...throughput(windows.bare), transactionLatency: bare.latency.summary() },
    sqlFloor: { ...throughput(windows.sql), transactionLatency: sql.latency.summary() },
    store: { ...throughput(windows.store), writeLatency: store.latency.summary(), ...stats },
    sqliteVersion: bare.sqliteVersion,
  };
}

// ---------------------------------------------------------------------------------------
// Scenario 2: watch delivery latency.

