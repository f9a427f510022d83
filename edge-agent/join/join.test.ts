import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { isSkerryError } from '../../common/index.ts';
import { defaultNodeName, ensureNodePassword, joinCluster, parsePinnedToken, readIdentity } from './index.ts';
import { writeIdentity, type NodeIdentity } from './state.ts';

const HASH = 'ab'.repeat(32);

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-agent-join-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A port nothing listens on: bound, then closed. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const identity: NodeIdentity = {
  nodeName: 'gw-1',
  credential: { username: 'gw-1', password: 'c'.repeat(64) },
  broker: { url: 'mqtts://10.0.0.5:1883' },
  apiUrl: 'https://10.0.0.5:6443',
  caPem: 'CA PEM\n',
};

test('the token must carry the CA hash; its hash is read case-insensitively', (t) => {
  t.deepEqual(parsePinnedToken(` K10${HASH.toUpperCase()}::abc123.0123456789abcdef\n`), { caHash: HASH, full: `K10${HASH.toUpperCase()}::abc123.0123456789abcdef` });
  for (const bare of ['abc123.0123456789abcdef', 'deadbeef', `K10${HASH.slice(2)}::server:x`]) {
    const error = t.throws(() => parsePinnedToken(bare));
    t.true(isSkerryError(error, 'CONFIG_INVALID'));
    t.regex(error.message, /must carry the server's CA hash/);
  }
});

test('the node password is made once, private, and kept', (t) => {
  const dir = path.join(tempDir(t), 'agent');
  const password = ensureNodePassword(dir);
  t.regex(password, /^[0-9a-f]{64}$/);
  const file = path.join(dir, 'node-password');
  t.is(fs.statSync(file).mode & 0o777, 0o600);
  t.is(ensureNodePassword(dir), password);
  fs.chmodSync(file, 0o644);
  t.is(ensureNodePassword(dir), password);
  t.is(fs.statSync(file).mode & 0o777, 0o600, 'made private again');
  fs.writeFileSync(file, 'short\n');
  t.true(isSkerryError(t.throws(() => ensureNodePassword(dir)), 'DATA_DIR_UNUSABLE'));
});

test('a kept identity is used only for the same server and node name', (t) => {
  const dir = tempDir(t);
  writeIdentity(dir, 'https://10.0.0.5:6443/', identity);
  t.deepEqual(readIdentity(dir, 'https://10.0.0.5:6443/', 'gw-1'), identity);
  t.is(fs.readFileSync(path.join(dir, 'tls', 'server-ca.crt'), 'utf8'), identity.caPem);
  t.is(fs.statSync(path.join(dir, 'identity.json')).mode & 0o777, 0o600);
  t.is(readIdentity(dir, 'https://10.0.0.6:6443/', 'gw-1'), undefined);
  t.is(readIdentity(dir, 'https://10.0.0.5:6443/', 'gw-2'), undefined);
  fs.writeFileSync(path.join(dir, 'identity.json'), '{garbled');
  t.is(readIdentity(dir, 'https://10.0.0.5:6443/', 'gw-1'), undefined);
});

test('the tunnel URL is kept, and an identity kept before the tunnel still reads', (t) => {
  const dir = tempDir(t);
  const withTunnel = { ...identity, tunnel: { url: 'https://10.0.0.5:6444' } };
  writeIdentity(dir, 'https://10.0.0.5:6443/', withTunnel);
  t.deepEqual(readIdentity(dir, 'https://10.0.0.5:6443/', 'gw-1'), withTunnel);
  const { caPem: _ca, ...old } = identity;
  fs.writeFileSync(path.join(dir, 'identity.json'), JSON.stringify({ serverUrl: 'https://10.0.0.5:6443/', ...old }));
  t.deepEqual(readIdentity(dir, 'https://10.0.0.5:6443/', 'gw-1'), identity);
});

test('the cluster’s address plan is kept, so an agent restarted offline still knows it', (t) => {
  const dir = tempDir(t);
  const planned = { ...identity, network: { clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local' } };
  writeIdentity(dir, 'https://10.0.0.5:6443/', planned);
  t.deepEqual(readIdentity(dir, 'https://10.0.0.5:6443/', 'gw-1'), planned);
});

test('an agent restarted with its server unreachable starts from its kept identity; refresh asks the server', async (t) => {
  const dir = tempDir(t);
  const serverUrl = `https://127.0.0.1:${await deadPort()}`;
  writeIdentity(dir, `${serverUrl}/`, identity);
  const token = `K10${HASH}::abc123.0123456789abcdef`;
  t.deepEqual(await joinCluster({ serverUrl, token, nodeName: 'gw-1', dataDir: dir }), identity);
  const error = await t.throwsAsync(joinCluster({ serverUrl, token, nodeName: 'gw-1', dataDir: dir, refresh: true }));
  t.is(error.message.split('\n').length, 1);
  t.true(error.message.includes(`cannot reach the server at ${serverUrl}: ECONNREFUSED`), error.message);
});

test('bad inputs are refused before anything is sent', async (t) => {
  const dir = tempDir(t);
  const token = `K10${HASH}::abc123.0123456789abcdef`;
  const badName = await t.throwsAsync(joinCluster({ serverUrl: 'https://127.0.0.1:1', token, nodeName: 'GW_1', dataDir: dir }));
  t.regex(badName.message, /node name "GW_1" must be a lowercase RFC 1123 subdomain/);
  const bare = await t.throwsAsync(joinCluster({ serverUrl: 'https://127.0.0.1:1', token: 'abc123.0123456789abcdef', nodeName: 'gw-1', dataDir: dir }));
  t.regex(bare.message, /CA hash/);
  t.regex((await t.throwsAsync(joinCluster({ serverUrl: 'http://127.0.0.1:1', token, nodeName: 'gw-1', dataDir: dir }))).message, /must be an https:\/\/ URL/);
  t.regex((await t.throwsAsync(joinCluster({ serverUrl: 'server:6443x', token, nodeName: 'gw-1', dataDir: dir }))).message, /https/);
  t.false(fs.existsSync(path.join(dir, 'identity.json')));
});

test('the default node name is the host name, lower-cased', (t) => {
  const name = os.hostname().toLowerCase();
  if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)) t.is(defaultNodeName(), name);
  else t.throws(() => defaultNodeName(), { message: /pass --node-name/ });
});
