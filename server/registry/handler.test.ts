// The registry handler in-process over plain HTTP, with a node authenticator that knows one
// node: what the end-to-end tests cannot reach through the binary yet (node credentials),
// and the endpoints skopeo does not use (listing pages, deletes, Accept, mounts that fall back).
import test, { type ExecutionContext } from 'ava';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { oci } from '../../common/index.ts';
import { openContentStore } from '../../storage/content/index.ts';
import { openSqliteStore } from '../../storage/kv/index.ts';
import { createAuthenticator } from '../auth/index.ts';
import { createRegistry } from './index.ts';

const CLUSTER = 'cluster-secret';
const NODE = { username: 'gw-1', secret: 'node-secret' };
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
const sha256 = (data: Buffer | string) => `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;

async function registry(t: ExecutionContext) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-registry-'));
  const kv = openSqliteStore({ file: path.join(dir, 'state.db') });
  const authenticator = createAuthenticator({ full: CLUSTER, secret: CLUSTER }, {
    authenticateNode: (c) => (c.username === NODE.username && c.secret === NODE.secret ? NODE.username : undefined),
  });
  const registry = createRegistry({ kv, blobs: openContentStore(path.join(dir, 'registry')), authenticator });
  const server = http.createServer((req, res) => void registry.handle(req, res, new URL(req.url!, 'http://x')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await kv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const call = (p: string, init: RequestInit & { as?: 'cluster' | 'node' } = {}) => {
    const auth = init.as === 'node' ? basic(NODE.username, NODE.secret) : basic('ci', CLUSTER);
    return fetch(base + p, { ...init, headers: { Authorization: auth, ...(init.headers as Record<string, string>) } });
  };
  const pushBlob = async (name: string, data: Buffer | string) => {
    const digest = sha256(data);
    const res = await call(`/v2/${name}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: data });
    if (res.status !== 201) throw new Error(`push blob: ${res.status} ${await res.text()}`);
    return { digest, size: Buffer.byteLength(data) };
  };
  const pushImage = async (name: string, tag: string, layer: string) => {
    const config = await pushBlob(name, JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, layer }));
    const l = await pushBlob(name, layer);
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: oci.MEDIA.ociManifest, config: { mediaType: oci.MEDIA.ociConfig, ...config }, layers: [{ mediaType: oci.MEDIA.ociLayerGzip, ...l }] });
    const res = await call(`/v2/${name}/manifests/${tag}`, { method: 'PUT', body: manifest, headers: { 'Content-Type': oci.MEDIA.ociManifest } });
    if (res.status !== 201) throw new Error(`push manifest: ${res.status} ${await res.text()}`);
    return { digest: sha256(manifest), manifest, layer: l };
  };
  return { call, pushBlob, pushImage, base, registry };
}

/** Sends the first `sent` bytes of a `declared`-byte PATCH body, then cuts the connection. */
function cutPatch(url: string, sent: Buffer, declared: number): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'PATCH', headers: { Authorization: basic('ci', CLUSTER), 'Content-Length': declared } });
    req.on('error', () => resolve());
    req.write(sent, () => setTimeout(() => req.destroy(), 300));
  });
}

const errorCode = async (res: Response) => ((await res.json()) as { errors: Array<{ code: string }> }).errors[0]!.code;

test('a node pulls with its own credentials but may not push; the cluster token pushes', async (t) => {
  const { call, pushImage } = await registry(t);
  const image = await pushImage('team/app', '1', 'layer-bytes');
  const base = await call('/v2/', { as: 'node' });
  t.is(base.status, 200);
  t.is(base.headers.get('docker-distribution-api-version'), 'registry/2.0');
  const manifest = await call('/v2/team/app/manifests/1', { as: 'node' });
  t.is(manifest.status, 200);
  t.is(await manifest.text(), image.manifest);
  t.is((await call(`/v2/team/app/blobs/${image.layer.digest}`, { as: 'node' })).status, 200);
  for (const [method, p] of [['POST', '/v2/team/app/blobs/uploads/'], ['PUT', '/v2/team/app/manifests/2'], ['DELETE', '/v2/team/app/manifests/1']] as const) {
    const res = await call(p, { method, as: 'node', body: method === 'PUT' ? image.manifest : undefined });
    t.is(res.status, 403, `${method} ${p}`);
    t.is(await errorCode(res), 'DENIED');
  }
  t.is((await call('/v2/team/app/tags/list')).status, 200, 'the tag is still there');
});

test('tags and catalog are sorted and paged with a Link to the next page', async (t) => {
  const { call, pushImage } = await registry(t);
  for (const tag of ['b', 'a', 'c']) await pushImage('team/app', tag, 'same layer');
  await pushImage('alpha', '1', 'other');
  await pushImage('team/app/sub', '1', 'sub');
  const all = await call('/v2/team/app/tags/list');
  t.deepEqual(await all.json(), { name: 'team/app', tags: ['a', 'b', 'c'] });
  const first = await call('/v2/team/app/tags/list?n=2');
  t.deepEqual(await first.json(), { name: 'team/app', tags: ['a', 'b'] });
  t.is(first.headers.get('link'), '</v2/team/app/tags/list?n=2&last=b>; rel="next"');
  const second = await call('/v2/team/app/tags/list?n=2&last=b');
  t.deepEqual(await second.json(), { name: 'team/app', tags: ['c'] });
  t.is(second.headers.get('link'), null);
  t.deepEqual(await (await call('/v2/_catalog')).json(), { repositories: ['alpha', 'team/app', 'team/app/sub'] });
  t.deepEqual(await (await call('/v2/_catalog?n=1&last=alpha')).json(), { repositories: ['team/app'] });
  const unknown = await call('/v2/nope/tags/list');
  t.is(unknown.status, 404);
  t.is(await errorCode(unknown), 'NAME_UNKNOWN');
});

test('GET honours Accept; HEAD gives the headers only; deletes remove a tag or a manifest with its tags', async (t) => {
  const { call, pushImage } = await registry(t);
  const image = await pushImage('app', 'v1', 'layer');
  await call(`/v2/app/manifests/v2`, { method: 'PUT', body: image.manifest, headers: { 'Content-Type': oci.MEDIA.ociManifest } });
  const docker = await call('/v2/app/manifests/v1', { headers: { Accept: oci.MEDIA.dockerManifest } });
  t.is(docker.status, 404);
  t.is(await errorCode(docker), 'MANIFEST_UNKNOWN');
  for (const accept of [oci.MANIFEST_ACCEPT.join(', '), '*/*', 'application/*;q=0.5']) {
    const ok = await call('/v2/app/manifests/v1', { headers: { Accept: accept } });
    t.is(ok.status, 200, accept);
    t.is(ok.headers.get('content-type'), oci.MEDIA.ociManifest);
    t.is(ok.headers.get('docker-content-digest'), image.digest);
    t.is(await ok.text(), image.manifest);
  }
  const head = await call(`/v2/app/manifests/${image.digest}`, { method: 'HEAD' });
  t.is(head.status, 200);
  t.is(head.headers.get('content-length'), String(Buffer.byteLength(image.manifest)));
  t.is((await call('/v2/app/manifests/v1', { method: 'DELETE' })).status, 202);
  t.is((await call('/v2/app/manifests/v1')).status, 404);
  t.deepEqual(await (await call('/v2/app/tags/list')).json(), { name: 'app', tags: ['v2'] });
  t.is((await call(`/v2/app/manifests/${image.digest}`, { method: 'DELETE' })).status, 202);
  t.is((await call('/v2/app/manifests/v2')).status, 404, 'tags of a deleted manifest go with it');
  t.is((await call(`/v2/app/manifests/${image.digest}`, { method: 'DELETE' })).status, 404);
  t.is((await call(`/v2/app/blobs/${image.layer.digest}`, { method: 'DELETE' })).status, 202);
  t.is((await call(`/v2/app/blobs/${image.layer.digest}`, { method: 'HEAD' })).status, 404);
});

test('a mount from a repository without the blob falls back to an upload; uploads belong to their repository', async (t) => {
  const { call, pushBlob } = await registry(t);
  const blob = await pushBlob('src', 'shared bytes');
  const fallback = await call(`/v2/dst/blobs/uploads/?mount=${blob.digest}&from=elsewhere`, { method: 'POST' });
  t.is(fallback.status, 202);
  const location = fallback.headers.get('location')!;
  t.regex(location, /^\/v2\/dst\/blobs\/uploads\/[0-9a-f-]{36}$/);
  t.is(fallback.headers.get('docker-upload-uuid'), location.split('/').pop()!);
  t.is(fallback.headers.get('range'), '0-0');
  const stolen = await call(location.replace('/v2/dst/', '/v2/src/'), { method: 'PATCH', body: 'x' });
  t.is(stolen.status, 404);
  t.is(await errorCode(stolen), 'BLOB_UPLOAD_UNKNOWN');
  t.is((await call(location, { method: 'DELETE' })).status, 204);
  t.is((await call(location)).status, 404, 'a cancelled upload is gone');
  const mounted = await call(`/v2/dst/blobs/uploads/?mount=${blob.digest}&from=src`, { method: 'POST' });
  t.is(mounted.status, 201);
  t.is(mounted.headers.get('location'), `/v2/dst/blobs/${blob.digest}`);
  t.is(await (await call(`/v2/dst/blobs/${blob.digest}`)).text(), 'shared bytes');
});

test('wrong methods are 405 with Allow; unknown endpoints and upload ids are 404', async (t) => {
  const { call } = await registry(t);
  const wrong = await call('/v2/app/tags/list', { method: 'POST' });
  t.is(wrong.status, 405);
  t.is(wrong.headers.get('allow'), 'GET');
  t.is(await errorCode(wrong), 'UNSUPPORTED');
  t.is((await call('/v2/app/nothing')).status, 404);
  t.is(await errorCode(await call('/v2/app/blobs/uploads/not-an-id', { method: 'PATCH', body: 'x' })), 'BLOB_UPLOAD_UNKNOWN');
  t.is(await errorCode(await call('/v2/app/blobs/sha256:zz')), 'DIGEST_INVALID');
});

test('a PATCH cut mid-body keeps what arrived; the client asks how far it got and resumes', async (t) => {
  const { call, base } = await registry(t);
  const data = crypto.randomBytes(200_000);
  const location = (await call('/v2/app/blobs/uploads/', { method: 'POST' })).headers.get('location')!;
  await cutPatch(base + location, data.subarray(0, 80_000), data.length);
  let status = await call(location);
  for (let i = 0; i < 20 && status.headers.get('range') !== '0-79999'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    status = await call(location);
  }
  t.is(status.status, 204);
  t.is(status.headers.get('range'), '0-79999');
  const rest = await call(location, { method: 'PATCH', body: data.subarray(80_000), headers: { 'Content-Range': `80000-${data.length - 1}` } });
  t.is(rest.status, 202);
  t.is((await call(`${location}?digest=${sha256(data)}`, { method: 'PUT' })).status, 201);
  t.deepEqual(Buffer.from(await (await call(`/v2/app/blobs/${sha256(data)}`)).arrayBuffer()), data);
});

test('uploads abandoned for longer than the limit are dropped with their bytes', async (t) => {
  const { call, registry: reg } = await registry(t);
  const location = (await call('/v2/app/blobs/uploads/', { method: 'POST' })).headers.get('location')!;
  await call(location, { method: 'PATCH', body: 'partial' });
  t.is(await reg.dropStaleUploads(60_000), 0, 'a fresh upload stays');
  t.is((await call(location)).status, 204);
  t.is(await reg.dropStaleUploads(-1), 1);
  t.is((await call(location)).status, 404);
});
