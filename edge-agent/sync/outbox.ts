// What the node has to tell the server, kept durably until the server acknowledges it.
// Reports coalesce by key (only a pod's latest status survives an outage, and it moves to
// the back of the queue), and the outbox is bounded: past its limit the oldest events go
// first, then the oldest reports of any kind.
import type { Report } from '../../common/sync/index.ts';
import type { StateDb } from './state-db.ts';

export interface Outbox {
  put(report: Report): void;
  /** Up to `limit` reports after `afterSeq`, oldest first. */
  pending(limit: number, afterSeq?: number): Array<{ seq: number; report: Report }>;
  /** The server has stored everything up to `seq`. */
  ack(seq: number): void;
  size(): number;
}

export function openOutbox(db: StateDb, maxItems = 10_000): Outbox {
  // AUTOINCREMENT keeps sequence numbers rising across restarts, even after the table empties.
  db.exec(`CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, report TEXT NOT NULL)`);
  const removeKey = db.prepare<[string]>('DELETE FROM outbox WHERE key = ?');
  const insert = db.prepare<[string, string, string]>('INSERT INTO outbox (key, kind, report) VALUES (?, ?, ?)');
  const after = db.prepare<[number, number], { seq: number; report: string }>('SELECT seq, report FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?');
  const acked = db.prepare<[number]>('DELETE FROM outbox WHERE seq <= ?');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox');
  const dropEvents = db.prepare<[number]>("DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE kind = 'event' ORDER BY seq LIMIT ?)");
  const dropOldest = db.prepare<[number]>('DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT ?)');

  const put = db.transaction((report: Report) => {
    removeKey.run(report.key);
    insert.run(report.key, report.kind, JSON.stringify(report));
    const over = count.get()!.n - maxItems;
    if (over <= 0) return;
    const dropped = dropEvents.run(over).changes;
    if (dropped < over) dropOldest.run(over - dropped);
  });

  return {
    put: (report) => put(report),
    pending: (limit, afterSeq = 0) => after.all(afterSeq, limit).map((row) => ({ seq: row.seq, report: JSON.parse(row.report) as Report })),
    ack: (seq) => void acked.run(seq),
    size: () => count.get()!.n,
  };
}
