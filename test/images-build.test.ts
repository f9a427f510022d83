// `skerry images build`: images from a directory and a Dockerfile subset, into a real image
// store (layers unpacked), checked by their config, their layer tars, skopeo, and import.
import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { isSkerryError, oci } from '../common/index.ts';
import { buildImage, type BuildOptions } from '../edge-agent/images/build/index.ts';
import { importImage } from '../edge-agent/images/import/index.ts';
import { openImageStore, type ImageRecord, type ImageStore } from '../edge-agent/images/store/index.ts';
import { HAS_SKOPEO, skopeoSync } from './helpers/skopeo.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
// Skipped, not passed, without skopeo (apt-get install skopeo; scripts/setup.sh does).
const skopeoTest = HAS_SKOPEO ? test : test.skip;

function tempDir(t: ExecutionContext, label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `skerry-build-${label}-`));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const newStore = (t: ExecutionContext) => openImageStore(tempDir(t, 'data'));

/** A build directory from {path: content}; a Dockerfile among them is the build file. */
function context(t: ExecutionContext, files: Record<string, string>): string {
  const dir = tempDir(t, 'ctx');
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), body);
  }
  return dir;
}

function configOf(store: ImageStore, record: ImageRecord): Omit<oci.ImageConfig, 'history'> & { history: { created_by: string; empty_layer?: boolean }[] } {
  return JSON.parse(store.content.read(record.configDigest).toString());
}

async function layerHeaders(store: ImageStore, digest: string): Promise<tar.Header[]> {
  const extract = tar.extract();
  store.content.createReadStream(digest).pipe(zlib.createGunzip()).pipe(extract);
  const headers: tar.Header[] = [];
  for await (const entry of extract) {
    headers.push(entry.header);
    entry.resume();
  }
  return headers;
}

async function refused(t: ExecutionContext, run: Promise<unknown>, pattern: RegExp, code: Parameters<typeof isSkerryError>[1] = 'BUILD_INVALID'): Promise<void> {
  const error = await t.throwsAsync(run);
  t.true(isSkerryError(error, code), `${code} expected, got ${String(error)}`);
  t.regex(error!.message, pattern);
}

/** The repo's busybox example, prepared by its script and built. */
async function buildBusybox(t: ExecutionContext, store: ImageStore, tag = 'busybox:test', options: Partial<BuildOptions> = {}): Promise<ImageRecord> {
  const dir = path.join(tempDir(t, 'busybox'), 'ctx');
  execFileSync(path.join(ROOT, 'scripts/images/busybox-rootfs.sh'), [dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  return buildImage(store, dir, { tag, ...options });
}

const APP_DOCKERFILE = `# syntax=docker/dockerfile:1
# an app from files only
FROM scratch
COPY --chown=1000:1000 app/ /opt/app/
COPY run.sh /usr/local/bin/
ENV APP_HOME=/opt/app \\
    GREETING="hello world"
ENV LEGACY value with  spaces
ENV PATH=/bin:$APP_HOME/bin
WORKDIR \${APP_HOME}
WORKDIR data
USER 1000:1000
EXPOSE 8080 53/udp 9000-9001
LABEL org.opencontainers.image.title="demo app" version=1
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/run.sh"]
CMD --verbose
`;

function appContext(t: ExecutionContext): string {
  const dir = context(t, { Dockerfile: APP_DOCKERFILE, 'run.sh': '#!/bin/sh\necho hi\n', 'app/conf/app.conf': 'x=1\n', 'app/README': 'readme\n' });
  fs.chmodSync(path.join(dir, 'run.sh'), 0o755);
  fs.symlinkSync('conf/app.conf', path.join(dir, 'app', 'current.conf'));
  fs.linkSync(path.join(dir, 'app', 'README'), path.join(dir, 'app', 'README.copy'));
  return dir;
}

test('COPY, ENV, WORKDIR, USER, EXPOSE, LABEL, STOPSIGNAL, ENTRYPOINT and CMD give the config Docker would', async (t) => {
  const store = newStore(t);
  const record = await buildImage(store, appContext(t), { tag: 'demo/app:1' });
  t.deepEqual(record.names, ['docker.io/demo/app:1']);
  t.is(record.manifestMediaType, oci.MEDIA.ociManifest);
  const config = configOf(store, record);
  const host = oci.hostPlatform();
  t.is(config.architecture, host.architecture);
  t.is(config.os, 'linux');
  t.is(config.created, '1970-01-01T00:00:00Z');
  t.deepEqual(config.config, {
    Env: ['APP_HOME=/opt/app', 'GREETING=hello world', 'LEGACY=value with  spaces', 'PATH=/bin:/opt/app/bin'],
    WorkingDir: '/opt/app/data',
    User: '1000:1000',
    ExposedPorts: { '8080/tcp': {}, '53/udp': {}, '9000/tcp': {}, '9001/tcp': {} },
    Labels: { 'org.opencontainers.image.title': 'demo app', version: '1' },
    StopSignal: 'SIGINT',
    Entrypoint: ['/usr/local/bin/run.sh'],
    Cmd: ['/bin/sh', '-c', '--verbose'],
  });
  // WORKDIR data creates /opt/app/data (a layer); /opt/app was there already.
  t.is(config.rootfs.diff_ids.length, 3);
  t.deepEqual(config.history.map((h) => [h.created_by.split(' ')[0], h.empty_layer ?? false]), [
    ['COPY', false], ['COPY', false], ['ENV', true], ['ENV', true], ['ENV', true], ['WORKDIR', true], ['WORKDIR', false],
    ['USER', true], ['EXPOSE', true], ['LABEL', true], ['STOPSIGNAL', true], ['ENTRYPOINT', true], ['CMD', true],
  ]);

  const manifest = oci.parseImageManifest(store.content.read(record.manifestDigest));
  t.deepEqual(manifest.layers.map((l) => l.mediaType), [oci.MEDIA.ociLayerGzip, oci.MEDIA.ociLayerGzip, oci.MEDIA.ociLayerGzip]);
  t.deepEqual((await layerHeaders(store, manifest.layers[2]!.digest)).map((h) => [h.name, h.uid]), [['opt/app/data/', 0]]);
  const app = await layerHeaders(store, manifest.layers[0]!.digest);
  t.deepEqual(app.map((h) => [h.name, h.type, h.uid, h.gid, h.mode.toString(8)]), [
    ['opt/', 'directory', 1000, 1000, '755'],
    ['opt/app/', 'directory', 1000, 1000, '755'],
    ['opt/app/README', 'file', 1000, 1000, '644'],
    ['opt/app/README.copy', 'link', 1000, 1000, '644'],
    ['opt/app/conf/', 'directory', 1000, 1000, '755'],
    ['opt/app/conf/app.conf', 'file', 1000, 1000, '644'],
    ['opt/app/current.conf', 'symlink', 1000, 1000, '777'],
  ]);
  t.true(app.every((h) => h.mtime.getTime() === 0 && !h.uname && !h.gname));
  const bin = await layerHeaders(store, manifest.layers[1]!.digest);
  t.deepEqual(bin.map((h) => [h.name, h.uid, h.mode.toString(8)]), [['usr/', 0, '755'], ['usr/local/', 0, '755'], ['usr/local/bin/', 0, '755'], ['usr/local/bin/run.sh', 0, '755']]);

  const unpacked = store.layerPath(record.diffIds[0]!);
  const readme = fs.statSync(path.join(unpacked, 'opt/app/README'));
  t.is(readme.uid, 1000);
  t.is(readme.nlink, 2);
  t.is(fs.readlinkSync(path.join(unpacked, 'opt/app/current.conf')), 'conf/app.conf');
  t.is(fs.statSync(path.join(store.layerPath(record.diffIds[1]!), 'usr/local/bin/run.sh')).mode & 0o777, 0o755);
});

test('the same input gives the same digests, whatever the file times; SOURCE_DATE_EPOCH changes them', async (t) => {
  const dir = appContext(t);
  const first = await buildImage(newStore(t), dir, { tag: 'app' });
  const later = new Date(Date.now() + 3_600_000);
  for (const name of ['run.sh', 'app/README', 'app/conf']) fs.utimesSync(path.join(dir, name), later, later);
  const second = await buildImage(newStore(t), dir, { tag: 'app' });
  t.is(second.manifestDigest, first.manifestDigest);
  t.deepEqual(second.layers, first.layers);
  const dated = await buildImage(newStore(t), dir, { tag: 'app', sourceDateEpoch: 1_700_000_000 });
  t.not(dated.manifestDigest, first.manifestDigest);
  t.deepEqual(dated.diffIds.length, 3);
});

test('the busybox example builds from busybox-static, reproducibly, and runs-ready', async (t) => {
  const store = newStore(t);
  const record = await buildBusybox(t, store);
  const again = await buildBusybox(t, newStore(t));
  t.is(again.manifestDigest, record.manifestDigest);
  t.deepEqual(record.names, ['docker.io/library/busybox:test']);
  const fsDir = store.layerPath(record.diffIds[0]!);
  const busybox = fs.lstatSync(path.join(fsDir, 'bin/busybox'));
  t.true(busybox.isFile());
  t.is(busybox.mode & 0o7777, 0o755);
  t.is(fs.readlinkSync(path.join(fsDir, 'bin/sh')), 'busybox');
  t.is(fs.readlinkSync(path.join(fsDir, 'usr/bin/env')), '../../bin/busybox');
  t.is(fs.statSync(path.join(fsDir, 'tmp')).mode & 0o7777, 0o1777);
  t.regex(fs.readFileSync(path.join(fsDir, 'etc/passwd'), 'utf8'), /^root:x:0:0:/);
  const config = configOf(store, record);
  t.deepEqual(config.config?.Cmd, ['sh']);
  t.true(config.config?.Env?.some((e) => e.startsWith('PATH=')));
});

test('FROM an image in the store stacks the new layers on its layers and inherits its config', async (t) => {
  const store = newStore(t);
  const base = await buildBusybox(t, store);
  const dir = context(t, {
    Dockerfile: 'FROM busybox:test AS app\nCOPY hello.txt /etc\nCOPY hello.txt /srv/www/\nENTRYPOINT ["/bin/cat"]\n',
    'hello.txt': 'hello\n',
  });
  const record = await buildImage(store, dir, { tag: 'hello:1' });
  t.deepEqual(record.layers.slice(0, 1), base.layers);
  t.deepEqual(record.diffIds.slice(0, 1), base.diffIds);
  t.is(record.layers.length, 3);
  const config = configOf(store, record);
  t.deepEqual(config.config?.Entrypoint, ['/bin/cat']);
  // Docker drops the base's CMD when ENTRYPOINT changes and no CMD follows.
  t.is(config.config?.Cmd, null);
  t.deepEqual(config.config?.Env, configOf(store, base).config?.Env);
  t.is(config.history.length, configOf(store, base).history.length + 3);
  // /etc is a directory in the base: the file goes into it, and etc/ is not written again.
  const manifest = oci.parseImageManifest(store.content.read(record.manifestDigest));
  t.deepEqual((await layerHeaders(store, manifest.layers[1]!.digest)).map((h) => h.name), ['etc/hello.txt']);
  t.deepEqual((await layerHeaders(store, manifest.layers[2]!.digest)).map((h) => h.name), ['srv/', 'srv/www/', 'srv/www/hello.txt']);

  const missing = context(t, { Dockerfile: '\n\nFROM nothing-here:1\n' });
  await refused(t, buildImage(store, missing, { tag: 'x' }), /Dockerfile:3: FROM nothing-here:1: docker\.io\/library\/nothing-here:1 is not in the image store; skerry builds offline/);
});

test('relative COPY destinations follow WORKDIR, which is created when the image lacks it', async (t) => {
  const store = newStore(t);
  const dir = context(t, {
    Dockerfile: 'FROM scratch\nWORKDIR /srv/app\nCOPY a .\nCOPY b sub/\nCOPY a renamed\nWORKDIR /srv\n',
    a: 'a', b: 'b',
  });
  const record = await buildImage(store, dir, { tag: 'rel' });
  const manifest = oci.parseImageManifest(store.content.read(record.manifestDigest));
  const names = await Promise.all(manifest.layers.map(async (l) => (await layerHeaders(store, l.digest)).map((h) => h.name)));
  t.deepEqual(names, [['srv/', 'srv/app/'], ['srv/app/a'], ['srv/app/sub/', 'srv/app/sub/b'], ['srv/app/renamed']]);
  t.is(configOf(store, record).config?.WorkingDir, '/srv');
  t.deepEqual(configOf(store, record).history.map((h) => h.empty_layer ?? false), [false, false, false, false, true]);
});

test('RUN, ADD, multi-stage and unknown instructions and bad arguments are refused naming file:line and why', async (t) => {
  const store = newStore(t);
  const cases: [string, RegExp][] = [
    ['FROM scratch\n# comment\nRUN apt-get install -y curl\n', /Dockerfile:3: RUN is not supported: skerry builds images without running anything \(no internet, no build sandbox\)/],
    ['FROM scratch\nADD https://example.com/x /x\n', /Dockerfile:2: ADD is not supported/],
    ['FROM scratch\nFROM scratch\n', /Dockerfile:2: a second FROM starts a multi-stage build/],
    ['FROM scratch\nHEALTHCHECK CMD true\n', /Dockerfile:2: HEALTHCHECK is not supported by skerry images build \(it supports FROM, COPY/],
    ['COPY a /\n', /Dockerfile:1: COPY before FROM/],
    ['FROM scratch\nEXPOSE 70000\n', /Dockerfile:2: EXPOSE 70000: give PORT/],
    ['FROM scratch\nCOPY --from=build /x /x\n', /Dockerfile:2: --from needs a multi-stage build/],
    ['FROM scratch\nCOPY --chown=app:app a /\n', /Dockerfile:2: --chown=app:app: give numeric UID:GID/],
    ['FROM scratch\nENV \\\n  A="unterminated\n', /Dockerfile:2: unterminated " quote/],
    ['FROM scratch\nCOPY a b /dest\n', /Dockerfile:2: COPY with more than one source needs a destination directory ending in \//],
    ['FROM scratch\nCOPY missing.txt /\n', /Dockerfile:2: COPY source "missing.txt" does not exist in the build directory/],
    ['# just a comment\n', /has no FROM/],
  ];
  for (const [text, pattern] of cases) {
    const dir = context(t, { Dockerfile: text, a: 'a', b: 'b' });
    await refused(t, buildImage(store, dir, { tag: 'x' }), pattern);
  }
  const custom = context(t, { 'build/Skerryfile': 'FROM scratch\nRUN true\n' });
  await refused(t, buildImage(store, custom, { tag: 'x', file: path.join(custom, 'build/Skerryfile') }), /build\/Skerryfile:2: RUN is not supported/);
  await refused(t, buildImage(store, custom, { tag: 'x' }), /cannot read the build file .*Dockerfile: ENOENT/);
  await refused(t, buildImage(store, custom, { tag: 'Bad Tag' }), /"Bad Tag"/, 'REFERENCE_INVALID');
  t.deepEqual(store.list(), []);
});

test('COPY sources must stay in the build directory: ../ and symlinks out are refused, wildcards stay inside', async (t) => {
  const store = newStore(t);
  const outside = tempDir(t, 'outside');
  fs.writeFileSync(path.join(outside, 'secret'), 'secret');
  const cases: [string, RegExp][] = [
    ['COPY ../secret /', /Dockerfile:2: COPY source "\.\.\/secret" leads outside the build directory/],
    ['COPY sub/../../secret /', /COPY source "sub\/\.\.\/\.\.\/secret" leads outside the build directory/],
    ['COPY link-out /x', /COPY source "link-out" resolves through a symlink to .*secret, outside the build directory/],
    ['COPY dir-out/secret /x', /COPY source "dir-out\/secret" resolves through a symlink to .*secret, outside the build directory/],
    ['COPY dir-out/* /x/', /COPY source "dir-out\/\*" resolves through a symlink to .*secret, outside the build directory/],
  ];
  for (const [line, pattern] of cases) {
    const dir = context(t, { Dockerfile: `FROM scratch\n${line}\n`, 'sub/file': 'x' });
    fs.symlinkSync(path.join(outside, 'secret'), path.join(dir, 'link-out'));
    fs.symlinkSync(outside, path.join(dir, 'dir-out'));
    await refused(t, buildImage(store, dir, { tag: 'x' }), pattern);
  }
  t.deepEqual(store.list(), []);

  const globbed = context(t, { Dockerfile: 'FROM scratch\nCOPY *.txt notes/[ab].md /docs/\nCOPY inner-link /linked\n', 'one.txt': '1', 'two.txt': '2', 'notes/a.md': 'a', 'notes/c.md': 'c' });
  fs.symlinkSync('one.txt', path.join(globbed, 'inner-link'));
  const record = await buildImage(store, globbed, { tag: 'docs' });
  const manifest = oci.parseImageManifest(store.content.read(record.manifestDigest));
  t.deepEqual((await layerHeaders(store, manifest.layers[0]!.digest)).map((h) => h.name), ['docs/', 'docs/a.md', 'docs/one.txt', 'docs/two.txt']);
  // A symlink given as a source is followed (inside the directory), as Docker does.
  const linked = await layerHeaders(store, manifest.layers[1]!.digest);
  t.deepEqual(linked.map((h) => [h.name, h.type, h.size]), [['linked', 'file', 1]]);
});

skopeoTest('--output writes an OCI layout that skopeo reads and that imports as the same image', async (t) => {
  const store = newStore(t);
  const layout = path.join(tempDir(t, 'out'), 'layout');
  const record = await buildBusybox(t, store, 'example.com/tools/busybox:1.36', { outputLayout: layout });
  const inspected = JSON.parse(skopeoSync(['inspect', `oci:${layout}:1.36`])) as { Digest: string; Layers: string[]; Architecture: string };
  t.is(inspected.Digest, record.manifestDigest);
  t.deepEqual(inspected.Layers, record.layers);
  t.is(inspected.Architecture, oci.hostPlatform().architecture);

  // A second image goes into the same layout next to the first.
  const dir = context(t, { Dockerfile: 'FROM example.com/tools/busybox:1.36\nCOPY motd /etc/motd\n', motd: 'hi\n' });
  const child = await buildImage(store, dir, { tag: 'example.com/tools/hello:2', outputLayout: layout });
  const index = oci.parseImageIndex(fs.readFileSync(path.join(layout, 'index.json')));
  t.deepEqual(index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name']), ['1.36', '2']);
  skopeoSync(['inspect', `oci:${layout}:2`]);

  const fresh = newStore(t);
  const imported = await importImage(fresh, layout);
  t.deepEqual(imported.map((r) => [r.names, r.manifestDigest]), [
    [['example.com/tools/busybox:1.36'], record.manifestDigest],
    [['example.com/tools/hello:2'], child.manifestDigest],
  ]);
  t.true(fs.statSync(path.join(fresh.layerPath(child.diffIds[1]!), 'etc/motd')).isFile());

  const notLayout = context(t, { 'stuff.txt': 'x' });
  await refused(t, buildImage(store, dir, { tag: 'x', outputLayout: notLayout }), /--output .* is neither empty nor an OCI image layout/);
});
