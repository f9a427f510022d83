/** Marks a SQLite file as a skerry store ("SKRY"), so a foreign database is never reused. */
export const APPLICATION_ID = 0x534b5259;
export const SCHEMA_VERSION = 2;

/**
 * The store is a log, as kine's is: every write appends one row whose rowid is its revision.
 * The newest row of a key is its current state; a compaction removes rows that a newer row
 * at or below the compacted revision supersedes. There is deliberately no index on key: the
 * store keeps key → revisions in memory (key-index.ts), so a commit appends and nothing else.
 */
export const SCHEMA = `
CREATE TABLE log (
  rev        INTEGER PRIMARY KEY,
  key        TEXT    NOT NULL,
  kind       INTEGER NOT NULL CHECK (kind IN (0, 1, 2)),
  create_rev INTEGER NOT NULL,
  prev_rev   INTEGER NOT NULL,
  value      BLOB    NOT NULL
);
CREATE TABLE meta (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (name, value) VALUES ('compact_revision', 0), ('compact_progress', 0), ('revision_floor', 0);
`;

export const enum RowKind {
  Create = 0,
  Update = 1,
  Delete = 2,
}

export interface LogRow {
  rev: number;
  key: string;
  kind: RowKind;
  create_rev: number;
  prev_rev: number;
  value: Buffer;
}

/** Schema changes from older versions, applied in order at open. */
export const MIGRATIONS: Record<number, string> = {
  // Version 1 kept a (key, rev) index; the in-memory key index replaced it.
  2: 'DROP INDEX IF EXISTS log_key_rev;',
};
