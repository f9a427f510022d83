/**
 * Benchmarks of the revisioned store (DESIGN §3, storage/kv) on its SQLite backend:
 * acknowledged write throughput against the bare-SQLite floor at the same durability,
 * watch delivery latency with many watchers, and listing 10,000 keys.
 */
import { createRequire } from 'node:module';
import { type Watch } from '../../storage/kv/index.ts';
import { openDatabase } from '../../storage/kv/sqlite/open.ts';
import type { Bench, BenchContext, BenchResult, ResultRow } from './report.ts';
import { median } from './stats.ts';
import { compareWrites, type WriteComparison } from './kv-writers.ts';
import { listLatency, watchLatency } from './kv-reads.ts';
import type { ThroughputResult } from './kv-floors.ts';
import { VALUE_BYTES } from './kv-values.ts';

const TARGETS = {
  writes1: 2_500,
  writes16: 20_000,
  watchP99Ms: 10,
  list10kMs: 100,
};

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

