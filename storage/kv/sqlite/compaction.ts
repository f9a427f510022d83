import type Database from 'better-sqlite3';
import type { Statements } from './statements.ts';

/** Revisions examined per compaction transaction, so writers wait at most one short step. */
const CHUNK_REVISIONS = 1000;

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

/** Pages returned to the file system per step; one step blocks writers for a few ms. */
const VACUUM_PAGES = 256;

/**
 * Hands free pages back to the file system when more than a quarter of the file is free
 * (under churn new rows reuse freed pages anyway), a bounded number per call, so a compaction
 * never stalls writers for long. Returns whether more is left to do.
 */
export function reclaimSpaceStep(db: Database.Database): boolean {
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  if (free * 4 <= pages) return false;
  db.pragma(`incremental_vacuum(${VACUUM_PAGES})`);
  return free > VACUUM_PAGES;
}
