import test from 'ava';
import { oci } from '../../common/index.ts';
import { RegistryError } from './errors.ts';
import { checkManifestBody, checkReferences, type RepositoryContents } from './manifest-check.ts';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const { MEDIA } = oci;

const image = (extra: Record<string, unknown> = {}) => ({
  schemaVersion: 2, mediaType: MEDIA.ociManifest,
  config: { mediaType: MEDIA.ociConfig, digest: D('c'), size: 10 },
  layers: [{ mediaType: MEDIA.ociLayerGzip, digest: D('1'), size: 100 }, { mediaType: MEDIA.ociLayerGzip, digest: D('2'), size: 200 }],
  ...extra,
});
const index = { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [{ mediaType: MEDIA.ociManifest, digest: D('e'), size: 50, platform: { os: 'linux', architecture: 'amd64' } }] };
const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as RegistryError).code;
  }
  return undefined;
};

test('a manifest and an index give their media type and what they reference', (t) => {
  const m = checkManifestBody(body(image()), MEDIA.ociManifest);
  t.is(m.kind, 'manifest');
  t.deepEqual(m.blobs.map((r) => r.field), ['config', 'layers[0]', 'layers[1]']);
  const i = checkManifestBody(body(index), `${MEDIA.ociIndex}; charset=utf-8`);
  t.is(i.kind, 'index');
  t.deepEqual(i.manifests.map((r) => r.descriptor.digest), [D('e')]);
});

test('the media type comes from Content-Type, else the body, else the shape', (t) => {
  const { mediaType: _drop, ...bare } = image();
  t.is(checkManifestBody(body(bare), MEDIA.dockerManifest).mediaType, MEDIA.dockerManifest);
  t.is(checkManifestBody(body(image({ mediaType: MEDIA.dockerManifest })), undefined).mediaType, MEDIA.dockerManifest);
  t.is(checkManifestBody(body(bare), 'application/json').mediaType, MEDIA.ociManifest);
  t.is(checkManifestBody(body({ schemaVersion: 2, manifests: [] }), undefined).mediaType, MEDIA.ociIndex);
});

test('Content-Type that disagrees with the body is refused', (t) => {
  const error = t.throws(() => checkManifestBody(body(image()), MEDIA.dockerManifest)) as RegistryError;
  t.is(error.code, 'MANIFEST_INVALID');
  t.regex(error.message, /does not match the manifest's mediaType/);
});

test('malformed manifests are MANIFEST_INVALID naming the problem', (t) => {
  const cases: Array<[Buffer, string | undefined, RegExp]> = [
    [Buffer.from('{not json'), MEDIA.ociManifest, /not JSON/],
    [body([1, 2]), MEDIA.ociManifest, /JSON object/],
    [body({ schemaVersion: 1, name: 'x' }), undefined, /schema 1/],
    [body({ schemaVersion: 2, config: {} }), 'application/vnd.example+json', /config\.mediaType|not an OCI/],
    [body(image({ layers: 'x' })), MEDIA.ociManifest, /layers must be an array/],
    [body(image({ config: undefined })), MEDIA.ociManifest, /no config/],
    [body(image({ layers: [{ mediaType: MEDIA.ociLayerGzip, digest: 'sha256:abc', size: 1 }] })), MEDIA.ociManifest, /layers\[0\]\.digest/],
    [body({ schemaVersion: 2 }), undefined, /no media type/],
    [body(image({ mediaType: 'application/vnd.example.thing+json' })), undefined, /not an OCI or Docker schema2/],
  ];
  for (const [bytes, type, message] of cases) {
    const error = t.throws(() => checkManifestBody(bytes, type), undefined, bytes.toString()) as RegistryError;
    t.is(error.code, 'MANIFEST_INVALID', bytes.toString());
    t.regex(error.message, message);
  }
});

test('layer and config media types the agent does not run are still stored (artifacts)', (t) => {
  const artifact = image({ config: { mediaType: 'application/vnd.example.config+json', digest: D('c'), size: 2 }, layers: [{ mediaType: 'application/vnd.example.sig', digest: D('1'), size: 3 }] });
  t.is(code(() => checkManifestBody(body(artifact), MEDIA.ociManifest)), undefined);
});

function contents(blobs: Record<string, number>, manifests: Record<string, number> = {}): RepositoryContents {
  return { blobSize: async (d) => blobs[d], manifestSize: async (d) => manifests[d] };
}

test('every referenced blob must be in the repository with its size', async (t) => {
  const m = checkManifestBody(body(image()), MEDIA.ociManifest);
  await t.notThrowsAsync(checkReferences(m, contents({ [D('c')]: 10, [D('1')]: 100, [D('2')]: 200 })));
  const missing = await t.throwsAsync(checkReferences(m, contents({ [D('c')]: 10, [D('1')]: 100 }))) as RegistryError;
  t.is(missing.code, 'MANIFEST_BLOB_UNKNOWN');
  t.is(missing.status, 400);
  t.deepEqual(missing.detail, { digest: D('2') });
  const wrongSize = await t.throwsAsync(checkReferences(m, contents({ [D('c')]: 10, [D('1')]: 101, [D('2')]: 200 }))) as RegistryError;
  t.is(wrongSize.code, 'MANIFEST_INVALID');
  t.regex(wrongSize.message, /layers\[0\] says blob .* has 100 bytes; it has 101/);
});

test('an index needs its child manifests; foreign layers with urls are not required', async (t) => {
  const i = checkManifestBody(body(index), MEDIA.ociIndex);
  t.is((await t.throwsAsync(checkReferences(i, contents({}, {})) as Promise<unknown>) as RegistryError).code, 'MANIFEST_BLOB_UNKNOWN');
  await t.notThrowsAsync(checkReferences(i, contents({}, { [D('e')]: 50 })));
  const foreign = image({ layers: [{ mediaType: MEDIA.dockerForeignLayerGzip, digest: D('f'), size: 9, urls: ['https://example.invalid/layer'] }] });
  await t.notThrowsAsync(checkReferences(checkManifestBody(body(foreign), MEDIA.ociManifest), contents({ [D('c')]: 10 })));
});
