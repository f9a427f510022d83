// skerry server as its fleet's registry, end to end through the built binary: Debian's real
// skopeo pushes and pulls, and the protocol steps skopeo does not take (chunks with a gap,
// ranges, bad digests, missing blobs, bad credentials) are driven by hand over HTTPS.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { registryClient, type RegistryAnswer } from './helpers/registry-http.ts';
import { busyboxLayerEntries, layoutBlob, sha256, skopeo, writeOciLayout, type LayerEntry } from './helpers/registry-push.ts';
import { startServer, tempDir, type ServerProcess } from './helpers/skerry.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const appLayer = (text: string): LayerEntry[] => [{ name: 'app/', type: 'directory' }, { name: 'app/hello.txt', data: Buffer.from(text) }];

interface Registry {
  dir: string;
  work: string;
  server: ServerProcess;
  token: string;
  ca: string;
  call: ReturnType<typeof registryClient>;
  /** Where skopeo's own state goes (its blob-info cache), private to the test. */
  skopeoState: string;
}

async function startRegistry(t: ExecutionContext, label: string): Promise<Registry> {
  const dir = tempDir(label);
  const work = tempDir(`${label}-work`);
  t.teardown(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });
  const server = await startServer(dir);
  t.teardown(() => void server.child.kill('SIGKILL'));
  const skopeoState = path.join(work, 'skopeo-state');
  fs.mkdirSync(skopeoState);
  return { dir, work, server, skopeoState, ...connect(dir, server) };
}

function connect(dir: string, server: ServerProcess) {
  const ca = fs.readFileSync(path.join(dir, 'tls', 'server-ca.crt'), 'utf8');
  return { token: fs.readFileSync(path.join(dir, 'token'), 'utf8').trim(), ca, call: registryClient(server.port, ca) };
}

const errorOf = (answer: RegistryAnswer) => (answer.json() as { errors: Array<{ code: string; message: string; detail?: unknown }> }).errors[0]!;

async function pushBlob(r: Pick<Registry, 'call' | 'token'>, name: string, data: Buffer) {
  const digest = sha256(data);
  const answer = await r.call(`/v2/${name}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: data, token: r.token });
  if (answer.status !== 201) throw new Error(`monolithic push: ${answer.status} ${answer.body}`);
  return { digest, size: data.length };
}

test('skopeo pushes an image and pulls it back byte for byte; a second repository mounts the shared layer; a restart keeps both', async (t) => {
  const r = await startRegistry(t, 'registry-skopeo');
  t.regex(r.token, /^K10[0-9a-f]{64}::server:[0-9a-f]{64}$/);
  t.is(fs.statSync(path.join(r.dir, 'token')).mode & 0o777, 0o600);
  const image = await writeOciLayout(path.join(r.work, 'a'), 'v1', [busyboxLayerEntries(), appLayer('app a\n')]);
  const registry = `127.0.0.1:${r.server.port}`;
  const push = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `ci:${r.token}`, `oci:${image.dir}:v1`, `docker://${registry}/team/app:1`], r.skopeoState);
  t.is(push.code, 0, push.stderr);

  const pull = async (ref: string, to: string) => {
    const result = await skopeo(['copy', '--src-tls-verify=false', '--src-creds', `agent:${r.token}`, `docker://${registry}/${ref}`, `oci:${to}:pulled`], r.skopeoState);
    t.is(result.code, 0, result.stderr);
    const index = JSON.parse(fs.readFileSync(path.join(to, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; mediaType: string }> };
    return index.manifests[0]!;
  };
  const pulled = await pull('team/app:1', path.join(r.work, 'pulled'));
  t.is(pulled.digest, image.manifest.digest, 'the manifest came back as pushed');
  t.is(pulled.mediaType, OCI_MANIFEST);
  for (const blob of [image.manifest, image.config, ...image.layers]) {
    t.deepEqual(layoutBlob(path.join(r.work, 'pulled'), blob.digest), blob.bytes, `${blob.mediaType} ${blob.digest}`);
  }

  const other = await writeOciLayout(path.join(r.work, 'b'), 'v1', [busyboxLayerEntries(), appLayer('app b\n')]);
  t.is(other.layers[0]!.digest, image.layers[0]!.digest, 'the busybox layer is shared');
  const second = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `ci:${r.token}`, `oci:${other.dir}:v1`, `docker://${registry}/team/other:1`], r.skopeoState);
  t.is(second.code, 0, second.stderr);
  const mounts = r.server.logs.filter((l) => l.msg === 'blob mounted');
  t.deepEqual(mounts.map((l) => [l.name, l.from, l.digest]), [['team/other', 'team/app', image.layers[0]!.digest]], 'skopeo mounted the shared layer, and only it');

  r.server.child.kill('SIGTERM');
  t.deepEqual(await r.server.exited, { code: 0, signal: null });
  const restarted = await startServer(r.dir);
  t.teardown(() => void restarted.child.kill('SIGKILL'));
  const again = connect(r.dir, restarted);
  t.is(again.token, r.token, 'the token is kept');
  const after = await skopeo(['copy', '--src-tls-verify=false', '--src-creds', `agent:${again.token}`, `docker://127.0.0.1:${restarted.port}/team/other:1`, `oci:${path.join(r.work, 'pulled-b')}:x`], r.skopeoState);
  t.is(after.code, 0, after.stderr);
  t.deepEqual(layoutBlob(path.join(r.work, 'pulled-b'), other.layers[0]!.digest), other.layers[0]!.bytes);
  t.deepEqual((await again.call('/v2/_catalog', { token: again.token })).json(), { repositories: ['team/app', 'team/other'] });
  t.deepEqual((await again.call('/v2/team/app/tags/list', { token: again.token })).json(), { name: 'team/app', tags: ['1'] });
  const manifest = await again.call('/v2/team/app/manifests/1', { token: again.token, headers: { Accept: OCI_MANIFEST } });
  t.deepEqual(manifest.body, image.manifest.bytes);
  t.is(manifest.headers['docker-content-digest'], image.manifest.digest);
});

test('a chunked upload takes chunks in order, answers a gap with 416 and its progress, and completes with the digest', async (t) => {
  const r = await startRegistry(t, 'registry-chunks');
  const data = crypto.randomBytes(300_000);
  const digest = sha256(data);
  const started = await r.call('/v2/team/chunky/blobs/uploads/', { method: 'POST', token: r.token });
  t.is(started.status, 202);
  const location = String(started.headers.location);
  t.regex(location, /^\/v2\/team\/chunky\/blobs\/uploads\/[0-9a-f-]{36}$/);
  t.is(started.headers['docker-upload-uuid'], location.split('/').pop());
  t.is(started.headers.range, '0-0');
  const chunk = (start: number, end: number, method = 'PATCH', query = '') =>
    r.call(location + query, { method, token: r.token, body: data.subarray(start, end + 1), headers: { 'Content-Range': `${start}-${end}`, 'Content-Type': 'application/octet-stream' } });

  const first = await chunk(0, 99_999);
  t.is(first.status, 202);
  t.is(first.headers.range, '0-99999');
  t.is(first.headers.location, location);
  const gap = await chunk(150_000, 199_999);
  t.is(gap.status, 416);
  t.is(gap.headers.range, '0-99999', 'a 416 says how far the upload got');
  t.is(errorOf(gap).code, 'BLOB_UPLOAD_INVALID');
  t.is((await chunk(50_000, 149_999)).status, 416, 'an overlap is refused as well');
  const status = await r.call(location, { token: r.token });
  t.is(status.status, 204);
  t.is(status.headers.range, '0-99999');
  t.is((await chunk(100_000, 199_999)).headers.range, '0-199999');
  const done = await chunk(200_000, 299_999, 'PUT', `?digest=${digest}`);
  t.is(done.status, 201);
  t.is(done.headers.location, `/v2/team/chunky/blobs/${digest}`);
  t.is(done.headers['docker-content-digest'], digest);
  t.deepEqual((await r.call(`/v2/team/chunky/blobs/${digest}`, { token: r.token })).body, data);
  t.is(errorOf(await r.call(location, { token: r.token })).code, 'BLOB_UPLOAD_UNKNOWN', 'a completed upload is gone');
});

test('blob GET serves a Range as 206 with the exact bytes, 416 past the end, and only from repositories holding the blob', async (t) => {
  const r = await startRegistry(t, 'registry-range');
  const data = crypto.randomBytes(100_000);
  const { digest } = await pushBlob(r, 'app', data);
  const get = (range?: string, name = 'app') => r.call(`/v2/${name}/blobs/${digest}`, { token: r.token, headers: range ? { Range: range } : {} });
  const cases: Array<[string, number, number]> = [['bytes=1000-1999', 1000, 1999], ['bytes=99990-', 99_990, 99_999], ['bytes=-5', 99_995, 99_999], ['bytes=0-0', 0, 0]];
  for (const [range, start, end] of cases) {
    const part = await get(range);
    t.is(part.status, 206, range);
    t.is(part.headers['content-range'], `bytes ${start}-${end}/100000`, range);
    t.deepEqual(part.body, data.subarray(start, end + 1), range);
  }
  const whole = await get();
  t.is(whole.status, 200);
  t.is(whole.headers['accept-ranges'], 'bytes');
  t.deepEqual(whole.body, data);
  const past = await get('bytes=100000-');
  t.is(past.status, 416);
  t.is(past.headers['content-range'], 'bytes */100000');
  const head = await r.call(`/v2/app/blobs/${digest}`, { method: 'HEAD', token: r.token });
  t.is(head.status, 200);
  t.is(head.headers['content-length'], '100000');
  t.is(head.headers['docker-content-digest'], digest);
  t.is(head.body.length, 0);
  const elsewhere = await get(undefined, 'other');
  t.is(elsewhere.status, 404, 'a blob pushed to app is not served from other');
  t.is(errorOf(elsewhere).code, 'BLOB_UNKNOWN');
});

test('a wrong digest stores nothing; a manifest must reference blobs of its own repository and match its Content-Type', async (t) => {
  const r = await startRegistry(t, 'registry-verify');
  const data = Buffer.from('the real bytes');
  const wrong = sha256('other bytes');
  const started = await r.call('/v2/app/blobs/uploads/', { method: 'POST', token: r.token });
  const location = String(started.headers.location);
  await r.call(location, { method: 'PATCH', token: r.token, body: data });
  const mismatch = await r.call(`${location}?digest=${wrong}`, { method: 'PUT', token: r.token });
  t.is(mismatch.status, 400);
  t.is(errorOf(mismatch).code, 'DIGEST_INVALID');
  for (const digest of [wrong, sha256(data)]) t.is((await r.call(`/v2/app/blobs/${digest}`, { method: 'HEAD', token: r.token })).status, 404);
  t.is((await r.call(location, { token: r.token })).status, 404, 'the failed upload is over');
  t.deepEqual(fs.readdirSync(path.join(r.dir, 'registry', 'blobs', 'sha256')), [], 'no blob on disk');
  t.deepEqual(fs.readdirSync(path.join(r.dir, 'registry', 'ingest')).filter((f) => f.endsWith('.partial')), [], 'no partial bytes left');
  const monolithic = await r.call(`/v2/app/blobs/uploads/?digest=${wrong}`, { method: 'POST', token: r.token, body: data });
  t.is(errorOf(monolithic).code, 'DIGEST_INVALID');

  const config = await pushBlob(r, 'app', Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })));
  const layer = await pushBlob(r, 'elsewhere', Buffer.from('a layer pushed to another repository'));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  }));
  const put = (ref: string, body: Buffer, type = OCI_MANIFEST) => r.call(`/v2/app/manifests/${ref}`, { method: 'PUT', token: r.token, body, headers: { 'Content-Type': type } });
  const missing = await put('1', manifest);
  t.is(missing.status, 400);
  t.like(errorOf(missing), { code: 'MANIFEST_BLOB_UNKNOWN', detail: { digest: layer.digest } });
  t.is((await r.call('/v2/app/manifests/1', { token: r.token })).status, 404, 'nothing was tagged');
  t.is(errorOf(await put('1', manifest, 'application/vnd.docker.distribution.manifest.v2+json')).code, 'MANIFEST_INVALID');
  t.is(errorOf(await put('1', Buffer.from('{"schemaVersion": 2, "config": '))).code, 'MANIFEST_INVALID');
  const mounted = await r.call(`/v2/app/blobs/uploads/?mount=${layer.digest}&from=elsewhere`, { method: 'POST', token: r.token });
  t.is(mounted.status, 201);
  t.is(errorOf(await put(sha256('not this manifest'), manifest)).code, 'DIGEST_INVALID');
  const ok = await put(sha256(manifest), manifest);
  t.is(ok.status, 201);
  t.is(ok.headers['docker-content-digest'], sha256(manifest));
  t.is((await put('1', manifest)).status, 201);
  t.deepEqual((await r.call('/v2/app/manifests/1', { token: r.token })).body, manifest);
});

test('without the cluster token nothing is served or pushed: 401 with a Basic challenge', async (t) => {
  const r = await startRegistry(t, 'registry-auth');
  const none = await r.call('/v2/');
  t.is(none.status, 401);
  t.is(none.headers['www-authenticate'], 'Basic realm="skerry"');
  t.is(none.headers['docker-distribution-api-version'], 'registry/2.0');
  t.is(errorOf(none).code, 'UNAUTHORIZED');
  t.is((await r.call('/v2/', { token: `${r.token}x` })).status, 401);
  t.is((await r.call('/v2/', { token: r.token })).status, 200);
  t.is((await r.call('/v2/', { token: r.token.split('::server:')[1]! })).status, 200, 'the secret part alone, as K3s takes it');
  t.is((await r.call('/v2/', { headers: { Authorization: `Bearer ${r.token}` } })).status, 200);
  for (const token of [undefined, 'not-the-token']) {
    const upload = await r.call('/v2/app/blobs/uploads/?digest=' + sha256('x'), { method: 'POST', token, body: 'x' });
    t.is(upload.status, 401);
    t.is(upload.headers['www-authenticate'], 'Basic realm="skerry"');
  }
  const image = await writeOciLayout(path.join(r.work, 'img'), 'v1', [appLayer('x\n')]);
  const target = `docker://127.0.0.1:${r.server.port}/app:1`;
  const wrong = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'ci:wrong', `oci:${image.dir}:v1`, target], r.skopeoState);
  t.not(wrong.code, 0);
  t.regex(wrong.stderr, /unauthorized|401/i);
  const anonymous = await skopeo(['copy', '--dest-tls-verify=false', `oci:${image.dir}:v1`, target], r.skopeoState);
  t.not(anonymous.code, 0);
  t.deepEqual((await r.call('/v2/_catalog', { token: r.token })).json(), { repositories: [] }, 'nothing was pushed');
});
