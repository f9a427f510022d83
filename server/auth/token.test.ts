import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isSkerryError } from '../../common/index.ts';
import { caHash, ensureClusterToken } from './token.ts';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-token-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the first start writes a private K10 token that later starts keep', (t) => {
  const dir = tempDir(t);
  const first = ensureClusterToken(dir, 'CA PEM');
  t.regex(first.full, new RegExp(`^K10${caHash('CA PEM')}::server:[0-9a-f]{64}$`));
  t.is(first.secret, first.full.split('::server:')[1]!);
  t.is(fs.statSync(first.file).mode & 0o777, 0o600);
  t.is(fs.readFileSync(path.join(dir, 'token'), 'utf8'), `${first.full}\n`);
  t.deepEqual(ensureClusterToken(dir, 'CA PEM'), first);
  t.not(ensureClusterToken(tempDir(t), 'CA PEM').secret, first.secret, 'random per cluster');
});

test('a loosened token file is made private again; a garbled one is refused naming the file', (t) => {
  const dir = tempDir(t);
  const token = ensureClusterToken(dir, 'CA');
  fs.chmodSync(token.file, 0o644);
  ensureClusterToken(dir, 'CA');
  t.is(fs.statSync(token.file).mode & 0o777, 0o600);
  fs.writeFileSync(token.file, 'hunter2\n');
  const error = t.throws(() => ensureClusterToken(dir, 'CA'));
  t.true(isSkerryError(error, 'CONFIG_INVALID'));
  t.true(error.message.includes(token.file));
});
