// Import of real archives: OCI layouts made by test/helpers/oci-layout.ts, converted by
// Debian's skopeo into docker-archive and oci-archive tars, imported into a real image
// store (layers unpacked). Broken inputs are made from good ones by hand.
import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { isSkerryError, oci } from '../common/index.ts';
import { digestOf } from '../storage/content/index.ts';
import { importImage } from '../edge-agent/images/import/index.ts';
import { openImageStore, type ImageStore } from '../edge-agent/images/store/index.ts';
import { busyboxEntries, buildOciLayout, type BuiltLayout } from './helpers/oci-layout.ts';
import { HAS_SKOPEO, skopeoSync } from './helpers/skopeo.ts';

// Skipped, not passed, without skopeo (apt-get install skopeo; scripts/setup.sh does).
const skopeoTest = HAS_SKOPEO ? test : test.skip;

function tempDir(t: ExecutionContext, label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `skerry-import-${label}-`));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function newStore(t: ExecutionContext): ImageStore {
  return openImageStore(tempDir(t, 'data'));
}

/** A busybox layout in `<tmp>/<name>` tagged `tag`: one gzip'd layer from the host's busybox-static. */
async function busyboxLayout(t: ExecutionContext, name = 'layout', tag = '1.0'): Promise<BuiltLayout> {
  const dir = path.join(tempDir(t, 'src'), name);
  return buildOciLayout(dir, tag, [{ layers: [{ entries: busyboxEntries(), gzip: true }, { entries: [{ path: 'etc/motd', type: 'file', content: 'hello\n' }] }] }]);
}

function skopeo(...args: string[]): void {
  skopeoSync(['copy', '-q', ...args]);
}

function checkBusyboxUnpacked(t: ExecutionContext, store: ImageStore, diffId: string): void {
  const stat = fs.lstatSync(path.join(store.layerPath(diffId), 'bin', 'busybox'));
  t.true(stat.isFile());
  t.is(stat.mode & 0o7777, 0o755);
  t.is(stat.size, fs.statSync('/bin/busybox').size);
  t.is(fs.readlinkSync(path.join(store.layerPath(diffId), 'bin', 'sh')), '/bin/busybox');
}

async function refused(t: ExecutionContext, run: Promise<unknown>, code: Parameters<typeof isSkerryError>[1], pattern: RegExp): Promise<void> {
  const error = await t.throwsAsync(run);
  t.true(isSkerryError(error, code), `${code} expected, got ${String(error)}`);
  t.regex(error!.message, pattern);
}

function copyTree(from: string, to: string): string {
  fs.cpSync(from, to, { recursive: true });
  return to;
}

test('an OCI layout directory imports: ref.name as the tag, --name or the directory name as the repository', async (t) => {
  const layout = await busyboxLayout(t, 'My_Layout');
  const store = newStore(t);
  const [record] = await importImage(store, layout.dir, { name: 'busybox' });
  const built = layout.images[0]!;
  t.deepEqual(record!.names, ['docker.io/library/busybox:1.0']);
  t.is(record!.manifestDigest, built.manifest.digest);
  t.is(record!.configDigest, built.config.digest);
  t.deepEqual(record!.layers, built.layers.map((l) => l.digest));
  t.deepEqual(record!.diffIds, built.diffIds);
  checkBusyboxUnpacked(t, store, built.diffIds[0]!);
  t.is(fs.readFileSync(path.join(store.layerPath(built.diffIds[1]!), 'etc', 'motd'), 'utf8'), 'hello\n');

  const [byDir] = await importImage(newStore(t), layout.dir);
  t.deepEqual(byDir!.names, ['docker.io/library/my_layout:1.0']);
});

skopeoTest("skopeo's docker-archive imports as a Docker schema2 image named by its RepoTags", async (t) => {
  const layout = await busyboxLayout(t);
  const archive = path.join(tempDir(t, 'out'), 'busybox.tar');
  skopeo(`oci:${layout.dir}:1.0`, `docker-archive:${archive}:busybox:1.0`);
  const store = newStore(t);
  const [record] = await importImage(store, archive);
  const built = layout.images[0]!;
  t.deepEqual(record!.names, ['docker.io/library/busybox:1.0']);
  t.is(record!.manifestMediaType, oci.MEDIA.dockerManifest);
  t.is(record!.configDigest, built.config.digest);
  // docker-archive layers are uncompressed: the blobs are the diff ids.
  t.deepEqual(record!.layers, built.diffIds);
  t.deepEqual(record!.diffIds, built.diffIds);
  const manifest = oci.parseImageManifest(store.content.read(record!.manifestDigest));
  t.is(manifest.config.mediaType, oci.MEDIA.dockerConfig);
  t.deepEqual(manifest.layers.map((l) => l.mediaType), [oci.MEDIA.dockerLayer, oci.MEDIA.dockerLayer]);
  t.is(digestOf(store.content.read(record!.manifestDigest)), record!.manifestDigest);
  checkBusyboxUnpacked(t, store, built.diffIds[0]!);

  // `docker save | gzip` is accepted too, and importing again changes nothing.
  const gzipped = `${archive}.gz`;
  fs.writeFileSync(gzipped, zlib.gzipSync(fs.readFileSync(archive)));
  const [again] = await importImage(store, gzipped);
  t.is(again!.manifestDigest, record!.manifestDigest);
  t.is(store.list().length, 1);
});

skopeoTest("skopeo's oci-archive imports streamed from the tar, as the manifest its index.json names", async (t) => {
  const layout = await busyboxLayout(t);
  const archive = path.join(tempDir(t, 'out'), 'busybox-oci.tar');
  skopeo(`oci:${layout.dir}:1.0`, `oci-archive:${archive}:1.0`);
  const store = newStore(t);
  const [record] = await importImage(store, archive, { name: 'registry.local:5000/tools/busybox' });
  t.deepEqual(record!.names, ['registry.local:5000/tools/busybox:1.0']);
  // skopeo gzips the uncompressed layer on the way, so the manifest is its own.
  const index = oci.parseImageIndex(execFileSync('tar', ['-xOf', archive, 'index.json']));
  t.is(record!.manifestDigest, index.manifests[0]!.digest);
  t.is(record!.manifestMediaType, oci.MEDIA.ociManifest);
  t.is(record!.configDigest, layout.images[0]!.config.digest);
  t.deepEqual(record!.diffIds, layout.images[0]!.diffIds);
  checkBusyboxUnpacked(t, store, layout.images[0]!.diffIds[0]!);
  t.deepEqual(fs.readdirSync(path.join(store.content.root, 'ingest')).filter((n) => !n.endsWith('.lock')), []);
  // Named by the file when nothing else names it.
  const [byFile] = await importImage(newStore(t), archive);
  t.deepEqual(byFile!.names, ['docker.io/library/busybox-oci:1.0']);
});

test('an index is resolved to the host platform, or to the one asked for; a missing one is named', async (t) => {
  const entries = (arch: string) => [{ path: 'arch', type: 'file' as const, content: `${arch}\n` }];
  const platforms = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm', variant: 'v7' }];
  const dir = path.join(tempDir(t, 'src'), 'multi');
  const layout = await buildOciLayout(dir, 'v2', platforms.map((platform) => ({ platform, layers: [{ entries: entries(platform.architecture), gzip: true }] })));
  const host = oci.hostPlatform();
  const hostImage = layout.images.findIndex((i) => i.manifest.platform?.architecture === host.architecture);
  const store = newStore(t);
  if (hostImage >= 0) {
    const [record] = await importImage(store, dir, { name: 'example.com/multi' });
    t.is(record!.manifestDigest, layout.images[hostImage]!.manifest.digest);
    t.is(record!.indexDigest, layout.index!.digest);
  }
  const [arm] = await importImage(store, dir, { name: 'example.com/multi', platform: 'linux/arm/v7' });
  t.is(arm!.manifestDigest, layout.images[2]!.manifest.digest);
  t.deepEqual(arm!.names, ['example.com/multi:v2']);
  t.is(fs.readFileSync(path.join(store.layerPath(arm!.diffIds[0]!), 'arch'), 'utf8'), 'arm\n');
  const before = store.list().length;
  await refused(t, importImage(store, dir, { platform: 'linux/s390x' }), 'PLATFORM_NOT_FOUND', /linux\/s390x.*linux\/amd64, linux\/arm64, linux\/arm\/v7/);
  t.is(store.list().length, before);
});

test('a blob whose content does not hash to its name is refused, directory or tar, and nothing is committed', async (t) => {
  const layout = await busyboxLayout(t);
  const bad = copyTree(layout.dir, path.join(tempDir(t, 'bad'), 'bad'));
  const layer = layout.images[0]!.layers[1]!;
  const file = path.join(bad, 'blobs', 'sha256', layer.digest.slice(7));
  const bytes = fs.readFileSync(file);
  bytes.writeUInt8(bytes.at(-1)! ^ 0xff, bytes.length - 1);
  fs.writeFileSync(file, bytes);
  const store = newStore(t);
  await refused(t, importImage(store, bad), 'DIGEST_MISMATCH', new RegExp(`${layer.digest.slice(7)}.*hashes to`));
  t.deepEqual(store.list(), []);
  t.false(store.content.has(layer.digest));

  const tarFile = path.join(tempDir(t, 'tar'), 'bad.tar');
  execFileSync('tar', ['-C', bad, '-cf', tarFile, '.']);
  await refused(t, importImage(store, tarFile), 'DIGEST_MISMATCH', new RegExp(`bad.tar: blobs/sha256/${layer.digest.slice(7)} is named`));
  t.deepEqual(store.list(), []);
  t.false(store.content.has(layer.digest));
});

test('a missing index.json, a missing blob, an unsupported media type and a non-archive are named', async (t) => {
  const layout = await busyboxLayout(t);
  const store = newStore(t);
  const work = tempDir(t, 'bad');

  const noIndex = copyTree(layout.dir, path.join(work, 'no-index'));
  fs.rmSync(path.join(noIndex, 'index.json'));
  await refused(t, importImage(store, noIndex), 'IMAGE_INVALID', /no-index has an oci-layout file but no index\.json/);

  const noBlob = copyTree(layout.dir, path.join(work, 'no-blob'));
  const missing = layout.images[0]!.layers[0]!.digest;
  fs.rmSync(path.join(noBlob, 'blobs', 'sha256', missing.slice(7)));
  await refused(t, importImage(store, noBlob, { name: 'x' }), 'IMAGE_INVALID', new RegExp(`layers\\[0\\] names blob ${missing}, which is not in the layout`));

  // A manifest with a layer type skerry cannot unpack, put in place with a correct digest.
  const odd = copyTree(layout.dir, path.join(work, 'odd'));
  const built = layout.images[0]!;
  const manifest = JSON.parse(fs.readFileSync(path.join(odd, 'blobs', 'sha256', built.manifest.digest.slice(7)), 'utf8'));
  manifest.layers[1].mediaType = 'application/vnd.example.layer.v1+squashfs';
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const digest = digestOf(manifestBytes);
  fs.writeFileSync(path.join(odd, 'blobs', 'sha256', digest.slice(7)), manifestBytes);
  fs.writeFileSync(path.join(odd, 'index.json'), JSON.stringify({
    schemaVersion: 2, manifests: [{ mediaType: oci.MEDIA.ociManifest, digest, size: manifestBytes.length, annotations: { 'org.opencontainers.image.ref.name': '1.0' } }],
  }));
  await refused(t, importImage(store, odd), 'MEDIA_TYPE_UNSUPPORTED', /layers\[1\]\.mediaType "application\/vnd\.example\.layer\.v1\+squashfs"/);

  const neither = path.join(work, 'neither');
  fs.mkdirSync(neither);
  fs.writeFileSync(path.join(neither, 'README'), 'hi');
  await refused(t, importImage(store, neither), 'IMAGE_INVALID', /neither an OCI image layout .* nor a docker-archive/);
  await refused(t, importImage(store, '/etc/hostname'), 'IMAGE_INVALID', /hostname is not a readable tar archive/);
  await refused(t, importImage(store, path.join(work, 'absent.tar')), 'IMAGE_NOT_FOUND', /absent\.tar does not exist/);
  t.deepEqual(store.list(), []);
});

skopeoTest('a docker-archive directory imports; a layer that is not its diff id or a path out of it is refused', async (t) => {
  const layout = await busyboxLayout(t);
  const archive = path.join(tempDir(t, 'out'), 'busybox.tar');
  skopeo(`oci:${layout.dir}:1.0`, `docker-archive:${archive}:example.com/busybox:1.0`);
  const dir = path.join(tempDir(t, 'x'), 'extracted');
  fs.mkdirSync(dir);
  execFileSync('tar', ['-C', dir, '-xf', archive]);
  const store = newStore(t);
  const [record] = await importImage(store, dir);
  t.deepEqual(record!.names, ['example.com/busybox:1.0']);
  checkBusyboxUnpacked(t, store, layout.images[0]!.diffIds[0]!);

  const entries = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const layerFile = path.join(dir, entries[0].Layers[1]);
  fs.chmodSync(layerFile, 0o644);
  fs.appendFileSync(layerFile, Buffer.alloc(1024));
  const retarred = path.join(tempDir(t, 'y'), 'tampered.tar');
  execFileSync('tar', ['-C', dir, '-cf', retarred, '.']);
  const fresh = newStore(t);
  await refused(t, importImage(fresh, retarred), 'DIGEST_MISMATCH', /manifest\.json\[0\]\.Layers\[1\] \(.*\.tar\) hashes to .* but the config's rootfs\.diff_ids\[1\]/);
  t.deepEqual(fresh.list(), []);

  entries[0].Layers[1] = '../../../../etc/passwd';
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(entries));
  await refused(t, importImage(fresh, dir), 'IMAGE_INVALID', /Layers\[1\] names "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd", which is not a relative path inside the archive/);
  t.deepEqual(fresh.list(), []);
});

test('containerd names, full references in ref.name and several names for one image are kept', async (t) => {
  const layout = await busyboxLayout(t);
  const top = JSON.parse(fs.readFileSync(path.join(layout.dir, 'index.json'), 'utf8'));
  const entry = top.manifests[0];
  const annotated = (annotations: Record<string, string>) => ({ ...entry, annotations });
  top.manifests = [
    annotated({ 'io.containerd.image.name': 'docker.io/library/app:latest', 'org.opencontainers.image.ref.name': '2' }),
    annotated({ 'org.opencontainers.image.ref.name': 'example.com/team/app:3' }),
    annotated({ 'org.opencontainers.image.ref.name': '4' }),
  ];
  fs.writeFileSync(path.join(layout.dir, 'index.json'), JSON.stringify(top));
  const store = newStore(t);
  const records = await importImage(store, layout.dir, { name: 'localhost:5000/app' });
  t.is(records.length, 1);
  t.deepEqual([...records[0]!.names].sort(), ['docker.io/library/app:2', 'example.com/team/app:3', 'localhost:5000/app:4']);
  t.deepEqual([...store.get('app:2').names].sort(), [...records[0]!.names].sort());
});

skopeoTest("a docker-archive with gzip'd layer files is described as such and its diff ids are checked on unpack", async (t) => {
  const layout = await busyboxLayout(t);
  const archive = path.join(tempDir(t, 'out'), 'busybox.tar');
  skopeo(`oci:${layout.dir}:1.0`, `docker-archive:${archive}:busybox:gz`);
  const dir = path.join(tempDir(t, 'x'), 'extracted');
  fs.mkdirSync(dir);
  execFileSync('tar', ['-C', dir, '-xf', archive]);
  const entries = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  entries[0].Layers = entries[0].Layers.map((name: string) => {
    fs.writeFileSync(path.join(dir, `${name}.gz`), zlib.gzipSync(fs.readFileSync(path.join(dir, name))));
    return `${name}.gz`;
  });
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(entries));
  const store = newStore(t);
  const [record] = await importImage(store, dir);
  const manifest = oci.parseImageManifest(store.content.read(record!.manifestDigest));
  t.deepEqual(manifest.layers.map((l) => l.mediaType), [oci.MEDIA.dockerLayerGzip, oci.MEDIA.dockerLayerGzip]);
  t.notDeepEqual(record!.layers, record!.diffIds);
  checkBusyboxUnpacked(t, store, layout.images[0]!.diffIds[0]!);
});

test('a blob copy cut by a crash resumes from the bytes already in the store, from a directory or a tar', async (t) => {
  const layout = await busyboxLayout(t);
  const layer = layout.images[0]!.layers[0]!;
  const bytes = fs.readFileSync(path.join(layout.dir, 'blobs', 'sha256', layer.digest.slice(7)));
  const tarFile = path.join(tempDir(t, 'tar'), 'layout.tar');
  execFileSync('tar', ['-C', layout.dir, '-cf', tarFile, '.']);
  for (const source of [layout.dir, tarFile]) {
    const store = newStore(t);
    const cut = (await store.content.ingest(layer.digest))!;
    await cut.write(bytes.subarray(0, 300_000));
    await cut.close();
    const [record] = await importImage(store, source, { name: 'busybox' });
    t.is(record!.layers[0], layer.digest);
    t.deepEqual(store.content.read(layer.digest, 8 << 20), bytes);
    checkBusyboxUnpacked(t, store, layout.images[0]!.diffIds[0]!);
  }
});
