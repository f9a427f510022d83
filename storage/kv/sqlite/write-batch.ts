import type Database from 'better-sqlite3';
import { SkerryError } from '../../../common/index.ts';
import type { KeyValue, WatchEvent } from '../types.ts';
import { toKeyValue, toWatchEvent } from './rows.ts';
import { RowKind, type LogRow } from './schema.ts';
import type { Statements } from './statements.ts';

export type WriteOp =
  | { type: 'create'; key: string; value: Buffer }
  | { type: 'update'; key: string; value: Buffer; expectedModRevision: number }
  | { type: 'delete'; key: string; expectedModRevision: number };

export type WriteResult = { ok: true; kv: KeyValue; event: WatchEvent } | { ok: false; error: SkerryError };

/**
 * Applies a batch of writes in one transaction, so one fsync acknowledges all of them. Each
 * write is checked against the state its predecessors in the batch left; a write that fails
 * its check fails alone. If the commit itself fails, nothing of the batch is stored and the
 * caller rejects every write.
 */
export function applyBatch(
  db: Database.Database,
  statements: Statements,
  ops: readonly WriteOp[],
  firstRevision: number,
): { results: WriteResult[]; lastRevision: number } {
  let revision = firstRevision - 1;
  const results = db.transaction(() =>
    ops.map((op): WriteResult => {
      const current = statements.head.get(op.key);
      const live = current && current.kind !== RowKind.Delete ? current : undefined;
      const refusal = check(op, live);
      if (refusal) return { ok: false, error: refusal };
      revision += 1;
      const row = rowFor(op, revision, current, live);
      statements.append.run(row.rev, row.key, row.kind, row.create_rev, row.prev_rev, row.value);
      return { ok: true, kv: toKeyValue(row), event: toWatchEvent(row, live?.value) };
    }),
  ).immediate();
  return { results, lastRevision: revision };
}

function check(op: WriteOp, live: LogRow | undefined): SkerryError | undefined {
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

function rowFor(op: WriteOp, rev: number, current: LogRow | undefined, live: LogRow | undefined): LogRow {
  const prev_rev = current?.rev ?? 0;
  switch (op.type) {
    case 'create':
      return { rev, key: op.key, kind: RowKind.Create, create_rev: rev, prev_rev, value: op.value };
    case 'update':
      return { rev, key: op.key, kind: RowKind.Update, create_rev: live!.create_rev, prev_rev, value: op.value };
    case 'delete':
      return { rev, key: op.key, kind: RowKind.Delete, create_rev: live!.create_rev, prev_rev, value: live!.value };
  }
}
