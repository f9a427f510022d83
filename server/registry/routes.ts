// The distribution API's URL layout. A repository name may have several path components
// ("team/app"), and a component may itself be "blobs", "manifests" or "tags", so each
// pattern is anchored at the end and the name is whatever comes before the fixed suffix.
import { oci } from '../../common/index.ts';
import { isDigest } from '../../storage/content/index.ts';
import { RegistryError } from './errors.ts';

export type Route =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'tags'; name: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'uploads'; name: string }
  | { kind: 'upload'; name: string; id: string }
  | { kind: 'blob'; name: string; digest: string };

export type RouteKind = Route['kind'];

/** The methods each endpoint answers; anything else is 405 with Allow. */
export const ROUTE_METHODS: Record<RouteKind, readonly string[]> = {
  base: ['GET', 'HEAD'],
  catalog: ['GET'],
  tags: ['GET'],
  manifest: ['GET', 'HEAD', 'PUT', 'DELETE'],
  uploads: ['POST'],
  upload: ['GET', 'PATCH', 'PUT', 'DELETE'],
  blob: ['GET', 'HEAD', 'DELETE'],
};

// Order matters: uploads before blobs, since "/blobs/uploads/<id>" must not read as a blob.
const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => Route]> = [
  [/^\/v2\/?$/, () => ({ kind: 'base' })],
  [/^\/v2\/_catalog$/, () => ({ kind: 'catalog' })],
  [/^\/v2\/(.+)\/tags\/list$/, (m) => ({ kind: 'tags', name: m[1]! })],
  [/^\/v2\/(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: 'manifest', name: m[1]!, reference: segment(m[2]!) })],
  [/^\/v2\/(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'uploads', name: m[1]! })],
  [/^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: 'upload', name: m[1]!, id: segment(m[2]!) })],
  [/^\/v2\/(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1]!, digest: segment(m[2]!) })],
];

/** The endpoint a path names, undefined when none; NAME_INVALID for a bad repository name. */
export function parseRoute(pathname: string): Route | undefined {
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(pathname);
    if (!match) continue;
    const route = build(match);
    if ('name' in route) assertRepositoryName(route.name);
    return route;
  }
  return undefined;
}

export function assertRepositoryName(name: string): void {
  if (!oci.isRepositoryName(name)) {
    throw new RegistryError('NAME_INVALID', `repository name ${JSON.stringify(name.slice(0, 300))} must be lowercase path components of letters and digits separated by ".", "_", "__" or "-", at most 255 characters`, { detail: { name: name.slice(0, 300) } });
  }
}

// Some clients percent-encode the colon of a digest; the name is never decoded, so an
// encoded slash cannot smuggle in a different repository.
function segment(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A manifest reference is a tag or a digest; which one decides how it is looked up. */
export function parseManifestReference(reference: string): { tag: string } | { digest: string } {
  // A tag never holds a colon, so anything with one is meant as a digest.
  if (reference.includes(':')) {
    if (!isDigest(reference as unknown)) {
      throw new RegistryError('DIGEST_INVALID', `digest ${JSON.stringify(reference.slice(0, 200))} must be sha256:<64 hex> or sha512:<128 hex>`, { detail: { digest: reference.slice(0, 200) } });
    }
    return { digest: reference };
  }
  if (!oci.isTag(reference)) {
    throw new RegistryError('MANIFEST_INVALID', `tag ${JSON.stringify(reference.slice(0, 200))} must be 1-128 letters, digits, "_", "." or "-", not starting with "." or "-"`, { detail: { tag: reference.slice(0, 200) } });
  }
  return { tag: reference };
}
