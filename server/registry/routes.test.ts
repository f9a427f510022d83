import test from 'ava';
import { RegistryError } from './errors.ts';
import { parseManifestReference, parseRoute } from './routes.ts';

const D = `sha256:${'a'.repeat(64)}`;
const ID = '0f8e2c1a-3b4d-4e5f-8a9b-0c1d2e3f4a5b';

test('every endpoint parses, with repository names of several components', (t) => {
  t.deepEqual(parseRoute('/v2/'), { kind: 'base' });
  t.deepEqual(parseRoute('/v2'), { kind: 'base' });
  t.deepEqual(parseRoute('/v2/_catalog'), { kind: 'catalog' });
  t.deepEqual(parseRoute('/v2/team/app/tags/list'), { kind: 'tags', name: 'team/app' });
  t.deepEqual(parseRoute('/v2/a/b/c/manifests/1.0'), { kind: 'manifest', name: 'a/b/c', reference: '1.0' });
  t.deepEqual(parseRoute(`/v2/app/manifests/${D}`), { kind: 'manifest', name: 'app', reference: D });
  t.deepEqual(parseRoute('/v2/team/app/blobs/uploads/'), { kind: 'uploads', name: 'team/app' });
  t.deepEqual(parseRoute('/v2/team/app/blobs/uploads'), { kind: 'uploads', name: 'team/app' });
  t.deepEqual(parseRoute(`/v2/team/app/blobs/uploads/${ID}`), { kind: 'upload', name: 'team/app', id: ID });
  t.deepEqual(parseRoute(`/v2/team/app/blobs/${D}`), { kind: 'blob', name: 'team/app', digest: D });
});

test('path components named like endpoints stay part of the name', (t) => {
  t.deepEqual(parseRoute('/v2/x/manifests/manifests/latest'), { kind: 'manifest', name: 'x/manifests', reference: 'latest' });
  t.deepEqual(parseRoute(`/v2/x/blobs/blobs/${D}`), { kind: 'blob', name: 'x/blobs', digest: D });
  t.deepEqual(parseRoute('/v2/x/blobs/uploads/blobs/uploads/'), { kind: 'uploads', name: 'x/blobs/uploads' });
  t.deepEqual(parseRoute('/v2/tags/list/tags/list'), { kind: 'tags', name: 'tags/list' });
  t.deepEqual(parseRoute('/v2/a/manifests/tags/list'), { kind: 'tags', name: 'a/manifests' });
});

test('a percent-encoded digest is decoded; a percent-encoded name is refused, never decoded', (t) => {
  t.deepEqual(parseRoute(`/v2/app/blobs/sha256%3A${'a'.repeat(64)}`), { kind: 'blob', name: 'app', digest: D });
  const error = t.throws(() => parseRoute('/v2/team%2Fapp/tags/list'));
  t.true(error instanceof RegistryError);
  t.is((error as RegistryError).code, 'NAME_INVALID');
});

test('bad names are NAME_INVALID and unknown paths match nothing', (t) => {
  for (const path of ['/v2/Team/app/tags/list', '/v2/a//b/tags/list', '/v2/-a/tags/list', `/v2/${'a'.repeat(256)}/tags/list`, '/v2/a/../b/tags/list']) {
    const error = t.throws(() => parseRoute(path), undefined, path);
    t.is((error as RegistryError).code, 'NAME_INVALID', path);
    t.is((error as RegistryError).status, 400);
  }
  for (const path of ['/v2/app', '/v2/app/manifests/', '/v2/app/tags', '/v2/app/blobs/', '/v3/', '/v2/app/manifests/a/b']) t.is(parseRoute(path), undefined, path);
});

test('a manifest reference is a tag or a digest', (t) => {
  t.deepEqual(parseManifestReference('v1.2_3-rc'), { tag: 'v1.2_3-rc' });
  t.deepEqual(parseManifestReference(D), { digest: D });
  t.is((t.throws(() => parseManifestReference('sha256:abc')) as RegistryError).code, 'DIGEST_INVALID');
  t.is((t.throws(() => parseManifestReference('-bad')) as RegistryError).code, 'MANIFEST_INVALID');
  t.is((t.throws(() => parseManifestReference('x'.repeat(129))) as RegistryError).code, 'MANIFEST_INVALID');
});
