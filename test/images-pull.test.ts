// Pulls from a real registry (Debian's docker-registry on 127.0.0.1, images pushed with
// skopeo): OCI and Docker schema2 manifests, index and manifest-list platform choice,
// gzip and uncompressed layers, blobs already present, concurrent pulls, and the errors.
import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { isSkerryError, oci } from '../common/index.ts';
import { pullImage, type PullOptions } from '../edge-agent/images/registry/index.ts';
import { openContentStore, type ContentStore } from '../storage/content/index.ts';
import { buildOciLayout, busyboxEntries, type BuiltLayout, type ImageSpec } from './helpers/oci-layout.ts';
import { freePort, pushLayout, registryFor, startProxy, tempDir, type PushOptions, type Registry } from './helpers/registry.ts';

const QUICK_RETRY = { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 };

interface Setup {
  dir: string;
  layout: BuiltLayout;
  registry: Registry;
  store: ContentStore;
  options: PullOptions;
}

async function setup(t: ExecutionContext, images: ImageSpec[], push: PushOptions & { name?: string } = {}): Promise<Setup> {
  const dir = tempDir(t);
  const layout = await buildOciLayout(path.join(dir, 'layout'), 'v1', images);
  const registry = await registryFor(t, path.join(dir, 'registry'));
  await pushLayout(layout.dir, 'v1', registry.host, push.name ?? 'test/app', { ...push, all: images.length > 1 });
  const store = openContentStore(path.join(dir, 'content'));
  return { dir, layout, registry, store, options: { store, insecure: true, retry: QUICK_RETRY } };
}

const platform = (architecture: string, variant?: string) => ({ os: 'linux', architecture, ...(variant && { variant }) });

function fileLayer(name: string, content: string, gzip = false): ImageSpec['layers'][number] {
  return { entries: [{ path: name, type: 'file', content }], gzip };
}

const MULTI: ImageSpec[] = [
  { platform: platform('amd64'), layers: [fileLayer('arch', 'amd64', true)] },
  { platform: platform('arm64'), layers: [fileLayer('arch', 'arm64', true)] },
  { platform: platform('arm', 'v7'), layers: [fileLayer('arch', 'arm/v7', true)] },
];

test('an OCI image with a gzip busybox layer and an uncompressed layer is pulled whole and verified', async (t) => {
  const { layout, registry, store, options } = await setup(t, [{ layers: [{ entries: busyboxEntries(), gzip: true }, fileLayer('etc/motd', 'hello\n')] }]);
  const image = layout.images[0]!;
  const progress = new Set<string>();
  const pulled = await pullImage(`${registry.host}/test/app:v1`, { ...options, onProgress: (p) => progress.add(p.digest) });
  t.is(pulled.reference, `${registry.host}/test/app:v1`);
  t.is(pulled.manifestMediaType, oci.MEDIA.ociManifest);
  t.is(pulled.indexDigest, undefined);
  t.is(pulled.configDigest, image.config.digest);
  t.deepEqual(pulled.layers.map((l) => [l.digest, l.mediaType]), [[image.layers[0]!.digest, oci.MEDIA.ociLayerGzip], [image.layers[1]!.digest, oci.MEDIA.ociLayer]]);
  for (const blob of [pulled.manifestDigest, pulled.configDigest, ...image.layers.map((l) => l.digest)]) t.true(store.has(blob), blob);
  // Layers are stored as they came (compressed), byte for byte.
  const layerFile = path.join(layout.dir, 'blobs/sha256', image.layers[0]!.digest.slice(7));
  t.deepEqual(fs.readFileSync(store.blobPath(image.layers[0]!.digest)), fs.readFileSync(layerFile));
  t.is(oci.parseImageConfig(store.read(pulled.configDigest)).rootfs.diff_ids.length, 2);
  t.true(progress.has(image.layers[0]!.digest));
  t.true(pulled.bytesFetched >= layout.totalSize);
  t.deepEqual(fs.readdirSync(path.join(store.root, 'ingest')), []);
});

test('a Docker schema2 image (skopeo --format v2s2) is pulled with the Docker media types', async (t) => {
  const { registry, store, options } = await setup(t, [{ layers: [fileLayer('a', 'docker', true), fileLayer('b', 'plain')] }], { format: 'v2s2' });
  const pulled = await pullImage(`${registry.host}/test/app:v1`, options);
  t.is(pulled.manifestMediaType, oci.MEDIA.dockerManifest);
  t.deepEqual(pulled.layers.map((l) => l.mediaType), [oci.MEDIA.dockerLayerGzip, oci.MEDIA.dockerLayerGzip]);
  const manifest = oci.parseImageManifest(store.read(pulled.manifestDigest));
  t.is(manifest.config.mediaType, oci.MEDIA.dockerConfig);
  for (const layer of pulled.layers) t.true(store.has(layer.digest));
});

test('an OCI index gives the host platform by default, and arm64 and arm/v7 when asked', async (t) => {
  const { layout, registry, store, options } = await setup(t, MULTI);
  const ref = `${registry.host}/test/app:v1`;
  const host = await pullImage(ref, options);
  t.is(host.manifestMediaType, oci.MEDIA.ociManifest);
  t.truthy(host.indexDigest);
  t.true(store.has(host.indexDigest!));
  t.deepEqual(host.platform, oci.hostPlatform());
  const want = (arch: string) => layout.images.find((i) => [i.manifest.platform!.architecture, i.manifest.platform!.variant].filter(Boolean).join('/') === arch)!;
  for (const [architecture, variant, key] of [['arm64', undefined, 'arm64'], ['arm', 'v7', 'arm/v7'], ['amd64', undefined, 'amd64']] as const) {
    const pulled = await pullImage(ref, { ...options, platform: platform(architecture, variant) });
    t.is(pulled.manifestDigest, want(key).manifest.digest, key);
    t.is(pulled.layers[0]!.digest, want(key).layers[0]!.digest, key);
    t.deepEqual(pulled.platform, platform(architecture, variant));
    t.is(pulled.indexDigest, host.indexDigest);
  }
  const error = await t.throwsAsync(pullImage(ref, { ...options, platform: platform('s390x') }));
  t.true(isSkerryError(error, 'PLATFORM_NOT_FOUND'));
  t.regex(error!.message, /has: linux\/amd64, linux\/arm64, linux\/arm\/v7/);
});

test('a Docker manifest list gives arm/v7 and arm64 when asked', async (t) => {
  const { layout, registry, options } = await setup(t, MULTI, { format: 'v2s2' });
  const ref = `${registry.host}/test/app:v1`;
  const v7 = await pullImage(ref, { ...options, platform: platform('arm', 'v7') });
  const arm64 = await pullImage(ref, { ...options, platform: platform('arm64') });
  t.is(v7.manifestMediaType, oci.MEDIA.dockerManifest);
  t.deepEqual(v7.platform, platform('arm', 'v7'));
  t.deepEqual(arm64.platform, platform('arm64'));
  t.not(v7.manifestDigest, arm64.manifestDigest);
  // skopeo recompresses nothing here: the layer blobs are the layout's.
  t.is(v7.layers[0]!.digest, layout.images[2]!.layers[0]!.digest);
});

test('blobs already in the store are not fetched again, and a pull by digest of a present image sends nothing', async (t) => {
  const { layout, registry, store, options } = await setup(t, [{ layers: [fileLayer('a', 'one', true), fileLayer('b', 'two', true)] }]);
  const proxy = await startProxy({ host: '127.0.0.1', port: registry.port });
  t.teardown(() => proxy.close());
  const [first, second] = layout.images[0]!.layers;
  // One layer is already there (say, shared with another image).
  await store.put(fs.readFileSync(path.join(layout.dir, 'blobs/sha256', first!.digest.slice(7))), first!.digest);
  const ref = `${proxy.host}/test/app:v1`;
  const pulled = await pullImage(ref, options);
  const blobGets = () => proxy.requests.filter((r) => r.includes('/blobs/')).map((r) => r.split(' ')[1]);
  t.deepEqual(blobGets().sort(), [`/v2/test/app/blobs/${layout.images[0]!.config.digest}`, `/v2/test/app/blobs/${second!.digest}`].sort());
  const before = proxy.requests.length;
  const again = await pullImage(ref, options);
  t.is(again.manifestDigest, pulled.manifestDigest);
  t.is(proxy.requests.length, before + 1, 'only the tag is asked for again');
  t.true(proxy.requests.at(-1)!.startsWith('GET /v2/test/app/manifests/v1 '));
  const byDigest = await pullImage(`${proxy.host}/test/app@${pulled.manifestDigest}`, options);
  t.is(byDigest.bytesFetched, 0);
  t.is(proxy.requests.length, before + 1);
});

test('concurrent pulls of one image, in one store and in two store instances on the same dir, fetch each blob once', async (t) => {
  const big = path.join(tempDir(t), 'big');
  fs.writeFileSync(big, Buffer.alloc(3 << 20, 'x'));
  const { layout, registry, store, options } = await setup(t, [{ layers: [{ entries: [{ path: 'big', type: 'file', source: big }] }, fileLayer('small', 'y')] }]);
  const proxy = await startProxy({ host: '127.0.0.1', port: registry.port });
  t.teardown(() => proxy.close());
  const ref = `${proxy.host}/test/app:v1`;
  const other = openContentStore(store.root);
  const results = await Promise.all([pullImage(ref, options), pullImage(ref, options), pullImage(ref, { ...options, store: other })]);
  t.is(new Set(results.map((r) => r.manifestDigest)).size, 1);
  for (const layer of layout.images[0]!.layers) {
    t.is(proxy.requests.filter((r) => r.startsWith(`GET /v2/test/app/blobs/${layer.digest} `)).length, 1, layer.digest);
    t.true(store.has(layer.digest));
  }
  const layerBytes = layout.images[0]!.layers.reduce((s, l) => s + l.size, 0);
  t.true(proxy.downstream < layerBytes + 3 * (layout.totalSize - layerBytes) + 64 * 1024, `${proxy.downstream} bytes through the proxy for ${layerBytes} of layers`);
  t.is(results.reduce((s, r) => s + r.bytesFetched, 0) - 2 * (layout.totalSize - layerBytes), layout.totalSize);
});

test('an unknown tag or repository is IMAGE_NOT_FOUND, a bad reference REFERENCE_INVALID', async (t) => {
  const { registry, options } = await setup(t, [{ layers: [fileLayer('a', 'x')] }]);
  const tag = await t.throwsAsync(pullImage(`${registry.host}/test/app:nope`, options));
  t.true(isSkerryError(tag, 'IMAGE_NOT_FOUND'), String(tag));
  t.regex(tag!.message, new RegExp(`${registry.host}/test/app:nope is not in ${registry.host} \\(MANIFEST_UNKNOWN`));
  const repo = await t.throwsAsync(pullImage(`${registry.host}/no/such:v1`, options));
  t.true(isSkerryError(repo, 'IMAGE_NOT_FOUND'), String(repo));
  const bad = await t.throwsAsync(pullImage(`${registry.host}/Test:v1`, options));
  t.true(isSkerryError(bad, 'REFERENCE_INVALID'));
});

test('an unreachable registry is REGISTRY_UNREACHABLE naming host:port, after the retries', async (t) => {
  const store = openContentStore(path.join(tempDir(t), 'content'));
  const port = await freePort();
  const started = Date.now();
  const error = await t.throwsAsync(pullImage(`127.0.0.1:${port}/app:v1`, { store, insecure: true, retry: { attempts: 3, baseDelayMs: 30, maxDelayMs: 60 } }));
  t.true(isSkerryError(error, 'REGISTRY_UNREACHABLE'), String(error));
  t.regex(error!.message, new RegExp(`127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
  t.true(Date.now() - started >= 30, 'waited between tries');
  t.deepEqual(store.list(), []);
});
