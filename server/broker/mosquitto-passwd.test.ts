import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { PBKDF2_ITERATIONS, mosquittoPasswordLine, verifyMosquittoPasswordLine } from './mosquitto-passwd.ts';

const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';
const withPasswd = fs.existsSync(MOSQUITTO_PASSWD) ? test : test.skip;

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-passwd-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('our lines have mosquitto 2.0 PBKDF2-SHA512 form and verify', (t) => {
  const line = mosquittoPasswordLine('node-a', 'pä$$:word');
  const match = /^node-a:\$7\$(\d+)\$([^$]+)\$([^$]+)$/.exec(line);
  t.truthy(match);
  t.is(Number(match![1]), PBKDF2_ITERATIONS);
  t.is(Buffer.from(match![2]!, 'base64').length, 12);
  t.is(Buffer.from(match![3]!, 'base64').length, 64);
  t.true(verifyMosquittoPasswordLine(line, 'node-a', 'pä$$:word'));
  t.false(verifyMosquittoPasswordLine(line, 'node-a', 'pä$$:wore'));
  t.false(verifyMosquittoPasswordLine(line, 'node-b', 'pä$$:word'));
});

test('a fixed salt gives the same line; a fresh salt a different one', (t) => {
  const salt = Buffer.alloc(12, 7);
  t.is(mosquittoPasswordLine('u', 'p', 101, salt), mosquittoPasswordLine('u', 'p', 101, salt));
  t.not(mosquittoPasswordLine('u', 'p'), mosquittoPasswordLine('u', 'p'));
});

test('malformed lines never verify', (t) => {
  for (const line of ['', 'node-a', 'node-a:plain', 'node-a:$6$abc$def', 'node-a:$7$0$AAAA$AAAA', 'node-a:$7$101$AAAA$AAAA']) {
    t.false(verifyMosquittoPasswordLine(line, 'node-a', 'plain'), line);
  }
});

withPasswd('lines written by the real mosquitto_passwd -b -c verify', (t) => {
  const file = path.join(tempDir(t), 'passwd');
  execFileSync(MOSQUITTO_PASSWD, ['-b', '-c', file, 'node-a', 'correct horse']);
  const line = fs.readFileSync(file, 'utf8').trim();
  t.true(verifyMosquittoPasswordLine(line, 'node-a', 'correct horse'));
  t.false(verifyMosquittoPasswordLine(line, 'node-a', 'correct horsE'));
});

withPasswd('mosquitto_passwd -U hashes plain lines into the same form as ours', (t) => {
  const file = path.join(tempDir(t), 'passwd');
  fs.writeFileSync(file, 'node-b:s3cret\n', { mode: 0o600 });
  execFileSync(MOSQUITTO_PASSWD, ['-U', file]);
  const line = fs.readFileSync(file, 'utf8').trim();
  t.true(verifyMosquittoPasswordLine(line, 'node-b', 's3cret'));
  // Same shape: user, type 7, iterations, 12-byte salt, 64-byte hash.
  const shape = (l: string) => l.replace(/\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/, '$SALT$HASH');
  t.is(shape(line), shape(mosquittoPasswordLine('node-b', 's3cret')));
});
