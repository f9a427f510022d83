import type Database from 'better-sqlite3';
import type { LogRow } from './schema.ts';

export type Statements = ReturnType<typeof prepareStatements>;

/** Every query the store runs, prepared once. Rows are found by revision (the rowid). */
export function prepareStatements(db: Database.Database) {
  return {
    byRevision: db.prepare<[number], LogRow>('SELECT * FROM log WHERE rev = ?'),
    // One statement for a whole page of a list: a point query per key costs ~4x more.
    byRevisions: db.prepare<[string], LogRow>('SELECT * FROM log WHERE rev IN (SELECT value FROM json_each(?))'),
    valueAt: db.prepare<[number], { value: Buffer }>('SELECT value FROM log WHERE rev = ?'),
    append: db.prepare<[number, string, number, number, number, Buffer]>(
      'INSERT INTO log (rev, key, kind, create_rev, prev_rev, value) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    eventsAfter: db.prepare<[number, string, string, number], LogRow & { prev_value: Buffer | null }>(
      `SELECT l.*, p.value AS prev_value FROM log l LEFT JOIN log p ON p.rev = l.prev_rev AND l.prev_rev != 0
       WHERE l.rev > ? AND l.key >= ? AND l.key < ? ORDER BY l.rev LIMIT ?`,
    ),
    indexRows: db.prepare<[], { rev: number; key: string; kind: number; create_rev: number }>(
      'SELECT rev, key, kind, create_rev FROM log ORDER BY rev',
    ),
    maxRevision: db.prepare<[], { rev: number | null }>('SELECT MAX(rev) AS rev FROM log'),
    readMeta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?'),
    writeMeta: db.prepare<[number, string]>('UPDATE meta SET value = ? WHERE name = ?'),
    // A row in the chunk supersedes its predecessor, however old; a tombstone in the chunk
    // is itself no longer needed once its revision is compacted.
    compactChunk: db.prepare<{ from: number; to: number }>(
      `DELETE FROM log WHERE rev IN (
         SELECT prev_rev FROM log WHERE rev > @from AND rev <= @to AND prev_rev != 0
         UNION ALL SELECT rev FROM log WHERE rev > @from AND rev <= @to AND kind = 2)`,
    ),
  };
}
