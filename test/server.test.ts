import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import test from 'ava';
import { httpsGet } from './helpers/https.ts';
import { runSkerry, startServer, tempDir } from './helpers/skerry.ts';

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('skerry server serves /healthz, /readyz, /version and /metrics over HTTPS with the CA it made', async (t) => {
  const dir = tempDir('server');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const server = await startServer(dir);
  t.teardown(() => server.child.kill('SIGKILL'));
  const ca = fs.readFileSync(path.join(dir, 'tls', 'server-ca.crt'), 'utf8');
  t.is((await httpsGet(server.port, '/healthz', ca)).body, 'ok');
  t.is((await httpsGet(server.port, '/livez', ca)).body, 'ok');
  const ready = await httpsGet(server.port, '/readyz?verbose', ca);
  t.is(ready.status, 200);
  t.is(ready.body, '[+]ping ok\n[+]store ok\nreadyz check passed\n');
  const version = JSON.parse((await httpsGet(server.port, '/version', ca)).body) as Record<string, string>;
  t.is(version.major, '1');
  t.regex(version.minor!, /^\d+$/);
  t.regex(version.gitVersion!, /^v1\.\d+\.\d+\+skerry-/);
  const metrics = await httpsGet(server.port, '/metrics', ca);
  t.is(metrics.status, 200);
  t.regex(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  t.regex(metrics.body, /^skerry_kv_revision \d+$/m);
  t.regex(metrics.body, /^# TYPE skerry_kv_commits_total counter$/m);
  const missing = await httpsGet(server.port, '/no/such/thing', ca);
  t.is(missing.status, 404);
  t.like(JSON.parse(missing.body), { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
  for (const line of server.logs) t.like(line, { level: 30 }, 'JSON log lines from pino');
  t.true(server.logs.every((l) => typeof l.component === 'string'));
});

test('SIGTERM stops the server cleanly with the store closed; a restart reuses the CA and the store', async (t) => {
  const dir = tempDir('server-restart');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const first = await startServer(dir);
  const caHash = sha256(path.join(dir, 'tls', 'server-ca.crt'));
  first.child.kill('SIGTERM');
  t.deepEqual(await first.exited, { code: 0, signal: null });
  t.true(first.stderr().includes('store closed; server stopped'));
  t.false(fs.existsSync(path.join(dir, 'db', 'state.db-wal')) && fs.statSync(path.join(dir, 'db', 'state.db-wal')).size > 0, 'WAL checkpointed on close');
  const second = await startServer(dir);
  t.teardown(() => second.child.kill('SIGKILL'));
  t.is(sha256(path.join(dir, 'tls', 'server-ca.crt')), caHash);
  const ca = fs.readFileSync(path.join(dir, 'tls', 'server-ca.crt'), 'utf8');
  t.is((await httpsGet(second.port, '/healthz', ca)).body, 'ok');
});

test('a bad flag or flag value exits 2 with a one-line reason and a hint', async (t) => {
  for (const args of [['server', '--no-such-flag'], ['server', '--listen', 'nowhere'], ['server', '--datastore', 'postgres://x']]) {
    const result = await runSkerry(args);
    t.is(result.code, 2, args.join(' '));
    const lines = result.stderr.trim().split('\n');
    t.is(lines.length, 2, result.stderr);
    t.regex(lines[0]!, /^skerry server: /);
    t.is(lines[1], "Run 'skerry server --help' for usage.");
  }
});

test('an unusable data dir exits 1 with a one-line reason naming it', async (t) => {
  const dir = tempDir('server-baddir');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, 'not a directory');
  const result = await runSkerry(['server', '--data-dir', file, '--listen', '127.0.0.1:0']);
  t.is(result.code, 1);
  t.regex(result.stderr, /^skerry server: Data directory cannot be used: .*a-file: EEXIST\n$/);
});

test('a corrupt store file exits 1 naming the file and leaves it untouched', async (t) => {
  const dir = tempDir('server-corrupt');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'db', 'state.db');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, crypto.randomBytes(8192));
  const before = sha256(file);
  const result = await runSkerry(['server', '--data-dir', dir, '--listen', '127.0.0.1:0']);
  t.is(result.code, 1);
  const lines = result.stderr.trim().split('\n').filter((l) => !l.startsWith('{'));
  t.is(lines.length, 1, result.stderr);
  t.true(lines[0]!.startsWith(`skerry server: Database file is corrupt or not a database: ${file}`), lines[0]);
  t.is(sha256(file), before);
});

test('a port already in use exits 1 saying so', async (t) => {
  const dir = tempDir('server-port');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const { port } = blocker.address() as net.AddressInfo;
  const result = await runSkerry(['server', '--data-dir', dir, '--listen', `127.0.0.1:${port}`, '--mqtt-listen', '127.0.0.1:0', '--tunnel-listen', '127.0.0.1:0']);
  t.is(result.code, 1);
  t.regex(result.stderr, new RegExp(`skerry server: Cannot listen on the address: 127\\.0\\.0\\.1:${port}: EADDRINUSE\\n$`));
});
