import fs from 'node:fs';
import test from 'ava';
import { runSkerry, SKERRY } from './helpers/skerry.ts';

test('skerry without a verb prints usage on stderr and exits 2', async (t) => {
  const result = await runSkerry([]);
  t.is(result.code, 2);
  t.regex(result.stderr, /^Usage: skerry VERB/);
  t.is(result.stdout, '');
});

test('an unknown verb exits 2 naming it', async (t) => {
  const result = await runSkerry(['fly']);
  t.is(result.code, 2);
  t.regex(result.stderr, /^skerry: unknown verb "fly"/);
});

test('--help lists the verbs on stdout and exits 0; each verb has its own --help', async (t) => {
  const result = await runSkerry(['--help']);
  t.is(result.code, 0);
  for (const verb of ['server', 'check-config', 'version']) t.regex(result.stdout, new RegExp(`\\n  ${verb} `));
  const server = await runSkerry(['server', '--help']);
  t.is(server.code, 0);
  for (const flag of ['--data-dir', '--listen', '--mqtt-listen', '--broker', '--datastore', '--disable-agent']) t.true(server.stdout.includes(flag), flag);
});

test('version prints the skerry release and the Kubernetes API it serves', async (t) => {
  const result = await runSkerry(['version', '-o', 'json']);
  t.is(result.code, 0);
  const info = JSON.parse(result.stdout) as { skerry: string; kubernetes: { major: string; minor: string } };
  t.regex(info.skerry, /^\d+\.\d+\.\d+/);
  t.is(info.kubernetes.major, '1');
});

// V8 keeps a script's source in memory; one non-ASCII byte makes it keep all of it as UTF-16,
// twice the size (ADR 013).
test('the bundle is all ASCII, so every process holds its source as one-byte text', (t) => {
  const bundle = fs.readFileSync(SKERRY);
  const offset = bundle.findIndex((byte) => byte > 0x7f);
  t.is(offset, -1, offset < 0 ? '' : `non-ASCII byte at offset ${offset}: …${bundle.subarray(Math.max(0, offset - 60), offset + 20).toString('latin1')}…`);
});
