import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isSkerryError } from '../../common/index.ts';
import { digestOf, openContentStore } from './index.ts';

function tempStore(t: { teardown(fn: () => void): void }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-content-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return openContentStore(dir);
}

test('put stores a blob by its digest and refuses data that does not match the expected one', async (t) => {
  const store = tempStore(t);
  const digest = await store.put(Buffer.from('hello'));
  t.is(digest, digestOf('hello'));
  t.is(store.read(digest).toString(), 'hello');
  t.is(store.size(digest), 5);
  const error = await t.throwsAsync(store.put(Buffer.from('evil'), digest.replace(/.$/, '0')));
  t.true(isSkerryError(error, 'DIGEST_MISMATCH'));
  t.deepEqual(store.list().map((b) => b.digest), [digest]);
  t.deepEqual(fs.readdirSync(path.join(store.root, 'ingest')), []);
});

test('a cut ingest resumes from the bytes on disk, also from a reopened store', async (t) => {
  const store = tempStore(t);
  const data = Buffer.alloc(100_000, 7);
  const digest = digestOf(data);
  const first = (await store.ingest(digest))!;
  t.is(first.offset, 0);
  await first.write(data.subarray(0, 40_000));
  await first.close();
  t.false(store.has(digest));
  const second = (await openContentStore(store.root).ingest(digest))!;
  t.is(second.offset, 40_000);
  await second.write(data.subarray(40_000));
  await second.commit(digest, data.length);
  t.true(store.has(digest));
  t.deepEqual(store.read(digest), data);
});

test('a wrong size or digest at commit discards the partial bytes', async (t) => {
  const store = tempStore(t);
  const digest = digestOf('abc');
  const writer = (await store.ingest(digest))!;
  await writer.write(Buffer.from('abd'));
  const error = await t.throwsAsync(writer.commit());
  t.true(isSkerryError(error, 'DIGEST_MISMATCH'));
  t.false(store.has(digest));
  t.is((await store.ingest(digest))!.offset, 0);
});

test('two writers of one blob take turns, and the second finds it present', async (t) => {
  const store = tempStore(t);
  const digest = digestOf('shared');
  const order: string[] = [];
  const first = (await store.ingest(digest))!;
  const second = store.ingest(digest).then((w) => order.push(w === null ? 'second: present' : 'second: writer'));
  await new Promise((r) => setTimeout(r, 100));
  order.push('first: commit');
  await first.write(Buffer.from('shared'));
  await first.commit();
  await second;
  t.deepEqual(order, ['first: commit', 'second: present']);
});

test('a lock left by a dead process is taken over', async (t) => {
  const store = tempStore(t);
  const digest = digestOf('x');
  const hex = digest.slice(7);
  fs.writeFileSync(path.join(store.root, 'ingest', `sha256-${hex}.lock`), JSON.stringify({ pid: 999_999_999, start: '1' }));
  const writer = await store.ingest(digest);
  t.truthy(writer);
  await writer!.close();
});

test('uploads of unknown content are reopened by id and committed under the digest given', async (t) => {
  const store = tempStore(t);
  const { id, ingest } = await store.upload();
  await ingest.write(Buffer.from('part1-'));
  await ingest.close();
  t.is(store.uploadSize(id), 6);
  const again = await store.upload(id);
  t.is(again.ingest.offset, 6);
  await again.ingest.write(Buffer.from('part2'));
  const digest = await again.ingest.commit(digestOf('part1-part2'));
  t.is(store.read(digest).toString(), 'part1-part2');
  t.is(store.uploadSize(id), undefined);
});

test('bad digests are refused naming the reason', (t) => {
  const store = tempStore(t);
  for (const bad of ['sha256:abc', 'md5:00', 'sha256:' + 'G'.repeat(64), 'nocolon']) {
    const error = t.throws(() => store.has(bad));
    t.true(isSkerryError(error, 'DIGEST_INVALID'), bad);
  }
});
