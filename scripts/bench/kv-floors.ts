// The floors the store's writes are compared with: bare SQLite and the store's own SQL.
import Database from 'better-sqlite3';
import { openDatabase } from '../../storage/kv/sqlite/open.ts';
import { prepareStatements } from '../../storage/kv/sqlite/statements.ts';
import { Samples } from './stats.ts';
import { freshFile, valueFor, writerKey } from './kv-values.ts';

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


/** Time and CPU of one measured window. */
export interface Window {
  writes: number;
  ms: number;
  cpuUs: number;
}

export interface ThroughputResult {
  writes: number;
  seconds: number;
  perSecond: number;
  /** Process CPU (user + system) per write, µs: robust against a busy disk. */
  cpuUsPerWrite: number;
  /** Per round, writes per second. */
  rounds: number[];
}

export function throughput(windows: Window[]): ThroughputResult {
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

export function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}


/** Opens a database with the pragmas storage/kv/sqlite/open.ts sets. */
export function openFloorDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('auto_vacuum = INCREMENTAL');
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  db.pragma('synchronous = FULL');
  const synchronous = db.pragma('synchronous', { simple: true });
  if (mode !== 'wal' || synchronous !== 2) throw new Error(`floor database is not WAL + FULL (${String(mode)}, ${String(synchronous)})`);
  db.pragma('journal_size_limit = 4194304');
  return db;
}

export interface FloorWriter {
  /** Commits transactions for `ms`, one after another. */
  run(ms: number): Window;
  /** Transaction (statements + COMMIT with its fsync) latency, ms. */
  latency: Samples;
  close(): void;
}

/** Bare floor: `rowsPerTransaction` inserts of ~1 KiB into (rev INTEGER PRIMARY KEY, key, value). */
export function bareFloor(dir: string, rowsPerTransaction: number): FloorWriter & { sqliteVersion: string } {
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
export function sqlFloor(dir: string, writers: number): FloorWriter {
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

export function floorLoop(commit: () => number): Omit<FloorWriter, 'close'> {
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

