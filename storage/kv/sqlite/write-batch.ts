import type Database from 'better-sqlite3';
import { SkerryError } from '../../../common/index.ts';
import type { KeyValue, WatchEvent } from '../types.ts';
import type { IndexEntry, KeyIndex } from './key-index.ts';
import type { RecentValues } from './recent-values.ts';
import { toKeyValue, toWatchEvent } from './rows.ts';
import { RowKind, type LogRow } from './schema.ts';
import type { Statements } from './statements.ts';

export type WriteOp =
  | { type: 'create'; key: string; value: Buffer }
  | { type: 'update'; key: string; value: Buffer; expectedModRevision: number }
  | { type: 'delete'; key: string; expectedModRevision: number };

export type WriteResult = { ok: true; kv: KeyValue; event: WatchEvent } | { ok: false; error: SkerryError };

export interface Batch {
  results: WriteResult[];
  /** The rows appended, in order; the caller adds them to the key index after the commit. */
  rows: LogRow[];
  lastRevision: number;
}

/** Builds the batch function once: better-sqlite3 wraps a transaction in fresh closures on each `db.transaction` call. */
export function batchWriter(db: Database.Database, statements: Statements, index: KeyIndex, recent: RecentValues) {
  const run = db.transaction((ops: readonly WriteOp[], firstRevision: number): Batch => {
    const written = new Map<string, LogRow>();
    const rows: LogRow[] = [];
    let revision = firstRevision - 1;
    const results = ops.map((op): WriteResult => {
      const current = currentOf(op.key, written, index);
      const live = current && current.kind !== RowKind.Delete ? current : undefined;
      const refusal = check(op, live);
      if (refusal) return { ok: false, error: refusal };
      revision += 1;
      const liveValue = live ? (written.get(op.key)?.value ?? recent.get(live.rev) ?? statements.valueAt.get(live.rev)!.value) : undefined;
      const row = rowFor(op, revision, current, live, liveValue);
      statements.append.run(row.rev, row.key, row.kind, row.create_rev, row.prev_rev, row.value);
      written.set(row.key, row);
      rows.push(row);
      return { ok: true, kv: toKeyValue(row), event: toWatchEvent(row, liveValue) };
    });
    return { results, rows, lastRevision: revision };
  });
  /**
   * Applies a batch of writes in one transaction, so one fsync acknowledges all of them. Each
   * write is checked against the state its predecessors in the batch left; a write that fails
   * its check fails alone. If the commit itself fails, nothing of the batch is stored, the
   * index is untouched, and the caller rejects every write.
   */
  return (ops: readonly WriteOp[], firstRevision: number): Batch => run.immediate(ops, firstRevision);
}

function currentOf(key: string, written: Map<string, LogRow>, index: KeyIndex): IndexEntry | undefined {
  const row = written.get(key);
  return row ? { rev: row.rev, kind: row.kind, createRev: row.create_rev } : index.latest(key);
}

function check(op: WriteOp, live: IndexEntry | undefined): SkerryError | undefined {
  if (op.type === 'create') {
    return live ? new SkerryError('KEY_EXISTS', `${op.key} exists (modRevision ${live.rev})`, { key: op.key, modRevision: live.rev }) : undefined;
  }
  if (!live) return new SkerryError('KEY_NOT_FOUND', `${op.key} does not exist`, { key: op.key });
  if (op.type === 'delete' && op.expectedModRevision === 0) return undefined;
  if (live.rev !== op.expectedModRevision) {
    return new SkerryError(
      'REVISION_CONFLICT',
      `${op.key} is at modRevision ${live.rev}, the ${op.type} expected ${op.expectedModRevision}`,
      { key: op.key, modRevision: live.rev, expectedModRevision: op.expectedModRevision },
    );
  }
  return undefined;
}

function rowFor(op: WriteOp, rev: number, current: IndexEntry | undefined, live: IndexEntry | undefined, liveValue: Buffer | undefined): LogRow {
  const prev_rev = current?.rev ?? 0;
  switch (op.type) {
    case 'create':
      return { rev, key: op.key, kind: RowKind.Create, create_rev: rev, prev_rev, value: op.value };
    case 'update':
      return { rev, key: op.key, kind: RowKind.Update, create_rev: live!.createRev, prev_rev, value: op.value };
    case 'delete':
      return { rev, key: op.key, kind: RowKind.Delete, create_rev: live!.createRev, prev_rev, value: liveValue! };
  }
}
