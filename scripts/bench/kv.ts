/**
 * Benchmarks of the revisioned store (DESIGN §3, storage/kv) on its SQLite backend:
 * acknowledged write throughput against the bare-SQLite floor at the same durability,
 * watch delivery latency with many watchers, and listing 10,000 keys.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { openSqliteStore, type SqliteStoreOptions, type Watch } from '../../storage/kv/index.ts';
import { openDatabase } from '../../storage/kv/sqlite/open.ts';
import { prepareStatements } from '../../storage/kv/sqlite/statements.ts';
import type { Bench, BenchContext, BenchResult, ResultRow } from './report.ts';
import { median, Samples, type Summary } from './stats.ts';

const VALUE_BYTES = 1024;
const TARGETS = {
  writes1: 2_500,
  writes16: 20_000,
  watchP99Ms: 10,
  list10kMs: 100,
};

// ---------------------------------------------------------------------------------------
// Values: Kubernetes-like objects serialized to exactly 1 KiB of JSON.

/** A Pod-shaped object, padded by one annotation so that its JSON is exactly `bytes` long. */
export function sampleValue(i: number, bytes = VALUE_BYTES): Buffer {
  const object = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-${i.toString(36)}-7f9c6d`,
      namespace: 'default',
      uid: randomUUID(),
      creationTimestamp: new Date(1_700_000_000_000 + i * 1000).toISOString(),
      labels: { app: 'web', tier: 'frontend', 'pod-template-hash': '7f9c6d' },
      annotations: { 'skerry.io/bench-padding': '' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7f9c6d', controller: true }],
    },
    spec: {
      nodeName: `edge-${i % 8}`,
      restartPolicy: 'Always',
      containers: [
        {
          name: 'web',
          image: 'registry.local/web:1.4.2',
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          env: [{ name: 'MODE', value: 'edge' }],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        },
      ],
    },
    status: {
      phase: 'Running',
      podIP: `10.42.${i % 256}.${(i >> 8) % 256}`,
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(1_700_000_000_000).toISOString() }],
    },
  };
  const bare = Buffer.byteLength(JSON.stringify(object));
  if (bare > bytes) throw new Error(`sample object is ${bare} bytes, more than ${bytes}`);
  object.metadata.annotations['skerry.io/bench-padding'] = 'x'.repeat(bytes - bare);
  return Buffer.from(JSON.stringify(object));
}

/** Distinct values, built before timing so that the timed loops only write. */
const VALUES = Array.from({ length: 64 }, (_, i) => sampleValue(i));
const valueFor = (i: number): Buffer => VALUES[i % VALUES.length]!;

// ---------------------------------------------------------------------------------------
// Scenario 1: acknowledged writes, against two floors.
//
// Three writers of the same rows take turns in short rounds (bare floor, SQL floor, store),
// so that background load on a shared disk falls on all three alike:
// - the bare floor: a synchronous better-sqlite3 loop, 1 or 16 inserts per transaction, at
//   the store's pragmas, into a table without secondary index (the fsync floor);
// - the SQL floor: the same loop running exactly the store's SQL per write (its schema with
//   the (key, rev) index, the `head` SELECT, the INSERT) on the store's key pattern;
// - the store: N async loops, each awaiting one create/update at a time.
// Floor minus SQL floor is what the schema costs; SQL floor minus store is the store's own
// overhead (promises, event-loop turns, batching, compaction).

let fileCounter = 0;
function freshFile(dir: string, name: string): string {
  return path.join(dir, `${String(++fileCounter).padStart(2, '0')}-${name}.db`);
}

/** Time and CPU of one measured window. */
interface Window {
  writes: number;
  ms: number;
  cpuUs: number;
}

interface ThroughputResult {
  writes: number;
  seconds: number;
  perSecond: number;
  /** Process CPU (user + system) per write, µs: robust against a busy disk. */
  cpuUsPerWrite: number;
  /** Per round, writes per second. */
  rounds: number[];
}

function throughput(windows: Window[]): ThroughputResult {
  const writes = windows.reduce((s, w) => s + w.writes, 0);
  const ms = windows.reduce((s, w) => s + w.ms, 0);
  const cpu = windows.reduce((s, w) => s + w.cpuUs, 0);
  return {
    writes,
    seconds: ms / 1000,
    perSecond: (writes * 1000) / ms,
    cpuUsPerWrite: writes ? cpu / writes : Number.NaN,
    rounds: windows.map((w) => (w.writes * 1000) / w.ms),
  };
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

/** The key written by writer `w` at its iteration `j`: a new key every 4 iterations. */
const writerKey = (w: number, j: number) => `/registry/pods/bench/w${w}-${j - (j % 4)}`;

/** Opens a database with the pragmas storage/kv/sqlite/open.ts sets. */
function openFloorDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('auto_vacuum = INCREMENTAL');
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  db.pragma('synchronous = FULL');
  const synchronous = db.pragma('synchronous', { simple: true });
  if (mode !== 'wal' || synchronous !== 2) throw new Error(`floor database is not WAL + FULL (${String(mode)}, ${String(synchronous)})`);
  db.pragma('journal_size_limit = 4194304');
  return db;
}

interface FloorWriter {
  /** Commits transactions for `ms`, one after another. */
  run(ms: number): Window;
  /** Transaction (statements + COMMIT with its fsync) latency, ms. */
  latency: Samples;
  close(): void;
}

/** Bare floor: `rowsPerTransaction` inserts of ~1 KiB into (rev INTEGER PRIMARY KEY, key, value). */
function bareFloor(dir: string, rowsPerTransaction: number): FloorWriter & { sqliteVersion: string } {
  const db = openFloorDatabase(freshFile(dir, `floor-bare-${rowsPerTransaction}`));
  db.exec('CREATE TABLE log (rev INTEGER PRIMARY KEY, key TEXT NOT NULL, value BLOB NOT NULL)');
  const insert = db.prepare<[string, Buffer]>('INSERT INTO log (key, value) VALUES (?, ?)');
  let n = 0;
  const transaction = db.transaction(() => {
    for (let i = 0; i < rowsPerTransaction; i++, n++) insert.run(`/registry/pods/bench/floor-${n}`, valueFor(n));
  });
  const sqliteVersion = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  return { ...floorLoop(() => (transaction.immediate(), rowsPerTransaction)), sqliteVersion, close: () => db.close() };
}

/**
 * SQL floor: per transaction, one write for each of `writers` virtual writers (the store's
 * key pattern), running the store's own prepared statements (storage/kv/sqlite/
 * statements.ts) on a database opened by its openDatabase: the previous value's lookup by
 * revision (the store reads it for the event's prevValue), then the INSERT. The key → revision
 * lookup is the store's in-memory index, here a Map.
 */
function sqlFloor(dir: string, writers: number): FloorWriter {
  const db = openDatabase(freshFile(dir, `floor-sql-${writers}`));
  const { valueAt, append } = prepareStatements(db);
  const latest = new Map<string, { rev: number; createRev: number }>();
  let rev = 0;
  let j = 0;
  const transaction = db.transaction(() => {
    for (let w = 0; w < writers; w++) {
      const key = writerKey(w, j);
      const current = latest.get(key);
      if (current) valueAt.get(current.rev);
      rev += 1;
      append.run(rev, key, current ? 1 : 0, current ? current.createRev : rev, current ? current.rev : 0, valueFor(w * 7 + j));
      latest.set(key, { rev, createRev: current ? current.createRev : rev });
    }
    j += 1;
  });
  return { ...floorLoop(() => (transaction.immediate(), writers)), close: () => db.close() };
}

function floorLoop(commit: () => number): Omit<FloorWriter, 'close'> {
  const latency = new Samples(1 << 14);
  return {
    latency,
    run(ms) {
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const end = t0 + ms;
      let writes = 0;
      for (let now = t0; now < end; ) {
        writes += commit();
        const after = performance.now();
        latency.push(after - now);
        now = after;
      }
      return { writes, ms: performance.now() - t0, cpuUs: cpuMicros(cpu) };
    },
  };
}

interface StoreWriters {
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
async function storeWriters(dir: string, writers: number): Promise<StoreWriters> {
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
class LoopDelay {
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

interface WriteComparison {
  writers: number;
  rounds: number;
  roundMs: number;
  bareFloor: ThroughputResult & { transactionLatency: Summary };
  sqlFloor: ThroughputResult & { transactionLatency: Summary };
  store: ThroughputResult & { writeLatency: Summary } & Awaited<ReturnType<StoreWriters['stats']>>;
  sqliteVersion: string;
}

async function compareWrites(dir: string, writers: number, rounds: number, roundMs: number, warmupMs: number): Promise<WriteComparison> {
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

interface WatchRun {
  watchers: number;
  writers: number;
  writes: number;
  samples: number;
  /** From just before create() is called until a watcher's for-await body runs, ms. */
  fromCall: Summary;
  /** From the end of the commit (the store's onCommit hook) until the same moment, ms. */
  fromCommit: Summary;
  /** From calling create() until its promise resolved, ms. */
  writeLatency: Summary;
  seconds: number;
}

/**
 * `watchers` watches on one prefix; `writers` loops create `writes` keys under it in all,
 * each loop awaiting its write before the next (so the pace is the store's own). The first
 * `warmup` writes are delivered but not measured.
 */
async function watchLatency(dir: string, watchers: number, writers: number, writes: number, warmup: number): Promise<WatchRun> {
  const prefix = '/registry/pods/';
  // A fresh store starts at revision 0 and every write here succeeds, so commit k's writes
  // have revisions (committed before k, committed after k]; record each one's commit time.
  const commitAt = new Float64Array(warmup + writes + 1);
  let committed = 0;
  const options: SqliteStoreOptions = {
    file: freshFile(dir, `watch-${writers}w`),
    onCommit: (count) => {
      const now = performance.now();
      for (let i = 0; i < count; i++) commitAt[++committed] = now;
    },
  };
  const store = openSqliteStore(options);
  const total = warmup + writes;
  const startedAt = new Map<string, number>();
  const fromCall = new Samples(watchers * writes);
  const fromCommit = new Samples(watchers * writes);
  const writeLatency = new Samples(writes);

  async function consume(watch: Watch): Promise<void> {
    let received = 0;
    for await (const event of watch) {
      const now = performance.now();
      const started = startedAt.get(event.key);
      if (started !== undefined) {
        fromCall.push(now - started);
        fromCommit.push(now - commitAt[event.modRevision]!);
      }
      if (++received === total) break;
    }
    if (received !== total) throw new Error(`a watcher received ${received} of ${total} events`);
  }
  const consumers = Array.from({ length: watchers }, () => consume(store.watch(prefix)));

  let next = 0;
  async function writer(w: number): Promise<void> {
    for (let n = next++; n < total; n = next++) {
      const key = `${prefix}bench/watch-${n}`;
      const measured = n >= warmup;
      const started = performance.now();
      if (measured) startedAt.set(key, started);
      await store.create(key, valueFor(n + w));
      if (measured) writeLatency.push(performance.now() - started);
    }
  }
  const t0 = performance.now();
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  const deadline = sleep(30_000, 'timeout' as const, { ref: false });
  const outcome = await Promise.race([Promise.all(consumers).then(() => 'done' as const), deadline]);
  if (outcome === 'timeout') throw new Error('watchers did not receive every event within 30 s');
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  return {
    watchers,
    writers,
    writes,
    samples: fromCall.length,
    fromCall: fromCall.summary(),
    fromCommit: fromCommit.summary(),
    writeLatency: writeLatency.summary(),
    seconds,
  };
}

// ---------------------------------------------------------------------------------------
// Scenario 3: listing 10,000 keys.

interface ListRun {
  keys: number;
  rowsInPrefix: number;
  otherKeys: number;
  runs: number;
  unlimited: { medianMs: number; runsMs: number[] };
  paginated: { medianMs: number; runsMs: number[]; pageSize: number; pages: number };
}

/**
 * 10,000 keys under the listed prefix, each created and then updated once (so the log holds
 * two rows per key, as it does between compactions), plus 2,000 keys under another prefix.
 */
async function listLatency(dir: string, keys: number, runs: number, pageSize: number): Promise<ListRun> {
  const store = openSqliteStore({ file: freshFile(dir, 'list'), retainRevisions: 1_000_000_000 });
  const prefix = '/registry/configmaps/';
  const otherKeys = 2000;
  const keyOf = (i: number) => `${prefix}ns-${i % 10}/cm-${String(i).padStart(6, '0')}`;
  const revisions: number[] = [];
  await inChunks(keys, 1000, async (i) => {
    revisions[i] = (await store.create(keyOf(i), valueFor(i))).modRevision;
  });
  await inChunks(keys, 1000, async (i) => {
    await store.update(keyOf(i), valueFor(i + 1), revisions[i]!);
  });
  await inChunks(otherKeys, 1000, async (i) => {
    await store.create(`/registry/secrets/ns-${i % 10}/s-${i}`, valueFor(i));
  });

  async function unlimited(): Promise<number> {
    const t0 = performance.now();
    const result = await store.list(prefix);
    const ms = performance.now() - t0;
    if (result.items.length !== keys) throw new Error(`list returned ${result.items.length} of ${keys} keys`);
    return ms;
  }
  let pages = 0;
  async function paginated(): Promise<number> {
    const t0 = performance.now();
    let items = 0;
    pages = 0;
    let token: string | undefined;
    do {
      const page = await store.list(prefix, token ? { limit: pageSize, continue: token } : { limit: pageSize });
      items += page.items.length;
      pages += 1;
      token = page.continue;
    } while (token);
    const ms = performance.now() - t0;
    if (items !== keys) throw new Error(`paginated list returned ${items} of ${keys} keys`);
    return ms;
  }
  for (let i = 0; i < 2; i++) await unlimited(), await paginated(); // warm-up
  const unlimitedMs: number[] = [];
  const paginatedMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    unlimitedMs.push(await unlimited());
    paginatedMs.push(await paginated());
  }
  await store.close();
  return {
    keys,
    rowsInPrefix: keys * 2,
    otherKeys,
    runs,
    unlimited: { medianMs: median(unlimitedMs), runsMs: unlimitedMs },
    paginated: { medianMs: median(paginatedMs), runsMs: paginatedMs, pageSize, pages },
  };
}

/** Runs `task(0..count-1)`, `chunk` at a time concurrently (so the store batches them). */
async function inChunks(count: number, chunk: number, task: (i: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < count; start += chunk) {
    const end = Math.min(count, start + chunk);
    await Promise.all(Array.from({ length: end - start }, (_, k) => task(start + k)));
  }
}

// ---------------------------------------------------------------------------------------

const rate = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`;
const cpu = (t: ThroughputResult) => `CPU ${t.cpuUsPerWrite.toFixed(0)} µs/write`;

function writeRows(c: WriteComparison, target: number): ResultRow[] {
  const n = c.writers;
  const who = n === 1 ? '1 writer' : `${n} writers`;
  const perTxn = n === 1 ? '1 row/txn' : `${n} rows/txn`;
  const { store, bareFloor: bare, sqlFloor: sql } = c;
  return [
    {
      id: `writes_${n}`,
      metric: `Acknowledged writes/s, ${who}`,
      value: store.perSecond,
      unit: 'writes/s',
      target: { op: '>=', value: target },
      notes: `write p50 ${ms(store.writeLatency.p50)}, p99 ${ms(store.writeLatency.p99)}; ${store.writesPerCommit.toFixed(1)} writes/commit; ${cpu(store)}${store.compactRevision > 0 ? '; auto-compaction ran' : ''}`,
    },
    {
      id: `floor_bare_${n}`,
      metric: `Floor: bare SQLite, ${perTxn}`,
      value: bare.perSecond,
      unit: 'rows/s',
      notes: `txn p50 ${ms(bare.transactionLatency.p50)}, p99 ${ms(bare.transactionLatency.p99)}; ${cpu(bare)}`,
    },
    {
      id: `ratio_bare_${n}`,
      metric: `Store / bare floor, ${who}`,
      value: (100 * store.perSecond) / bare.perSecond,
      unit: '%',
      notes: `per round: ${store.rounds.map((s, i) => `${((100 * s) / bare.rounds[i]!).toFixed(0)}%`).join(', ')}`,
    },
    {
      id: `floor_sql_${n}`,
      metric: `Floor: store's SQL, ${perTxn}`,
      value: sql.perSecond,
      unit: 'rows/s',
      notes: `log schema, prev-value SELECT + INSERT; ${cpu(sql)}`,
    },
    {
      id: `ratio_sql_${n}`,
      metric: `Store / SQL floor, ${who}`,
      value: (100 * store.perSecond) / sql.perSecond,
      unit: '%',
      notes: `per round: ${store.rounds.map((s, i) => `${((100 * s) / sql.rounds[i]!).toFixed(0)}%`).join(', ')}`,
    },
  ];
}

async function run(context: BenchContext): Promise<BenchResult> {
  const { dir, quick, progress } = context;
  const warmupMs = quick ? 200 : 500;
  const rounds = 3;
  const roundMs = quick ? 300 : 1000;
  const watchers = 100;
  const watchWrites = 1000;
  const watchWarmup = 100;
  const listRuns = quick ? 3 : 9;
  const pageSize = 500;
  const keys = 10_000;

  progress(`writes, 1 writer: ${rounds} rounds of ${roundMs} ms each for bare floor, SQL floor, store`);
  const writes1 = await compareWrites(dir, 1, rounds, roundMs, warmupMs);
  progress(`writes, 16 writers: ${rounds} rounds of ${roundMs} ms each for bare floor, SQL floor, store`);
  const writes16 = await compareWrites(dir, 16, rounds, roundMs, warmupMs);
  progress(`watch: ${watchers} watchers, ${watchWrites} sequential writes`);
  const watch1 = await watchLatency(dir, watchers, 1, watchWrites, watchWarmup);
  progress(`watch: ${watchers} watchers, ${watchWrites} writes from 16 writers`);
  const watch16 = await watchLatency(dir, watchers, 16, watchWrites, watchWarmup);
  progress(`list: ${keys} keys, ${listRuns} runs`);
  const list = await listLatency(dir, keys, listRuns, pageSize);

  const rows: ResultRow[] = [
    ...writeRows(writes1, TARGETS.writes1),
    ...writeRows(writes16, TARGETS.writes16),
    {
      id: 'watch_p50',
      metric: `Watch delivery p50, ${watchers} watchers`,
      value: watch1.fromCall.p50,
      unit: 'ms',
      notes: `${watch1.samples.toLocaleString('en-US')} samples; from commit p50 ${ms(watch1.fromCommit.p50)}`,
    },
    {
      id: 'watch_p99',
      metric: `Watch delivery p99, ${watchers} watchers`,
      value: watch1.fromCall.p99,
      unit: 'ms',
      target: { op: '<=', value: TARGETS.watchP99Ms },
      notes: `from commit p99 ${ms(watch1.fromCommit.p99)}; max ${ms(watch1.fromCall.max)}`,
    },
    {
      id: 'watch_p99_16_writers',
      metric: `Watch delivery p99, 16 writers`,
      value: watch16.fromCall.p99,
      unit: 'ms',
      notes: `informational; p50 ${ms(watch16.fromCall.p50)}, from commit p99 ${ms(watch16.fromCommit.p99)}`,
    },
    {
      id: 'list_10k',
      metric: `List ${keys.toLocaleString('en-US')} keys, no limit`,
      value: list.unlimited.medianMs,
      unit: 'ms',
      target: { op: '<=', value: TARGETS.list10kMs },
      notes: `median of ${list.runs}; min ${ms(Math.min(...list.unlimited.runsMs))}, max ${ms(Math.max(...list.unlimited.runsMs))}`,
    },
    {
      id: 'list_10k_paginated',
      metric: `List ${keys.toLocaleString('en-US')} keys, limit ${pageSize}`,
      value: list.paginated.medianMs,
      unit: 'ms',
      target: { op: '<=', value: TARGETS.list10kMs },
      notes: `all ${list.paginated.pages} pages; median of ${list.runs}; min ${ms(Math.min(...list.paginated.runsMs))}`,
    },
  ];

  const require = createRequire(import.meta.url);
  const betterSqlite = (require('better-sqlite3/package.json') as { version: string }).version;
  return {
    rows,
    versions: { 'better-sqlite3': betterSqlite, sqlite: writes1.sqliteVersion },
    config: {
      quick,
      valueBytes: VALUE_BYTES,
      warmupMs,
      rounds,
      roundMs,
      watchers,
      watchWrites,
      listKeys: keys,
      listRuns,
      pageSize,
      targets: TARGETS,
      method: [
        `Values are Pod-shaped JSON objects serialized to exactly ${VALUE_BYTES} bytes (64 distinct ones, built before timing). Every data set is a fresh file in the data directory.`,
        `Writes, store: N async loops on one store with its defaults (WAL, synchronous=FULL, group commit, retainRevisions 10,000, so automatic compaction runs during the 16-writer run); each loop awaits one write at a time: create a key, then 3 updates with its modRevision, then the next key. Throughput counts acknowledged (resolved) writes.`,
        `Writes, bare floor: a synchronous better-sqlite3 loop at the store's pragmas (WAL, synchronous=FULL, auto_vacuum=INCREMENTAL, journal_size_limit 4 MiB) on a table (rev INTEGER PRIMARY KEY, key TEXT, value BLOB); BEGIN IMMEDIATE, 1 or 16 inserts of ~1 KiB, COMMIT.`,
        `Writes, SQL floor (diagnostic): the same loop on a database opened by the store's openDatabase (its log schema, its pragmas), running per write the store's own prepared previous-value SELECT and INSERT on the store's key pattern, 1 or 16 writes per transaction. Bare → SQL floor is what the schema costs; SQL floor → store is the store's own overhead (promises, event-loop turns, batching, compaction).`,
        `The three alternate in ${rounds} rounds of ${roundMs} ms each after a ${warmupMs} ms warm-up (store loops are parked while a floor runs), so background disk load falls on all alike; results are totals over the rounds. CPU is process user+system time per write.`,
        `Watch: ${watchers} watchers on /registry/pods/; ${watchWarmup} unmeasured then ${watchWrites} measured creates, each awaited before the next (1 writer), or shared among 16 such loops. Latency runs from just before create() to the watcher's for-await body; "from commit" starts at the store's onCommit hook.`,
        `List: ${keys.toLocaleString('en-US')} keys under /registry/configmaps/, each created and updated once (20,000 rows in the prefix, no compaction) plus 2,000 keys elsewhere; store.list(prefix) without limit, and every page with limit ${pageSize}; 2 warm-up runs, then the median of ${listRuns}.`,
      ],
    },
    details: { writes1, writes16, watch1, watch16, list },
  };
}

export const kvBench: Bench = { name: 'kv', title: 'Revisioned store (storage/kv, SQLite backend)', run };
