// Registry authentication against the real docker-registry: htpasswd Basic auth, the
// Bearer token flow (the registry's `auth: token` with a token server run by the test),
// HTTPS with an extra CA; and, with a small in-test registry, credentials never following a
// redirect to another origin.
import test from 'ava';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { isSkerryError } from '../common/index.ts';
import { pullImage } from '../edge-agent/images/registry/index.ts';
import { openContentStore } from '../storage/content/index.ts';
import { buildOciLayout, type ImageSpec } from './helpers/oci-layout.ts';
import { pushLayout, registryFor, startFakeRegistry, startTokenServer, tempDir, testTls } from './helpers/registry.ts';

const QUICK_RETRY = { attempts: 2, baseDelayMs: 20, maxDelayMs: 50 };
const IMAGE: ImageSpec[] = [{ layers: [{ entries: [{ path: 'hello', type: 'file', content: 'hello' }], gzip: true }, { entries: [{ path: 'two', type: 'file', content: '2' }] }] }];

test('htpasswd Basic auth: right credentials pull, wrong or missing ones are REGISTRY_AUTH naming the registry', async (t) => {
  const dir = tempDir(t);
  const layout = await buildOciLayout(path.join(dir, 'layout'), 'v1', IMAGE);
  const registry = await registryFor(t, path.join(dir, 'registry'), { kind: 'htpasswd', users: { edge: 's3cret' } });
  await pushLayout(layout.dir, 'v1', registry.host, 'private/app', { creds: 'edge:s3cret' });
  const store = openContentStore(path.join(dir, 'content'));
  const ref = `${registry.host}/private/app:v1`;
  const base = { store, insecure: true, retry: QUICK_RETRY };
  const pulled = await pullImage(ref, { ...base, auth: { username: 'edge', password: 's3cret' } });
  t.is(pulled.configDigest, layout.images[0]!.config.digest);
  t.true(store.has(pulled.manifestDigest));

  const fresh = openContentStore(path.join(dir, 'content2'));
  const wrong = await t.throwsAsync(pullImage(ref, { ...base, store: fresh, auth: () => ({ username: 'edge', password: 'nope' }) }));
  t.true(isSkerryError(wrong, 'REGISTRY_AUTH'), String(wrong));
  t.regex(wrong!.message, new RegExp(`${registry.host} refused access to private/app with Basic credentials`));
  const none = await t.throwsAsync(pullImage(ref, { ...base, store: fresh }));
  t.true(isSkerryError(none, 'REGISTRY_AUTH'), String(none));
  t.regex(none!.message, /without credentials: it asks for credentials/);
  t.deepEqual(fresh.list(), []);
});

test('Bearer token flow: the token is fetched once with the credentials and reused for every request of the pull', async (t) => {
  const dir = tempDir(t);
  const layout = await buildOciLayout(path.join(dir, 'layout'), 'v1', IMAGE);
  const tokens = await startTokenServer({ edge: 'pw' }, { field: 'access_token' });
  t.teardown(() => tokens.close());
  const registry = await registryFor(t, path.join(dir, 'registry'), { kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, certPem: tokens.certPem });
  await pushLayout(layout.dir, 'v1', registry.host, 'team/app', { creds: 'edge:pw' });
  const store = openContentStore(path.join(dir, 'content'));
  const ref = `${registry.host}/team/app:v1`;
  const before = tokens.requests.length;
  const pulled = await pullImage(ref, { store, insecure: true, retry: QUICK_RETRY, auth: { username: 'edge', password: 'pw' } });
  t.is(pulled.layers.length, 2);
  for (const layer of pulled.layers) t.true(store.has(layer.digest));
  t.deepEqual(tokens.requests.slice(before), [{ scope: 'repository:team/app:pull', user: 'edge' }]);

  const fresh = openContentStore(path.join(dir, 'content2'));
  const refused = await t.throwsAsync(pullImage(ref, { store: fresh, insecure: true, retry: QUICK_RETRY, auth: { username: 'edge', password: 'bad' } }));
  t.true(isSkerryError(refused, 'REGISTRY_AUTH'), String(refused));
  t.regex(refused!.message, new RegExp(`token server 127\\.0\\.0\\.1:\\d+ for ${registry.host} refused the credentials given`));
});

test('Bearer token flow without credentials: an anonymous token that grants pull', async (t) => {
  const dir = tempDir(t);
  const layout = await buildOciLayout(path.join(dir, 'layout'), 'v1', IMAGE);
  const tokens = await startTokenServer({ edge: 'pw' }, { anonymousPull: true });
  t.teardown(() => tokens.close());
  const registry = await registryFor(t, path.join(dir, 'registry'), { kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, certPem: tokens.certPem });
  await pushLayout(layout.dir, 'v1', registry.host, 'public/app', { creds: 'edge:pw' });
  const store = openContentStore(path.join(dir, 'content'));
  const pulled = await pullImage(`${registry.host}/public/app:v1`, { store, insecure: true, retry: QUICK_RETRY });
  t.true(store.has(pulled.manifestDigest));
  t.deepEqual(tokens.requests.at(-1), { scope: 'repository:public/app:pull' });
});

test('HTTPS: trusted through the CA given; an unknown CA is REGISTRY_UNREACHABLE unless tlsVerify is off', async (t) => {
  const dir = tempDir(t);
  const layout = await buildOciLayout(path.join(dir, 'layout'), 'v1', IMAGE);
  const tls = await testTls();
  const registry = await registryFor(t, path.join(dir, 'registry'), { kind: 'tls', certPem: tls.certPem, keyPem: tls.keyPem });
  await pushLayout(layout.dir, 'v1', registry.host, 'secure/app');
  const ref = `${registry.host}/secure/app:v1`;
  const pulled = await pullImage(ref, { store: openContentStore(path.join(dir, 'a')), ca: tls.caPem, retry: QUICK_RETRY });
  t.is(pulled.configDigest, layout.images[0]!.config.digest);
  const error = await t.throwsAsync(pullImage(ref, { store: openContentStore(path.join(dir, 'b')), retry: QUICK_RETRY }));
  t.true(isSkerryError(error, 'REGISTRY_UNREACHABLE'), String(error));
  t.regex(error!.message, new RegExp(`${registry.host}: TLS failed`));
  const unverified = await pullImage(ref, { store: openContentStore(path.join(dir, 'c')), tlsVerify: false, retry: QUICK_RETRY });
  t.is(unverified.manifestDigest, pulled.manifestDigest);
});

test('a blob redirect to another origin is followed without the Authorization header', async (t) => {
  const dir = tempDir(t);
  const layout = await buildOciLayout(path.join(dir, 'layout'), 'v1', IMAGE);
  // The blob store: the same layout, no auth, on another port.
  const storage = await startFakeRegistry(layout.dir, 'v1');
  t.teardown(() => storage.close());
  const front = await startFakeRegistry(layout.dir, 'v1', {
    basic: { username: 'edge', password: 'pw' },
    intercept(req, res) {
      if (!req.url?.includes('/blobs/') || !req.headers.authorization) return false;
      res.writeHead(307, { location: `http://${storage.host}${req.url}` }).end();
      return true;
    },
  });
  t.teardown(() => front.close());
  const store = openContentStore(path.join(dir, 'content'));
  const pulled = await pullImage(`${front.host}/app:v1`, { store, insecure: true, retry: QUICK_RETRY, auth: { username: 'edge', password: 'pw' } });
  t.true(store.has(pulled.layers[1]!.digest));
  t.is(storage.requests.length, 3, 'config and two layers came from the blob store');
  t.true(storage.requests.every((r) => r.authorization === undefined));
  t.true(front.requests.filter((r) => r.path.includes('/blobs/')).every((r) => r.authorization?.startsWith('Basic ')));
});

test('a token server that is down is REGISTRY_UNREACHABLE naming it', async (t) => {
  const dir = tempDir(t);
  const layout = await buildOciLayout(path.join(dir, 'layout'), 'v1', IMAGE);
  const dead = http.createServer();
  await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
  const deadPort = (dead.address() as net.AddressInfo).port;
  await new Promise((resolve) => dead.close(resolve));
  const front = await startFakeRegistry(layout.dir, 'v1', {
    intercept(_req, res) {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${deadPort}/token",service="x",scope="repository:app:pull"` }).end();
      return true;
    },
  });
  t.teardown(() => front.close());
  const error = await t.throwsAsync(pullImage(`${front.host}/app:v1`, { store: openContentStore(path.join(dir, 'c')), insecure: true, retry: QUICK_RETRY }));
  t.true(isSkerryError(error, 'REGISTRY_UNREACHABLE'), String(error));
  t.regex(error!.message, new RegExp(`127\\.0\\.0\\.1:${deadPort}: ECONNREFUSED`));
});
