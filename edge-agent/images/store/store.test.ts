import test from 'ava';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { pack } from 'tar-stream';
import { isSkerryError, oci } from '../../../common/index.ts';
import { digestOf } from '../../../storage/content/index.ts';
import { openImageStore, type ImageStore } from './index.ts';

const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test.serial : test.skip;
const NEEDS_ROOT = isRoot ? '' : ' (skipped: needs root for overlay mounts)';

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => p.on('end', () => resolve()));
  for (const [name, body] of Object.entries(files)) {
    const dir = path.posix.dirname(name);
    if (dir !== '.') p.entry({ name: `${dir}/`, type: 'directory', mode: 0o755 });
    p.entry({ name, mode: 0o644 }, body);
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Puts a gzip-layered OCI image into the store's content and returns its manifest digest. */
async function putImage(store: ImageStore, layers: Record<string, string>[], label = 'x'): Promise<string> {
  const tars = await Promise.all(layers.map(tarOf));
  const blobs = tars.map((t) => zlib.gzipSync(t));
  for (const b of blobs) await store.content.put(b);
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: { Labels: { label } }, rootfs: { type: 'layers', diff_ids: tars.map((t) => digestOf(t)) },
  }));
  await store.content.put(config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: oci.MEDIA.ociManifest,
    config: { mediaType: oci.MEDIA.ociConfig, digest: digestOf(config), size: config.length },
    layers: blobs.map((b) => ({ mediaType: oci.MEDIA.ociLayerGzip, digest: digestOf(b), size: b.length })),
  }));
  return store.content.put(manifest);
}

function tempStore(t: { teardown(fn: () => void | Promise<void>): void }): ImageStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-images-'));
  const store = openImageStore(dir);
  t.teardown(async () => {
    for (const id of store.usage().keys()) await store.releaseRootfs(id);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

/**
 * A store on a tmpfs of its own: disk-use GC reads the filesystem's fill level, which on the
 * shared disk moves with whatever the other test files write and delete meanwhile.
 */
function tmpfsStore(t: { teardown(fn: () => void | Promise<void>): void }): ImageStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-images-tmpfs-'));
  execFileSync('/bin/mount', ['-t', 'tmpfs', '-o', 'size=64m', 'skerry-test-images', dir]);
  const store = openImageStore(dir);
  t.teardown(async () => {
    for (const id of store.usage().keys()) await store.releaseRootfs(id);
    execFileSync('/bin/umount', [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

rootTest(`commit unpacks every layer once, and names follow Docker's normalisation${NEEDS_ROOT}`, async (t) => {
  const store = tempStore(t);
  const digest = await putImage(store, [{ 'etc/base': 'base' }, { 'etc/top': 'top' }]);
  const image = await store.commit({ name: 'app:1', manifestDigest: digest });
  t.deepEqual(image.names, ['docker.io/library/app:1']);
  t.is(fs.readFileSync(path.join(store.layerPath(image.diffIds[0]!), 'etc/base'), 'utf8'), 'base');
  t.is(store.get('app:1').manifestDigest, digest);
  t.is(store.get(digest.slice(7, 19)).manifestDigest, digest);
  t.is(store.get(`docker.io/library/app@${digest}`).manifestDigest, digest);
  const again = await store.commit({ name: 'other/app:2', manifestDigest: digest });
  t.deepEqual(again.names.sort(), ['docker.io/library/app:1', 'docker.io/other/app:2']);
  t.is(store.list().length, 1);
});

test('a manifest whose layers are missing, or a layer that does not match its diff id, records nothing', async (t) => {
  const store = tempStore(t);
  const layer = zlib.gzipSync(await tarOf({ a: 'a' }));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf('not the tar')] } }));
  await store.content.put(config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: oci.MEDIA.ociManifest,
    config: { mediaType: oci.MEDIA.ociConfig, digest: digestOf(config), size: config.length },
    layers: [{ mediaType: oci.MEDIA.ociLayerGzip, digest: digestOf(layer), size: layer.length }],
  }));
  const digest = await store.content.put(manifest);
  t.true(isSkerryError(await t.throwsAsync(store.commit({ name: 'bad', manifestDigest: digest })), 'BLOB_NOT_FOUND'));
  await store.content.put(layer);
  t.true(isSkerryError(await t.throwsAsync(store.commit({ name: 'bad', manifestDigest: digest })), 'DIGEST_MISMATCH'));
  t.deepEqual(store.list(), []);
  t.deepEqual(fs.readdirSync(path.join(store.root, 'layers', 'sha256')), []);
  t.deepEqual(fs.readdirSync(path.join(store.root, 'layers', 'tmp')), []);
});

rootTest(`a container's rootfs is an overlay of the layers with its own upper dir, and keeps its image from removal${NEEDS_ROOT}`, async (t) => {
  const store = tempStore(t);
  const digest = await putImage(store, [{ 'etc/base': 'base', 'etc/shadowed': 'lower' }, { 'etc/shadowed': 'upper' }]);
  await store.commit({ name: 'app', manifestDigest: digest });
  const { path: rootfs } = await store.prepareRootfs('c1', 'app');
  t.is(fs.readFileSync(path.join(rootfs, 'etc/shadowed'), 'utf8'), 'upper');
  t.is(fs.readFileSync(path.join(rootfs, 'etc/base'), 'utf8'), 'base');
  fs.writeFileSync(path.join(rootfs, 'etc/base'), 'changed');
  t.is(fs.readFileSync(path.join(store.layerPath(store.get('app').diffIds[0]!), 'etc/base'), 'utf8'), 'base');
  t.deepEqual([...store.usage()], [['c1', digest]]);
  const error = await t.throwsAsync(store.remove('app'));
  t.true(isSkerryError(error, 'IMAGE_IN_USE'));
  t.regex(error!.message, /used by container c1/);
  t.is(store.list().length, 1);
  await store.releaseRootfs('c1');
  t.false(fs.existsSync(rootfs));
  const removed = await store.remove('app');
  t.deepEqual(removed.deleted, [digest]);
  t.deepEqual(store.content.list(), []);
  t.deepEqual(fs.readdirSync(path.join(store.root, 'layers', 'sha256')), []);
});

rootTest(`garbage collection keeps shared layers, and disk-use GC removes unused images least recently used first${NEEDS_ROOT}`, async (t) => {
  const store = tmpfsStore(t);
  const shared = { 'bin/tool': 'shared' };
  const a = await putImage(store, [shared, { a: 'a' }], 'a');
  const b = await putImage(store, [shared, { b: 'b' }], 'b');
  const c = await putImage(store, [{ c: 'c' }], 'c');
  await store.commit({ name: 'a', manifestDigest: a });
  await store.commit({ name: 'b', manifestDigest: b });
  await store.commit({ name: 'c', manifestDigest: c });
  t.is(fs.readdirSync(path.join(store.root, 'layers', 'sha256')).length, 4);
  await store.remove('a');
  t.true(store.content.has(store.get('b').layers[0]!));
  t.is(fs.readdirSync(path.join(store.root, 'layers', 'sha256')).length, 3);
  await store.prepareRootfs('uses-c', 'c');
  const s = fs.statfsSync(store.root);
  const used = (100 * (s.blocks - s.bfree)) / s.blocks;
  const result = await store.collectByDiskUsage({ highPercent: used / 2, lowPercent: 0 });
  t.deepEqual(result.removed, ['docker.io/library/b:latest']);
  t.deepEqual(store.list().map((i) => i.names[0]), ['docker.io/library/c:latest']);
  t.true(isSkerryError(await t.throwsAsync(store.collectByDiskUsage({ highPercent: 50, lowPercent: 60 })), 'CONFIG_INVALID'));
});

test('unknown references and bad names get clear errors', async (t) => {
  const store = tempStore(t);
  const missing = t.throws(() => store.get('nosuch:1'));
  t.true(isSkerryError(missing, 'IMAGE_NOT_FOUND'));
  t.regex(missing.message, /nosuch:1 is not on this node/);
  t.true(isSkerryError(t.throws(() => store.get('Bad Name')), 'REFERENCE_INVALID'));
});
