// The writer lanes (the addon's threads) make exactly the files queued, in queue order per
// lane, and report the first failure with its errno, call and path.
import test from 'ava';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireFileWriter, CLOSE_CHMOD, LANES, type FileWriter } from './filewriter.ts';

function scratch(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-filewriter-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writer(t: { teardown(fn: () => void): void }): FileWriter {
  const w = acquireFileWriter();
  if (w === undefined) throw new Error('no file writer could start');
  t.teardown(() => w.release());
  return w;
}

function queueFile(w: FileWriter, where: string, data: Buffer, lane: number, mode = 0o644, mtime = 1_700_000_000.25): void {
  w.open(where, mode & 0o777, lane);
  for (let at = 0; at < data.length; at += 70_000) w.data(data.subarray(at, at + 70_000));
  w.close(mode !== (mode & 0o777) ? CLOSE_CHMOD : 0, 0, 0, mode, mtime);
}

test('files queued on every lane are made with their bytes, mode and time; a file bigger than a slot spans slots', (t) => {
  const dir = scratch(t);
  const w = writer(t);
  const files = Array.from({ length: 400 }, (_, i) => ({ where: path.join(dir, `f${i}`), data: crypto.randomBytes(i === 7 ? 1_300_000 : i * 37) }));
  files.forEach((f, i) => queueFile(w, f.where, f.data, i % 3, i === 5 ? 0o4750 : 0o640));
  w.settle();
  for (const [i, f] of files.entries()) {
    t.true(fs.readFileSync(f.where).equals(f.data), `f${i} content`);
    const stat = fs.statSync(f.where);
    t.is(stat.mode & 0o7777, i === 5 ? 0o4750 : 0o640 & ~process.umask());
    t.is(stat.mtimeMs, 1_700_000_000_250);
  }
  t.true(LANES >= 1 && LANES <= 2);
});

test('a later file of the same path replaces the earlier one', (t) => {
  const dir = scratch(t);
  const w = writer(t);
  const where = path.join(dir, 'same');
  queueFile(w, where, Buffer.from('first'), 0);
  queueFile(w, where, Buffer.from('second'), 0);
  w.settle();
  t.is(fs.readFileSync(where, 'utf8'), 'second');
});

test('the first failure is thrown with errno, call and path; the lane skips what follows; the next writer starts clean', (t) => {
  const dir = scratch(t);
  const w = acquireFileWriter()!;
  queueFile(w, path.join(dir, 'before'), Buffer.from('x'), 0);
  queueFile(w, path.join(dir, 'missing-dir', 'file'), Buffer.from('y'), 0);
  queueFile(w, path.join(dir, 'after'), Buffer.from('z'), 0);
  const error = t.throws(() => w.settle()) as NodeJS.ErrnoException;
  t.is(error.code, 'ENOENT');
  t.is(error.syscall, 'open');
  t.is(error.path, path.join(dir, 'missing-dir', 'file'));
  t.regex(error.message, /open .*missing-dir\/file: ENOENT/);
  t.true(fs.existsSync(path.join(dir, 'before')));
  t.false(fs.existsSync(path.join(dir, 'after')), 'records after the failure were skipped');
  t.is(t.throws(() => w.settle()), error, 'every later settle throws the same failure');
  w.release();

  const next = writer(t);
  queueFile(next, path.join(dir, 'fresh'), Buffer.from('ok'), 0);
  next.settle();
  t.is(fs.readFileSync(path.join(dir, 'fresh'), 'utf8'), 'ok');
});

test('with failures on two lanes, the one of the earlier file is thrown', (t) => {
  const dir = scratch(t);
  const w = writer(t);
  queueFile(w, path.join(dir, 'ok'), Buffer.from('x'), 0);
  queueFile(w, path.join(dir, 'no-a', 'first'), Buffer.from('y'), 1);
  queueFile(w, path.join(dir, 'no-b', 'second'), Buffer.from('z'), 0);
  const error = t.throws(() => w.settle()) as NodeJS.ErrnoException;
  t.is(error.path, path.join(dir, 'no-a', 'first'));
  t.false('fileSequence' in error);
});
