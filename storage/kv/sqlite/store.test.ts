import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import Database from 'better-sqlite3';
import { conformanceSuite } from '../conformance.ts';
import { openSqliteStore } from './store.ts';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-kv-'));
}

conformanceSuite(test, 'sqlite', async ({ maxQueuedEvents }) => {
  const dir = tempDir();
  const store = openSqliteStore({ file: path.join(dir, 'state.db'), maxQueuedEvents });
  return {
    store,
    cleanup: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('sqlite: the file runs in WAL mode with synchronous=FULL, checked at open', async (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'state.db');
  const store = openSqliteStore({ file });
  await store.create('/a', Buffer.from('1'));
  const peek = new Database(file, { readonly: true });
  t.is(peek.pragma('journal_mode', { simple: true }), 'wal');
  peek.close();
  await store.close();
});

test('sqlite: writes and revisions survive close and reopen; revisions continue', async (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'state.db');
  let store = openSqliteStore({ file });
  const a = await store.create('/a', Buffer.from('1'));
  await store.create('/b', Buffer.from('2'));
  const gone = await store.delete('/b', 0);
  await store.compact(gone.deleteRevision);
  await store.close();
  store = openSqliteStore({ file });
  t.is(await store.currentRevision(), gone.deleteRevision);
  t.deepEqual((await store.get('/a'))!.value, Buffer.from('1'));
  t.is(await store.get('/b'), undefined);
  t.is((await store.create('/c', Buffer.from('3'))).modRevision, gone.deleteRevision + 1);
  t.is(a.modRevision, 1);
  await store.close();
});

test('sqlite: opening an existing store writes nothing, so it opens and reads on a full disk', async (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'state.db');
  let store = openSqliteStore({ file });
  await store.create('/a', Buffer.from('1'));
  await store.close();
  store = openSqliteStore({ file });
  t.is((await store.get('/a'))!.value.toString(), '1');
  t.is(fs.statSync(`${file}-wal`).size, 0, 'the open appended to the WAL');
  await store.close();
});

test('sqlite: concurrent writers share commits, one fsync acknowledging many writes', async (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const commits: number[] = [];
  const store = openSqliteStore({ file: path.join(dir, 'state.db'), onCommit: (n) => commits.push(n) });
  await Promise.all(Array.from({ length: 16 }, async (_, w) => {
    for (let i = 0; i < 100; i++) await store.create(`/g/${w}/${i}`, Buffer.alloc(1024, w));
  }));
  t.is(commits.reduce((a, b) => a + b, 0), 1600);
  t.true(commits.length <= 1600 / 8, `${commits.length} commits for 1600 writes`);
  await store.close();
});

test('sqlite: a foreign SQLite file is refused by name and left untouched', (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'state.db');
  const other = new Database(file);
  other.exec('CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT)');
  other.close();
  const before = sha256(file);
  const error = t.throws(() => openSqliteStore({ file }), { code: 'STORE_FOREIGN' as never });
  t.true(error!.message.includes(file));
  t.is(sha256(file), before);
});

test('sqlite: a corrupt file is refused by name and left untouched', (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'state.db');
  fs.writeFileSync(file, crypto.randomBytes(64 * 1024));
  const before = sha256(file);
  const error = t.throws(() => openSqliteStore({ file }), { code: 'STORE_CORRUPT' as never });
  t.true(error!.message.includes(file));
  t.is(sha256(file), before);
});

// The bound: 100 keys × 256 B values, history kept for 1,000 revisions. Live rows stay
// under ~3,000, so database plus WAL must stay under 8 MiB however many updates pass.
test('sqlite: 200,000 updates to 100 keys keep database and WAL under 8 MiB', async (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'state.db');
  const store = openSqliteStore({ file, retainRevisions: 1000 });
  const revisions = new Map<string, number>();
  for (let k = 0; k < 100; k++) revisions.set(`/bound/${k}`, (await store.create(`/bound/${k}`, Buffer.alloc(256, k))).modRevision);
  const sizeOf = () => ['', '-wal'].reduce((sum, suffix) => sum + (fs.existsSync(file + suffix) ? fs.statSync(file + suffix).size : 0), 0);
  let largest = 0;
  for (let round = 0; round < 2000; round++) {
    await Promise.all([...revisions].map(async ([key, rev]) => {
      revisions.set(key, (await store.update(key, Buffer.alloc(256, round % 251), rev)).modRevision);
    }));
    if (round % 100 === 0) largest = Math.max(largest, sizeOf());
  }
  largest = Math.max(largest, sizeOf());
  t.is(await store.currentRevision(), 100 + 200_000);
  t.true(largest < 8 * 1024 * 1024, `largest database + WAL was ${largest} bytes`);
  t.true((await store.compactRevision()) >= 200_100 - 3000);
  t.log(`largest database + WAL: ${(largest / 1024).toFixed(0)} KiB`);
  await store.close();
});
