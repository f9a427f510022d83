import { componentLogger, SkerryError } from '../../../common/index.ts';
import { decodeContinue, encodeContinue } from '../continue-token.ts';
import { assertKey, assertPrefix, assertRevision, assertValue, prefixRange } from '../keys.ts';
import type { CompactResult, KeyValue, KeyValueStore, ListOptions, ListResult, Watch } from '../types.ts';
import { compactedError, createWatchHub } from '../watch-hub.ts';
import { compactStep, markCompacted, readCompactionState, reclaimSpaceStep } from './compaction.ts';
import { openDatabase, translateOpenError } from './open.ts';
import { toKeyValue, toWatchEvent } from './rows.ts';
import { KeyIndex } from './key-index.ts';
import { RecentValues } from './recent-values.ts';
import { RowKind, type LogRow } from './schema.ts';
import { prepareStatements, type Statements } from './statements.ts';
import { batchWriter, type Batch, type WriteOp } from './write-batch.ts';

export interface SqliteStoreOptions {
  /** The database file; its directory is created if missing. */
  file: string;
  /** How many revisions of history automatic compaction keeps (default 10,000). */
  retainRevisions?: number;
  /** How often to compact when writes are too few to trigger it (default 5 minutes). */
  compactIntervalMs?: number;
  /** Writes grouped into one commit at most (default 1,000). */
  maxBatch?: number;
  /** Undelivered events a watcher may hold before it is cut off (default 10,000). */
  maxQueuedEvents?: number;
  /** Bytes of recently written values kept in memory for the previous value of updates and deletes (default 8 MiB). */
  recentValueBytes?: number;
  /** Called after each commit with the number of writes it acknowledged (for metrics). */
  onCommit?: (writes: number) => void;
}

interface PendingWrite {
  op: WriteOp;
  resolve: (kv: KeyValue) => void;
  reject: (error: Error) => void;
}

const log = componentLogger('kv');

/** The SQLite backend of the revisioned store (DESIGN §3). */
export function openSqliteStore(options: SqliteStoreOptions): KeyValueStore {
  const retain = options.retainRevisions ?? 10_000;
  const maxBatch = options.maxBatch ?? 1000;
  const db = openDatabase(options.file);
  const statements = prepareStatements(db);
  const index = buildIndex(statements);
  const recent = new RecentValues(options.recentValueBytes ?? 8 << 20);
  const applyBatch = batchWriter(db, statements, index, recent);
  const compaction = readCompactionState(statements);
  const floor = statements.readMeta.get('revision_floor')?.value ?? 0;
  let head = Math.max(statements.maxRevision.get()?.rev ?? 0, floor, compaction.compactRevision);
  let compactRevision = compaction.compactRevision;
  let compacting: Promise<CompactResult> | undefined;
  let closed = false;
  let pending: PendingWrite[] = [];
  let flushScheduled = false;

  const hub = createWatchHub(
    {
      readAfter: (range, after, limit) =>
        statements.eventsAfter.all(after, range.start, range.end, limit).map((row) => toWatchEvent(row, row.prev_value)),
      currentRevision: () => head,
      compactRevision: () => compactRevision,
    },
    { maxQueuedEvents: options.maxQueuedEvents ?? 10_000, catchUpBatch: 500 },
  );

  function assertOpen(): void {
    if (closed) throw new SkerryError('STORE_CLOSED', `${options.file} was closed`);
  }

  function readRevision(revision: number | undefined, field: string): number {
    if (revision === undefined || revision === 0) return head;
    assertRevision(revision, field);
    if (revision > head) throw new SkerryError('REVISION_FUTURE', `${field} ${revision} is newer than the store's ${head}`);
    if (revision < compactRevision) throw compactedError(revision, compactRevision);
    return revision;
  }

  function write(op: WriteOp): Promise<KeyValue> {
    assertOpen();
    return new Promise((resolve, reject) => {
      pending.push({ op, resolve, reject });
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    });
  }

  function flush(): void {
    flushScheduled = false;
    if (closed) return;
    let batch = pending;
    pending = [];
    if (batch.length > maxBatch) {
      pending = batch.slice(maxBatch);
      batch = batch.slice(0, maxBatch);
    }
    if (pending.length > 0) {
      flushScheduled = true;
      setImmediate(flush);
    }
    if (batch.length === 0) return;
    let outcome: Batch;
    try {
      outcome = applyBatch(batch.map((p) => p.op), head + 1);
    } catch (error) {
      const failure = translateOpenError(error, options.file);
      log.warn({ err: failure, writes: batch.length }, 'commit failed; no write of the batch was acknowledged');
      for (const p of batch) p.reject(failure);
      return;
    }
    head = Math.max(head, outcome.lastRevision);
    for (const row of outcome.rows) {
      index.add(row.key, { rev: row.rev, kind: row.kind, createRev: row.create_rev });
      if (row.kind !== RowKind.Delete) recent.add(row.rev, row.value);
    }
    options.onCommit?.(batch.length);
    hub.publish(outcome.results.flatMap((r) => (r.ok ? [r.event] : [])));
    outcome.results.forEach((result, i) => (result.ok ? batch[i]!.resolve(result.kv) : batch[i]!.reject(result.error)));
    maybeCompact();
  }

  function maybeCompact(): void {
    if (!compacting && head - compactRevision > 2 * retain) {
      // Under sustained writes the pages a compaction frees are refilled within the next
      // window, so handing them back to the file system only to regrow the file costs I/O.
      compact(head - retain, { reclaim: false }).catch((error: unknown) => log.warn({ err: error }, 'automatic compaction failed'));
    }
  }

  async function runCompaction(target: number, reclaim: boolean): Promise<CompactResult> {
    markCompacted(db, statements, target, head);
    compactRevision = target;
    index.compact(target);
    let { progress } = readCompactionState(statements);
    let deletedRows = 0;
    while (progress < target && !closed) {
      const step = compactStep(db, statements, progress, target);
      progress = step.progress;
      deletedRows += step.deleted;
      await new Promise((resolve) => setImmediate(resolve));
    }
    while (reclaim && !closed && reclaimSpaceStep(db)) await new Promise((resolve) => setImmediate(resolve));
    if (!closed) db.pragma('wal_checkpoint(PASSIVE)');
    log.debug({ compactRevision: target, deletedRows }, 'compacted');
    return { compactRevision: target, deletedRows };
  }

  function compact(revision: number, opts: { reclaim: boolean } = { reclaim: true }): Promise<CompactResult> {
    assertOpen();
    assertRevision(revision, 'revision');
    if (revision > head) return Promise.reject(new SkerryError('REVISION_FUTURE', `compact to ${revision}, but the store is at ${head}`));
    if (compacting) return compacting.then(() => compact(revision, opts));
    if (revision <= compactRevision && readCompactionState(statements).progress >= compactRevision) {
      return Promise.resolve({ compactRevision, deletedRows: 0 });
    }
    // Compaction writes too (meta, deletions), so a full disk refuses it like any write.
    compacting = runCompaction(Math.max(revision, compactRevision), opts.reclaim)
      .catch((error: unknown) => Promise.reject(translateOpenError(error, options.file)))
      .finally(() => (compacting = undefined));
    return compacting;
  }

  const timer = setInterval(() => {
    if (head - retain > compactRevision) compact(head - retain).catch((error: unknown) => log.warn({ err: error }, 'periodic compaction failed'));
  }, options.compactIntervalMs ?? 300_000);
  timer.unref();
  if (compaction.progress < compaction.compactRevision) compact(compaction.compactRevision).catch(() => undefined);

  const store: KeyValueStore = {
    async get(key, opts) {
      assertOpen();
      assertKey(key);
      const revision = readRevision(opts?.revision, 'revision');
      const entry = index.at(key, revision);
      return entry && entry.kind !== RowKind.Delete ? toKeyValue(statements.byRevision.get(entry.rev)!) : undefined;
    },
    async list(prefix, opts = {}) {
      assertOpen();
      return listPage(prefix, opts);
    },
    async count(prefix) {
      assertOpen();
      assertPrefix(prefix);
      const range = prefixRange(prefix);
      let count = 0;
      for (const key of index.keysInRange(range.start, range.end)) if (index.latest(key)!.kind !== RowKind.Delete) count++;
      return { count, revision: head };
    },
    async create(key, value) {
      assertKey(key);
      assertValue(value);
      return write({ type: 'create', key, value });
    },
    async update(key, value, expectedModRevision) {
      assertKey(key);
      assertValue(value);
      assertRevision(expectedModRevision, 'expectedModRevision');
      return write({ type: 'update', key, value, expectedModRevision });
    },
    async delete(key, expectedModRevision) {
      assertKey(key);
      assertRevision(expectedModRevision, 'expectedModRevision');
      const kv = await write({ type: 'delete', key, expectedModRevision });
      return { ...kv, deleteRevision: kv.modRevision };
    },
    watch(prefix, opts = {}): Watch {
      assertOpen();
      assertPrefix(prefix);
      const after = opts.afterRevision ?? 0;
      assertRevision(after, 'afterRevision');
      return hub.subscribe(prefixRange(prefix), after);
    },
    compact: (revision) => compact(revision),
    async currentRevision() {
      assertOpen();
      return head;
    },
    async compactRevision() {
      assertOpen();
      return compactRevision;
    },
    async close() {
      if (closed) return;
      while (pending.length > 0) flush();
      closed = true;
      clearInterval(timer);
      await compacting?.catch(() => undefined);
      hub.closeAll(new SkerryError('STORE_CLOSED', `${options.file} was closed while watching`));
      db.close();
    },
  };

  function listPage(prefix: string, opts: ListOptions): ListResult {
    assertPrefix(prefix);
    const position = opts.continue ? decodeContinue(opts.continue) : undefined;
    const revision = readRevision(position?.revision ?? opts.revision, position ? 'continue' : 'revision');
    const limit = opts.limit ?? 0;
    assertRevision(limit, 'limit');
    const range = prefixRange(prefix);
    const revisions: number[] = [];
    for (const key of index.keysInRange(range.start, range.end, position?.afterKey)) {
      const entry = index.at(key, revision);
      if (entry && entry.kind !== RowKind.Delete) revisions.push(entry.rev);
      if (limit > 0 && revisions.length > limit) break;
    }
    const more = limit > 0 && revisions.length > limit;
    const items = rowsByRevision(statements, more ? revisions.slice(0, limit) : revisions).map(toKeyValue);
    const result: ListResult = { items, revision };
    if (more) result.continue = encodeContinue({ afterKey: items[items.length - 1]!.key, revision });
    return result;
  }

  return store;
}

/** The rows at the given revisions, in the given order. */
function rowsByRevision(statements: Statements, revisions: number[]): LogRow[] {
  const rows = new Map<number, LogRow>();
  for (const row of statements.byRevisions.iterate(JSON.stringify(revisions))) rows.set(row.rev, row);
  return revisions.map((rev) => rows.get(rev)!);
}

function buildIndex(statements: Statements): KeyIndex {
  const index = new KeyIndex();
  for (const row of statements.indexRows.iterate()) index.add(row.key, { rev: row.rev, kind: row.kind, createRev: row.create_rev });
  return index;
}
