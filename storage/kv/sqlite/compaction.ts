import type Database from 'better-sqlite3';
import type { Statements } from './statements.ts';

/** Revisions examined per compaction transaction, so writers wait at most one short step. */
const CHUNK_REVISIONS = 5000;

export interface CompactionState {
  compactRevision: number;
  progress: number;
}

export function readCompactionState(statements: Statements): CompactionState {
  return {
    compactRevision: statements.readMeta.get('compact_revision')?.value ?? 0,
    progress: statements.readMeta.get('compact_progress')?.value ?? 0,
  };
}

/** Records the new compacted revision (readers below it now get "compacted") and the floor. */
export function markCompacted(db: Database.Database, statements: Statements, revision: number, head: number): void {
  db.transaction(() => {
    statements.writeMeta.run(revision, 'compact_revision');
    statements.writeMeta.run(head, 'revision_floor');
  }).immediate();
}

/**
 * Deletes superseded rows in one chunk of revisions after `progress`, and records how far it
 * got in the same transaction, so a crash mid-compaction resumes instead of leaking rows.
 */
export function compactStep(db: Database.Database, statements: Statements, progress: number, target: number): { progress: number; deleted: number } {
  const to = Math.min(target, progress + CHUNK_REVISIONS);
  const deleted = db.transaction(() => {
    const { changes } = statements.compactChunk.run({ from: progress, to });
    statements.writeMeta.run(to, 'compact_progress');
    return changes;
  }).immediate();
  return { progress: to, deleted };
}

/** Hands the space of deleted rows back to the file system and truncates the WAL. */
export function reclaimSpace(db: Database.Database): void {
  db.pragma('incremental_vacuum');
  db.pragma('wal_checkpoint(TRUNCATE)');
}
