// Joining a node, end to end against the built server: `skerry token create|list|revoke`,
// the agent's joinCluster (pinning the CA by the token's hash, the node password), and the
// issued credential reading from the server's registry.
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import test from 'ava';
import { joinCluster } from '../edge-agent/join/index.ts';
import { runSkerry, startServer, tempDir, type ServerProcess } from './helpers/skerry.ts';

let server: ServerProcess;
let dir: string;
let kubeconfig: string;
let serverUrl: string;
let ca: string;

test.before(async () => {
  dir = tempDir('agent-join');
  server = await startServer(path.join(dir, 'server'));
  serverUrl = `https://127.0.0.1:${server.port}`;
  ca = fs.readFileSync(path.join(dir, 'server', 'tls', 'server-ca.crt'), 'utf8');
  const printed = await runSkerry(['kubeconfig', '--data-dir', path.join(dir, 'server'), '--server', serverUrl]);
  kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(kubeconfig, printed.stdout, { mode: 0o600 });
});

test.after.always(() => {
  server?.child.kill('SIGKILL');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function token(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runSkerry(['token', ...args, '--kubeconfig', kubeconfig]);
}

async function createToken(extra: string[] = []): Promise<string> {
  const created = await token(['create', ...extra]);
  if (created.code !== 0) throw new Error(created.stderr);
  return created.stdout.trim();
}

let agents = 0;
function agentDir(): string {
  return path.join(dir, `agent-${++agents}`);
}

/** GET over HTTPS pinned to the cluster CA, with an optional Authorization header. */
function get(urlPath: string, authorization?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port: server.port, path: urlPath, ca, servername: 'localhost', headers: authorization ? { Authorization: authorization } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
/** The server's join log lines, once lines in flight on its stderr pipe have arrived. */
async function joinLogs(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  return server.logs.filter((l) => l.component === 'join').length;
}

test.serial('a created token joins a node whose credential then pulls from the registry', async (t) => {
  const printed = await createToken(['--description', 'site A']);
  t.regex(printed, new RegExp(`^K10${crypto.createHash('sha256').update(ca).digest('hex')}::[a-z0-9]{6}\\.[a-z0-9]{16}$`));
  const list = await token(['list']);
  t.is(list.code, 0, list.stderr);
  t.regex(list.stdout, /^TOKEN\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION\n/);
  t.true(list.stdout.includes(printed));
  t.regex(list.stdout, /\s(23h|24h)\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+authentication\s+site A\n/);

  const data = agentDir();
  const before = await joinLogs();
  const identity = await joinCluster({ serverUrl, token: printed, nodeName: 'gw-1', dataDir: data });
  t.is(await joinLogs(), before + 1, 'the server logs each join (the CA-mismatch test relies on it)');
  t.is(identity.nodeName, 'gw-1');
  t.is(identity.credential.username, 'gw-1');
  t.regex(identity.credential.password, /^[0-9a-f]{64}$/);
  t.regex(identity.broker.url, /^mqtts:\/\/127\.0\.0\.1:\d+$/, 'the embedded broker, at the host the agent reached the API by');
  t.is(identity.caPem, ca);
  t.is(fs.readFileSync(path.join(data, 'tls', 'server-ca.crt'), 'utf8'), ca);
  t.is(fs.statSync(path.join(data, 'identity.json')).mode & 0o777, 0o600);
  t.is(fs.statSync(path.join(data, 'node-password')).mode & 0o777, 0o600);

  t.is(await get('/v2/', basic('gw-1', identity.credential.password)), 200);
  t.is(await get('/v2/', `Bearer node:gw-1:${identity.credential.password}`), 200);
  t.is(await get('/v2/'), 401);
  t.is(await get('/v2/', basic('gw-2', identity.credential.password)), 401, 'the credential is bound to its node');
  t.is(await get('/api/v1/namespaces/kube-system/secrets', basic('gw-1', identity.credential.password)), 403, 'a node may not read the API (and its secrets)');
});

test.serial('the same name from another machine (another node password) is refused; the first node keeps working', async (t) => {
  const printed = await createToken();
  const first = await joinCluster({ serverUrl, token: printed, nodeName: 'gw-twin', dataDir: agentDir() });
  const error = await t.throwsAsync(joinCluster({ serverUrl, token: printed, nodeName: 'gw-twin', dataDir: agentDir() }));
  t.regex(error.message, /refused the join \(403\): Node password rejected for node "gw-twin"/);
  t.is(error.message.split('\n').length, 1);
  t.is(await get('/v2/', basic('gw-twin', first.credential.password)), 200);
});

test.serial('a token pinned to another CA is refused before any credential is sent', async (t) => {
  const printed = await createToken();
  const forged = printed.replace(/^K10[0-9a-f]{64}/, `K10${crypto.createHash('sha256').update('another CA').digest('hex')}`);
  const before = await joinLogs();
  const data = agentDir();
  const error = await t.throwsAsync(joinCluster({ serverUrl, token: forged, nodeName: 'gw-mitm', dataDir: data }));
  t.regex(error.message, /CA hash mismatch: the server at https:\/\/127\.0\.0\.1:\d+ presents a CA with sha256 [0-9a-f]{64}, but the token pins [0-9a-f]{64}.*no credential was sent/);
  t.is(await joinLogs(), before, 'the server saw no join request');
  t.false(fs.existsSync(path.join(data, 'identity.json')));
  const secrets = await runSkerry(['get', 'secrets', '-n', 'kube-system', '-o', 'name', '--kubeconfig', kubeconfig]);
  t.false(secrets.stdout.includes('gw-mitm'), 'no node was recorded');
});

test.serial('a revoked token joins no new node, and revoking is by id or whole token', async (t) => {
  const printed = await createToken();
  const id = /::([a-z0-9]{6})\./.exec(printed)![1]!;
  const revoked = await token(['revoke', printed]);
  t.is(revoked.code, 0, revoked.stderr);
  t.is(revoked.stdout, `bootstrap token "${id}" deleted\n`);
  const error = await t.throwsAsync(joinCluster({ serverUrl, token: printed, nodeName: 'gw-late', dataDir: agentDir() }));
  t.regex(error.message, /refused the join \(401\): the join token is unknown, expired or revoked/);
  const again = await token(['revoke', id]);
  t.is(again.code, 1);
  t.is(again.stderr, `skerry token: The API refused the request: bootstrap token "${id}" not found\n`);
  t.false((await token(['list'])).stdout.includes(printed));
});

test.serial('an expired token is refused', async (t) => {
  const printed = await createToken(['--ttl', '1s']);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  t.regex((await token(['list'])).stdout, /<invalid>/);
  const error = await t.throwsAsync(joinCluster({ serverUrl, token: printed, nodeName: 'gw-expired', dataDir: agentDir() }));
  t.regex(error.message, /\(401\)/);
});

test.serial('the cluster token joins too; a restarted agent reuses what it kept', async (t) => {
  const clusterToken = fs.readFileSync(path.join(dir, 'server', 'token'), 'utf8').trim();
  const data = agentDir();
  const identity = await joinCluster({ serverUrl, token: clusterToken, nodeName: 'gw-cluster', dataDir: data });
  t.is(await get('/v2/', basic('gw-cluster', identity.credential.password)), 200);
  const before = await joinLogs();
  t.deepEqual(await joinCluster({ serverUrl, token: clusterToken, nodeName: 'gw-cluster', dataDir: data }), identity);
  t.is(await joinLogs(), before, 'no request for a kept identity');
  const refreshed = await joinCluster({ serverUrl, token: clusterToken, nodeName: 'gw-cluster', dataDir: data, refresh: true });
  t.is(refreshed.credential.password, identity.credential.password, 'the same node password gets the same credential');
});

test.serial('bad token verb usage exits 2 with a usage line', async (t) => {
  const bad = await token(['create', '--ttl', 'soon']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--ttl "soon" must be a duration/);
  t.is((await token(['revoke'])).code, 2);
  t.is((await token(['revoke', 'not a token'])).code, 2);
  t.is((await runSkerry(['token', 'rotate'])).code, 2);
});
