import http from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { CLUSTER_TOKEN, objectStore } from './fixture.test-helper.ts';
import { createJoin } from './index.ts';
import { brokerUrlResolver } from './request.ts';
import { createToken } from './tokens.ts';
import { caHash } from '../auth/index.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const PASSWORD = 'p'.repeat(64);

async function serve(t: Parameters<typeof objectStore>[0]) {
  const objects = await objectStore(t);
  const join = createJoin({ objects, clusterToken: CLUSTER_TOKEN, caPem: CA, brokerUrlFor: brokerUrlResolver({ mqttListen: { host: '0.0.0.0', port: 1883 } }) });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const route = join.routes.find(({ prefix }) => url.pathname === prefix || url.pathname.startsWith(`${prefix}/`));
    if (!route) return void res.writeHead(418).end();
    void route.handle(req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  const call = (method: string, path: string, options: { auth?: string; body?: string } = {}) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const headers: Record<string, string> = options.auth ? { Authorization: options.auth } : {};
      const req = http.request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end(options.body);
    });
  return { objects, join, call, port };
}

const bearer = (token: string) => `Bearer ${token}`;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const body = (nodeName: string, nodePassword = PASSWORD) => JSON.stringify({ nodeName, nodePassword });

test('GET /cacerts serves the CA bytes to anyone; other methods and paths are Status errors', async (t) => {
  const { call } = await serve(t);
  const ca = await call('GET', '/cacerts');
  t.is(ca.status, 200);
  t.is(ca.body, CA);
  t.is((await call('POST', '/cacerts')).status, 405);
  t.is(JSON.parse((await call('GET', '/cacerts/x')).body).reason, 'NotFound');
  t.is((await call('GET', '/v1-skerry/join')).status, 405);
  t.is((await call('POST', '/v1-skerry/nope')).status, 404);
});

test('join needs the cluster token or a bootstrap token: 401 with a Basic challenge otherwise', async (t) => {
  const { call, objects } = await serve(t);
  const none = await call('POST', '/v1-skerry/join', { body: body('gw-1') });
  t.is(none.status, 401);
  t.is(none.headers['www-authenticate'], 'Basic realm="skerry"');
  t.is(JSON.parse(none.body).kind, 'Status');
  t.is((await call('POST', '/v1-skerry/join', { auth: bearer('nope'), body: body('gw-1') })).status, 401);
  const cluster = await call('POST', '/v1-skerry/join', { auth: basic('anyone', CLUSTER_TOKEN.full), body: body('gw-1') });
  t.is(cluster.status, 200, cluster.body);
  const answer = JSON.parse(cluster.body);
  t.is(answer.nodeName, 'gw-1');
  t.is(answer.credential.username, 'gw-1');
  t.regex(answer.credential.password, /^[0-9a-f]{64}$/);
  t.regex(answer.broker.url, /^mqtts:\/\/127\.0\.0\.1:1883$/);
  t.regex(answer.api.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  t.is((await call('POST', '/v1-skerry/join', { auth: bearer(CLUSTER_TOKEN.secret), body: body('gw-2') })).status, 200, 'the bare secret');
  const { printed } = await createToken(objects, caHash(CA));
  t.is((await call('POST', '/v1-skerry/join', { auth: bearer(printed), body: body('gw-3') })).status, 200, 'a bootstrap token');
});

test('bad bodies are 400/422; another password for a joined name is 403 and changes nothing', async (t) => {
  const { call } = await serve(t);
  const auth = bearer(CLUSTER_TOKEN.full);
  t.is((await call('POST', '/v1-skerry/join', { auth, body: '{' })).status, 400);
  const invalid = await call('POST', '/v1-skerry/join', { auth, body: body('Bad_Name') });
  t.is(invalid.status, 422);
  t.regex(JSON.parse(invalid.body).message, /nodeName: Invalid value/);
  t.is((await call('POST', '/v1-skerry/join', { auth, body: 'x'.repeat(20_000) })).status, 413);
  const first = JSON.parse((await call('POST', '/v1-skerry/join', { auth, body: body('gw-1') })).body);
  const taken = await call('POST', '/v1-skerry/join', { auth, body: body('gw-1', 'q'.repeat(64)) });
  t.is(taken.status, 403);
  t.regex(JSON.parse(taken.body).message, /^Node password rejected for node "gw-1": .*kube-system\/gw-1\.node-password\.skerry/);
  const again = JSON.parse((await call('POST', '/v1-skerry/join', { auth, body: body('gw-1') })).body);
  t.is(again.credential.password, first.credential.password);
});
