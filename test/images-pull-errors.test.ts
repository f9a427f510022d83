// What a registry can do wrong, with a small in-test registry serving an OCI layout: wrong
// blob bytes, a manifest that does not match its digest, errors with the registry's error
// document, retries of 5xx, a stalled connection, a schema 1 manifest. Nothing unverified
// may be left in the content store.
import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { isSkerryError } from '../common/index.ts';
import { pullImage } from '../edge-agent/images/registry/index.ts';
import { openContentStore, type ContentStore } from '../storage/content/index.ts';
import { buildOciLayout, type BuiltLayout } from './helpers/oci-layout.ts';
import { startFakeRegistry, tempDir, type FakeRegistryOptions } from './helpers/registry.ts';

const RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 40 };

async function fake(t: ExecutionContext, options: (layout: BuiltLayout) => FakeRegistryOptions) {
  const dir = tempDir(t);
  const layout = await buildOciLayout(path.join(dir, 'layout'), 'v1', [{
    layers: [{ entries: [{ path: 'a', type: 'file', content: 'a'.repeat(100_000) }], gzip: true }, { entries: [{ path: 'b', type: 'file', content: 'b'.repeat(200_000) }] }],
  }]);
  const registry = await startFakeRegistry(layout.dir, 'v1', options(layout));
  t.teardown(() => registry.close());
  const store = openContentStore(path.join(dir, 'content'));
  return { layout, registry, store, ref: `${registry.host}/app:v1`, options: { store, insecure: true, retry: RETRY } };
}

const blobFile = (layout: BuiltLayout, digest: string) => path.join(layout.dir, 'blobs/sha256', digest.slice(7));

function nothingLeft(t: ExecutionContext, store: ContentStore): void {
  t.deepEqual(store.list(), []);
  t.deepEqual(fs.readdirSync(path.join(store.root, 'ingest')), []);
}

test('a layer whose bytes do not match its digest is DIGEST_MISMATCH, and nothing is left in the store', async (t) => {
  let layerDigest = '';
  const { layout, ref, store, options } = await fake(t, (layout) => {
    layerDigest = layout.images[0]!.layers[1]!.digest;
    return {
      intercept(req, res) {
        if (!req.url?.endsWith(layerDigest)) return false;
        const good = fs.readFileSync(blobFile(layout, layerDigest));
        const evil = Buffer.from(good);
        evil.writeUInt8(evil.readUInt8(evil.length - 1) ^ 0xff, evil.length - 1);
        res.writeHead(200, { 'content-length': evil.length }).end(evil);
        return true;
      },
    };
  });
  const error = await t.throwsAsync(pullImage(ref, { ...options, concurrency: 1 }));
  t.true(isSkerryError(error, 'DIGEST_MISMATCH'), String(error));
  t.regex(error!.message, new RegExp(`blob ${layerDigest}: the \\d+ bytes received hash to sha256:`));
  // The good layer stays (the next pull reuses it); the bad one, the config and the manifest do not.
  t.deepEqual(store.list().map((b) => b.digest), [layout.images[0]!.layers[0]!.digest]);
  t.deepEqual(fs.readdirSync(path.join(store.root, 'ingest')), []);
});

test('when every layer is wrong the store is left empty', async (t) => {
  const { ref, store, options } = await fake(t, (layout) => ({
    intercept(req, res) {
      if (!req.url?.includes('/blobs/') || req.url.endsWith(layout.images[0]!.config.digest)) return false;
      const size = layout.images[0]!.layers.find((l) => req.url!.endsWith(l.digest))!.size;
      res.writeHead(200, { 'content-length': size }).end(Buffer.alloc(size));
      return true;
    },
  }));
  const error = await t.throwsAsync(pullImage(ref, options));
  t.true(isSkerryError(error, 'DIGEST_MISMATCH'), String(error));
  nothingLeft(t, store);
});

test('a manifest that does not match Docker-Content-Digest, or the digest it was asked by, is DIGEST_MISMATCH', async (t) => {
  let manifestDigest = '';
  const { registry, ref, store, options } = await fake(t, (layout) => {
    manifestDigest = layout.images[0]!.manifest.digest;
    return {
      intercept(req, res) {
        if (!req.url?.includes('/manifests/')) return false;
        const body = fs.readFileSync(blobFile(layout, manifestDigest));
        const other = Buffer.from(`${body.toString()} `);
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': manifestDigest }).end(other);
        return true;
      },
    };
  });
  const byTag = await t.throwsAsync(pullImage(ref, options));
  t.true(isSkerryError(byTag, 'DIGEST_MISMATCH'), String(byTag));
  t.regex(byTag!.message, /but its Docker-Content-Digest header says/);
  const byDigest = await t.throwsAsync(pullImage(`${registry.host}/app@${manifestDigest}`, options));
  t.true(isSkerryError(byDigest, 'DIGEST_MISMATCH'), String(byDigest));
  t.regex(byDigest!.message, /but the reference .* says/);
  nothingLeft(t, store);
});

test('5xx answers are retried, then REGISTRY_ERROR with the registry\'s message; other 4xx are not retried', async (t) => {
  let status = 503;
  const { registry, ref, store, options } = await fake(t, () => ({
    intercept(req, res) {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'storage is resting', detail: { why: 'test' } }] }));
      return true;
    },
  }));
  const error = await t.throwsAsync(pullImage(ref, options));
  t.true(isSkerryError(error, 'REGISTRY_ERROR'), String(error));
  t.regex(error!.message, new RegExp(`${registry.host} answered 503 to manifest v1 of app: UNAVAILABLE: storage is resting \\(\\{"why":"test"\\}\\)`));
  t.is(registry.requests.length, RETRY.attempts);
  status = 400;
  const bad = await t.throwsAsync(pullImage(ref, options));
  t.true(isSkerryError(bad, 'REGISTRY_ERROR'));
  t.is(registry.requests.length, RETRY.attempts + 1);
  nothingLeft(t, store);
});

test('a blob the registry does not have is REGISTRY_ERROR naming it', async (t) => {
  let missing = '';
  const { ref, store, options } = await fake(t, (layout) => {
    missing = layout.images[0]!.layers[0]!.digest;
    fs.rmSync(blobFile(layout, missing));
    return {};
  });
  const error = await t.throwsAsync(pullImage(ref, options));
  t.true(isSkerryError(error, 'REGISTRY_ERROR'), String(error));
  t.regex(error!.message, new RegExp(`has no blob ${missing}, which app's manifest lists`));
  t.false(store.has(missing));
});

test('a stalled download times out and resumes where it stopped', async (t) => {
  let stalls = 0;
  const { layout, registry, store, ref, options } = await fake(t, (layout) => ({
    intercept(req, res) {
      const layer = layout.images[0]!.layers[1]!;
      if (!req.url?.endsWith(layer.digest) || stalls > 0) return false;
      stalls++;
      const data = fs.readFileSync(blobFile(layout, layer.digest));
      res.writeHead(200, { 'content-length': data.length });
      res.write(data.subarray(0, 50_000)); // and then nothing
      return true;
    },
  }));
  const pulled = await pullImage(ref, { ...options, timeoutMs: 300 });
  const layer = layout.images[0]!.layers[1]!;
  t.true(store.has(layer.digest));
  t.is(pulled.layers.length, 2);
  t.deepEqual(registry.requests.filter((r) => r.path.endsWith(layer.digest)).map((r) => r.range), [undefined, 'bytes=50000-']);
});

test('a Docker schema 1 manifest is MEDIA_TYPE_UNSUPPORTED', async (t) => {
  const { ref, store, options } = await fake(t, () => ({
    intercept(_req, res) {
      res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v1+prettyjws' }).end(JSON.stringify({ schemaVersion: 1, name: 'app', tag: 'v1', fsLayers: [] }));
      return true;
    },
  }));
  const error = await t.throwsAsync(pullImage(ref, options));
  t.true(isSkerryError(error, 'MEDIA_TYPE_UNSUPPORTED'), String(error));
  nothingLeft(t, store);
});

test('a single-platform image of another platform is PLATFORM_NOT_FOUND before any layer is fetched', async (t) => {
  const { registry, ref, store, options } = await fake(t, () => ({}));
  const error = await t.throwsAsync(pullImage(ref, { ...options, platform: { os: 'linux', architecture: 'arm64' } }));
  t.true(isSkerryError(error, 'PLATFORM_NOT_FOUND'), String(error));
  t.regex(error!.message, /is a linux\/amd64 image, not linux\/arm64/);
  t.is(registry.requests.filter((r) => r.path.includes('/blobs/')).length, 1, 'only the config');
  nothingLeft(t, store);
});
