import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { openOutbox, openStateDb, openViewCache } from './index.ts';

function tempDir(t: import('ava').ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-agent-state-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('batches apply atomically and survive a reopen', (t) => {
  const dir = tempDir(t);
  let db = openStateDb(dir);
  let cache = openViewCache(db);
  cache.apply({ from: 0, to: 5, full: true, changes: [{ key: 'pods/ns/a', rev: 4, object: { a: 1 } }, { key: 'secrets/ns/s', rev: 5, object: { s: 1 } }] });
  cache.apply({ from: 5, to: 8, full: false, changes: [{ key: 'secrets/ns/s', rev: 5, object: null }, { key: 'pods/ns/b', rev: 8, object: { b: 1 } }] });
  t.throws(() => cache.apply({ from: 8, to: 9, full: false, changes: [{ key: 'pods/ns/c', rev: 9, object: { c: 1 } }, { key: 'pods/ns/d', rev: 9, object: undefined as never }] }), { any: true });
  db.close();
  db = openStateDb(dir);
  cache = openViewCache(db);
  t.is(cache.lastRevision(), 8, 'the failed batch left nothing behind');
  t.deepEqual(cache.list('pods/').map((e) => e.key), ['pods/ns/a', 'pods/ns/b']);
  t.is(cache.get('secrets/ns/s'), undefined);
  cache.apply({ from: 0, to: 12, full: true, changes: [{ key: 'pods/ns/z', rev: 11, object: {} }] });
  t.deepEqual(cache.list(''), [{ key: 'pods/ns/z', rev: 11, object: {} }]);
  db.close();
});

test('the outbox keeps only the latest report per key, in order, and forgets what is acknowledged', (t) => {
  const db = openStateDb(tempDir(t));
  const outbox = openOutbox(db);
  const status = (name: string, phase: string) => ({ kind: 'podStatus' as const, key: `pod/ns/${name}`, namespace: 'ns', name, uid: name, status: { phase } });
  outbox.put(status('a', 'Pending'));
  outbox.put(status('b', 'Pending'));
  outbox.put(status('a', 'Running'));
  const pending = outbox.pending(10);
  t.deepEqual(pending.map((p) => [p.report.key, (p.report as unknown as { status: { phase: string } }).status.phase]), [['pod/ns/b', 'Pending'], ['pod/ns/a', 'Running']]);
  outbox.ack(pending[0]!.seq);
  t.deepEqual(outbox.pending(10).map((p) => p.report.key), ['pod/ns/a']);
  t.true(outbox.pending(10, pending[1]!.seq).length === 0);
  db.close();
});

test('the outbox is bounded and drops events before statuses', (t) => {
  const db = openStateDb(tempDir(t));
  const outbox = openOutbox(db, 5);
  outbox.put({ kind: 'lease', key: 'lease', renewTime: 't', durationSeconds: 40 });
  for (let i = 0; i < 8; i++) outbox.put({ kind: 'event', key: `event/${i}`, event: { i } });
  t.is(outbox.size(), 5);
  t.deepEqual(outbox.pending(10).map((p) => p.report.key), ['lease', 'event/4', 'event/5', 'event/6', 'event/7']);
  db.close();
});

test('sequence numbers keep rising after everything was acknowledged and the file reopened', (t) => {
  const dir = tempDir(t);
  let db = openStateDb(dir);
  let outbox = openOutbox(db);
  outbox.put({ kind: 'lease', key: 'lease', renewTime: 't', durationSeconds: 40 });
  const first = outbox.pending(1)[0]!.seq;
  outbox.ack(first);
  db.close();
  db = openStateDb(dir);
  outbox = openOutbox(db);
  outbox.put({ kind: 'lease', key: 'lease', renewTime: 't2', durationSeconds: 40 });
  t.true(outbox.pending(1)[0]!.seq > first);
  db.close();
});

test('an ack is written with the next write or read; one lost in a crash only sends the same reports again, in order', (t) => {
  const dir = tempDir(t);
  let db = openStateDb(dir);
  let outbox = openOutbox(db);
  outbox.put({ kind: 'lease', key: 'lease', renewTime: 't', durationSeconds: 40 });
  outbox.put({ kind: 'event', key: 'event/1', event: { i: 1 } });
  const sent = outbox.pending(10);
  outbox.ack(sent[1]!.seq);
  // A crash before the ack was written: both reports are still there, in the same order.
  db.close();
  db = openStateDb(dir);
  outbox = openOutbox(db);
  t.deepEqual(outbox.pending(10).map((p) => p.seq), sent.map((p) => p.seq));
  outbox.ack(sent[1]!.seq);
  outbox.commit();
  db.close();
  db = openStateDb(dir);
  outbox = openOutbox(db);
  t.is(outbox.size(), 0);
  db.close();
});
