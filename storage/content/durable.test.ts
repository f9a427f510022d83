import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { writeFileDurablyAsync } from './durable.ts';

test('writeFileDurablyAsync replaces the file whole, with its mode, and leaves no temp file behind', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-durable-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'image');
  await writeFileDurablyAsync(file, 'sha256:old', 0o640);
  await Promise.all([writeFileDurablyAsync(file, 'sha256:new'), writeFileDurablyAsync(path.join(dir, 'other'), Buffer.from('x'))]);
  t.is(fs.readFileSync(file, 'utf8'), 'sha256:new');
  t.is(fs.statSync(path.join(dir, 'other')).mode & 0o777, 0o600);
  t.deepEqual(fs.readdirSync(dir).sort(), ['image', 'other']);
});

test('writeFileDurablyAsync into a missing directory fails and creates nothing', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-durable-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  await t.throwsAsync(writeFileDurablyAsync(path.join(dir, 'missing', 'f'), 'x'), { code: 'ENOENT' });
  t.deepEqual(fs.readdirSync(dir), []);
});
