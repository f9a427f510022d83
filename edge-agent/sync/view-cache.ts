// The node's copy of its view, applied one batch at a time inside a transaction: after a
// crash the cache holds exactly the last applied revision, never half a batch. Everything
// the node runs while offline comes from here.
import type { ViewChange, ViewObject } from '../../common/sync/index.ts';
import type { StateDb } from './state-db.ts';

export interface ViewCache {
  lastRevision(): number;
  /** Applies a batch atomically; `full` replaces the whole view. */
  apply(batch: { from: number; to: number; full: boolean; changes: ViewChange[] }): void;
  get(key: string): ViewObject | undefined;
  /** Objects whose view key starts with `prefix` (e.g. "pods/"), in key order. */
  list(prefix: string): Array<{ key: string; rev: number; object: ViewObject }>;
  size(): number;
}

export function openViewCache(db: StateDb): ViewCache {
  db.exec(`CREATE TABLE IF NOT EXISTS view (key TEXT PRIMARY KEY, rev INTEGER NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
           CREATE TABLE IF NOT EXISTS view_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;`);
  const readRevision = db.prepare<[], { value: number }>("SELECT value FROM view_meta WHERE name = 'revision'");
  const writeRevision = db.prepare<[number]>("INSERT INTO view_meta (name, value) VALUES ('revision', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value");
  const upsert = db.prepare<[string, number, string]>('INSERT INTO view (key, rev, value) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET rev = excluded.rev, value = excluded.value');
  const remove = db.prepare<[string]>('DELETE FROM view WHERE key = ?');
  const clear = db.prepare('DELETE FROM view');
  const one = db.prepare<[string], { value: string }>('SELECT value FROM view WHERE key = ?');
  const range = db.prepare<[string, string], { key: string; rev: number; value: string }>('SELECT key, rev, value FROM view WHERE key >= ? AND key < ? ORDER BY key');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM view');

  const applyBatch = db.transaction((batch: Parameters<ViewCache['apply']>[0]) => {
    if (batch.full) clear.run();
    for (const change of batch.changes) {
      if (change.object === null) remove.run(change.key);
      else upsert.run(change.key, change.rev, JSON.stringify(change.object));
    }
    writeRevision.run(batch.to);
  });

  return {
    lastRevision: () => readRevision.get()?.value ?? 0,
    apply: (batch) => applyBatch(batch),
    get(key) {
      const row = one.get(key);
      return row ? (JSON.parse(row.value) as ViewObject) : undefined;
    },
    list: (prefix) => range.all(prefix, `${prefix}\uffff`).map((row) => ({ key: row.key, rev: row.rev, object: JSON.parse(row.value) as ViewObject })),
    size: () => count.get()!.n,
  };
}
