import test from 'ava';
import { isSkerryError } from '../errors.ts';
import { choosePlatform, MEDIA, manifestKind, parseImageConfig, parseImageManifest } from './index.ts';

const D = (n: string) => `sha256:${n.repeat(64)}`;

test('a Docker schema2 manifest parses, and a bad layer media type is named', (t) => {
  const manifest = {
    schemaVersion: 2, mediaType: MEDIA.dockerManifest,
    config: { mediaType: MEDIA.dockerConfig, digest: D('a'), size: 10 },
    layers: [{ mediaType: MEDIA.dockerLayerGzip, digest: D('b'), size: 20 }],
  };
  t.is(manifestKind(JSON.stringify(manifest)), 'manifest');
  t.is(parseImageManifest(JSON.stringify(manifest)).layers.length, 1);
  const bad = { ...manifest, layers: [{ mediaType: 'application/x-foo', digest: D('b'), size: 1 }] };
  const error = t.throws(() => parseImageManifest(JSON.stringify(bad)));
  t.true(isSkerryError(error, 'MEDIA_TYPE_UNSUPPORTED'));
  t.regex(error.message, /layers\[0\]\.mediaType "application\/x-foo"/);
  const noSize = { ...manifest, config: { ...manifest.config, size: -1 } };
  t.regex(t.throws(() => parseImageManifest(JSON.stringify(noSize))).message, /config\.size must be a non-negative integer/);
});

test('schema 1 is refused as unsupported, an index is recognised without a media type', (t) => {
  t.true(isSkerryError(t.throws(() => manifestKind('{"schemaVersion":1,"name":"x"}')), 'MEDIA_TYPE_UNSUPPORTED'));
  t.is(manifestKind(JSON.stringify({ schemaVersion: 2, manifests: [] })), 'index');
});

test('the platform is chosen from an index, arm/v7 by variant, and a missing one lists what there is', (t) => {
  const m = (architecture: string, variant?: string, d = 'c') => ({ mediaType: MEDIA.ociManifest, digest: D(d), size: 1, platform: { os: 'linux', architecture, ...(variant && { variant }) } });
  const list = [m('amd64', undefined, 'a'), m('arm', 'v6', 'b'), m('arm', 'v7', 'c'), m('arm64', 'v8', 'd')];
  t.is(choosePlatform(list, { os: 'linux', architecture: 'arm', variant: 'v7' }, 'x').digest, D('c'));
  t.is(choosePlatform(list, { os: 'linux', architecture: 'arm64' }, 'x').digest, D('d'));
  const error = t.throws(() => choosePlatform(list, { os: 'linux', architecture: 's390x' }, 'busybox'));
  t.true(isSkerryError(error, 'PLATFORM_NOT_FOUND'));
  t.regex(error.message, /has: linux\/amd64, linux\/arm\/v6, linux\/arm\/v7, linux\/arm64\/v8/);
});

test('a config needs its rootfs diff ids', (t) => {
  t.regex(t.throws(() => parseImageConfig('{"architecture":"amd64","os":"linux"}')).message, /rootfs must be/);
  t.is(parseImageConfig(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [D('e')] } })).rootfs.diff_ids.length, 1);
});
