import test from 'ava';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFileDigest } from './digest.ts';

function tempFile(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-digest-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'blob');
}

const sha = (algorithm: string, data: Buffer) => crypto.createHash(algorithm).update(data).digest('hex');

test('appended batches land in the file in order and hash as Node hashes the whole (sha256, sha512)', async (t) => {
  for (const algorithm of ['sha256', 'sha512'] as const) {
    const file = tempFile(t);
    const fd = fs.openSync(file, 'a+');
    t.teardown(() => fs.closeSync(fd));
    const digest = createFileDigest(algorithm);
    // Many small buffers, an empty one, and one larger than a pipe or page: writev must take them all.
    const batches = [[Buffer.from('abc'), Buffer.alloc(0), crypto.randomBytes(70_000)], Array.from({ length: 1500 }, (_, i) => Buffer.from(`chunk ${i};`)), [crypto.randomBytes(3 << 20)]];
    let total = 0;
    for (const batch of batches) total += await digest.append(fd, batch);
    const whole = Buffer.concat(batches.flat());
    t.is(total, whole.length);
    t.true(fs.readFileSync(file).equals(whole), "the file holds the batches in order");
    t.is(digest.hex(), sha(algorithm, whole));
    // hex() does not end the digest: more bytes can follow.
    await digest.append(fd, [Buffer.from('tail')]);
    t.is(digest.hex(), sha(algorithm, Buffer.concat([whole, Buffer.from('tail')])));
  }
});

test('a file already on disk is read into the digest (a resumed download), then appended to', async (t) => {
  const file = tempFile(t);
  const prefix = crypto.randomBytes((2 << 20) + 17);
  fs.writeFileSync(file, prefix);
  const fd = fs.openSync(file, 'a+');
  t.teardown(() => fs.closeSync(fd));
  const digest = createFileDigest('sha256');
  t.is(await digest.addFile(fd), prefix.length);
  const rest = crypto.randomBytes(1000);
  await digest.append(fd, [rest]);
  t.is(digest.hex(), sha('sha256', Buffer.concat([prefix, rest])));
});

test('failures name the call and errno, a broken digest gives no hex, and two jobs at once are refused', async (t) => {
  const file = tempFile(t);
  fs.writeFileSync(file, 'x');
  const readOnly = fs.openSync(file, 'r');
  t.teardown(() => fs.closeSync(readOnly));
  const digest = createFileDigest('sha256');
  const error = await t.throwsAsync(digest.append(readOnly, [Buffer.from('data')]));
  t.regex(error!.message, /^writev of 4 bytes to the blob \(0 written\): EBADF/);
  t.is((error as NodeJS.ErrnoException).code, 'EBADF');
  t.throws(() => digest.hex(), { message: /failed part-way/ });

  const writeOnly = fs.openSync(file, 'w');
  t.teardown(() => fs.closeSync(writeOnly));
  await t.throwsAsync(createFileDigest('sha256').addFile(writeOnly), { message: /^pread of the blob at 0: EBADF/ });

  const busy = createFileDigest('sha256');
  const first = busy.append(-1, [crypto.randomBytes(8 << 20)]);
  t.throws(() => void busy.append(-1, [Buffer.from('x')]), { message: /in use by another job/ });
  await first;
  t.throws(() => createFileDigest('md5' as 'sha256'), { message: /is not sha256 or sha512/ });
});

test('the job holds its own references: a caller emptying its array meanwhile changes nothing', async (t) => {
  const file = tempFile(t);
  const fd = fs.openSync(file, 'a+');
  t.teardown(() => fs.closeSync(fd));
  const digest = createFileDigest('sha256');
  const batch = [crypto.randomBytes(1 << 20), crypto.randomBytes(1 << 20)];
  const expected = Buffer.concat(batch);
  const written = digest.append(fd, batch);
  batch.length = 0;
  t.is(await written, expected.length);
  t.true(fs.readFileSync(file).equals(expected));
  t.is(digest.hex(), sha('sha256', expected));
});
