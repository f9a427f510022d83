import type Database from 'better-sqlite3';
import type { LogRow } from './schema.ts';

export type Statements = ReturnType<typeof prepareStatements>;

/** Every query the store runs, prepared once. */
export function prepareStatements(db: Database.Database) {
  const latest = `SELECT rev, key, kind, create_rev, prev_rev, value, MAX(rev) AS max_rev
    FROM log WHERE key > @after AND key >= @start AND key < @end AND rev <= @revision GROUP BY key`;
  return {
    head: db.prepare<[string], LogRow>('SELECT * FROM log WHERE key = ? ORDER BY rev DESC LIMIT 1'),
    atRevision: db.prepare<[string, number], LogRow>('SELECT * FROM log WHERE key = ? AND rev <= ? ORDER BY rev DESC LIMIT 1'),
    list: db.prepare<ListParams, LogRow>(`SELECT * FROM (${latest}) WHERE kind != 2 ORDER BY key LIMIT @limit`),
    count: db.prepare<ListParams, { n: number }>(`SELECT count(*) AS n FROM (${latest}) WHERE kind != 2`),
    append: db.prepare<[number, string, number, number, number, Buffer]>(
      'INSERT INTO log (rev, key, kind, create_rev, prev_rev, value) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    eventsAfter: db.prepare<[number, string, string, number], LogRow & { prev_value: Buffer | null }>(
      `SELECT l.*, p.value AS prev_value FROM log l LEFT JOIN log p ON p.rev = l.prev_rev AND l.prev_rev != 0
       WHERE l.rev > ? AND l.key >= ? AND l.key < ? ORDER BY l.rev LIMIT ?`,
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

export interface ListParams {
  after: string;
  start: string;
  end: string;
  revision: number;
  limit: number;
}
