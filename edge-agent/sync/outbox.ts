// What the node has to tell the server, kept durably until the server acknowledges it.
// Reports coalesce by key (only a pod's latest status survives an outage, and it moves to
// the back of the queue), and the outbox is bounded: past its limit the oldest events go
// first, then the oldest reports of any kind.
//
// Puts are written together: every put within a few milliseconds lands in one transaction,
// so one fsync covers them. A node starting 100 pods puts several hundred reports and events
// in a second; one fsync each (5–20 ms on an SD card or this VM's disk, with the event loop
// blocked) made pods wait seconds for their turn. A crash can lose the last few
// milliseconds of puts, and nothing more: a restarted agent reports every pod's status anew,
// and events are best effort in Kubernetes as well. Reading writes the waiting puts first, so
// the order of the queue never changes.
//
// Acknowledgements are written behind in the same way: an ack only moves a mark, and the next
// write (or read) deletes up to it in the same transaction. Acks are cumulative, so a crash
// that loses the last ones only means the reports after the last written ack are sent again,
// in order, and reports are states the server stores as they come. One fsync per ack cost the
// agent 0.4 s of event-loop time when 100 pods started at once.
import type { Report } from '../../common/sync/index.ts';
import type { StateDb } from './state-db.ts';

export interface Outbox {
  put(report: Report): void;
  /** Up to `limit` reports after `afterSeq`, oldest first. */
  pending(limit: number, afterSeq?: number): Array<{ seq: number; report: Report }>;
  /** The server has stored everything up to `seq`. */
  ack(seq: number): void;
  size(): number;
  /** Writes the puts still waiting (before the database closes). */
  commit(): void;
}

/** How long a put or ack waits to share a transaction with the ones after it. */
export const WRITE_BEHIND_MS = 5;

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

  const write = db.transaction((reports: Report[], ackedUpTo: number) => {
    if (ackedUpTo > 0) acked.run(ackedUpTo);
    for (const report of reports) {
      removeKey.run(report.key);
      insert.run(report.key, report.kind, JSON.stringify(report));
    }
    const over = count.get()!.n - maxItems;
    if (over <= 0) return;
    const dropped = dropEvents.run(over).changes;
    if (dropped < over) dropOldest.run(over - dropped);
  });

  let waiting: Report[] = [];
  /** The highest sequence the server acknowledged that is not deleted yet; 0 for none. */
  let ackedUpTo = 0;
  let timer: NodeJS.Timeout | undefined;
  const commit = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    // A database closed by a stopping agent: the last puts and acks go the way a crash's would.
    if ((waiting.length === 0 && ackedUpTo === 0) || !db.open) return;
    const reports = waiting;
    const upTo = ackedUpTo;
    waiting = [];
    ackedUpTo = 0;
    write(reports, upTo);
  };

  return {
    put: (report) => {
      waiting.push(report);
      timer ??= setTimeout(commit, WRITE_BEHIND_MS);
    },
    pending: (limit, afterSeq = 0) => {
      commit();
      return after.all(afterSeq, limit).map((row) => ({ seq: row.seq, report: JSON.parse(row.report) as Report }));
    },
    ack: (seq) => {
      ackedUpTo = Math.max(ackedUpTo, seq);
      timer ??= setTimeout(commit, WRITE_BEHIND_MS);
    },
    size: () => (commit(), count.get()!.n),
    commit,
  };
}
