import type { Catalog, ResourceType } from '../catalog/index.ts';
import { apiErrors } from '../errors.ts';

/** What a resource URL addresses, as apiserver's RequestInfo resolves it. */
export interface ResourceRequest {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type ApiPath =
  | { kind: 'root'; which: 'api' | 'apis' }
  | { kind: 'group'; group: string }
  | { kind: 'groupVersion'; group: string; version: string }
  | { kind: 'resource'; request: ResourceRequest };

/**
 * Resolves `/api/v1/...` and `/apis/<group>/<version>/...`: a collection, an object, or an
 * object's subresource, namespaced or cluster-scoped. Namespaces themselves are a cluster
 * collection, so `/api/v1/namespaces/x` is the Namespace x, not a namespace prefix.
 */
export function parseApiPath(pathname: string, catalog: Catalog): ApiPath | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (parts[0] === 'api') {
    if (parts.length === 1) return { kind: 'root', which: 'api' };
    if (parts[1] !== 'v1') return undefined;
    return parts.length === 2 ? { kind: 'groupVersion', group: '', version: 'v1' } : resolve('', 'v1', parts.slice(2), catalog, pathname);
  }
  if (parts[0] === 'apis') {
    if (parts.length === 1) return { kind: 'root', which: 'apis' };
    const group = parts[1]!;
    if (!catalog.groups().some((g) => g.name === group)) return undefined;
    if (parts.length === 2) return { kind: 'group', group };
    const version = parts[2]!;
    if (!catalog.groups().find((g) => g.name === group)!.versions.includes(version)) return undefined;
    return parts.length === 3 ? { kind: 'groupVersion', group, version } : resolve(group, version, parts.slice(3), catalog, pathname);
  }
  return undefined;
}

function resolve(group: string, version: string, rest: string[], catalog: Catalog, pathname: string): ApiPath | undefined {
  // `namespaces/<ns>/<resource>...` scopes a namespaced collection, unless it is the namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(group === '' && rest.length === 3 && isNamespaceSubresource(rest[2]!))) {
    const type = catalog.byResource(group, version, rest[2]!);
    if (!type) return undefined;
    if (!type.namespaced) throw apiErrors.serverNotFound(pathname);
    return resourcePath({ type, namespace: rest[1]!, name: rest[3], subresource: rest[4] }, rest.length > 5, pathname);
  }
  const type = catalog.byResource(group, version, rest[0]!);
  if (!type) return undefined;
  return resourcePath({ type, name: rest[1], subresource: rest[2] }, rest.length > 3, pathname);
}

function isNamespaceSubresource(segment: string): boolean {
  return segment === 'status' || segment === 'finalize';
}

function resourcePath(request: ResourceRequest, tooLong: boolean, pathname: string): ApiPath {
  if (tooLong) throw apiErrors.serverNotFound(pathname);
  if (request.subresource !== undefined && !request.type.subresources.includes(request.subresource)) throw apiErrors.serverNotFound(pathname);
  const clean: ResourceRequest = { type: request.type };
  if (request.namespace !== undefined) clean.namespace = request.namespace;
  if (request.name !== undefined) clean.name = request.name;
  if (request.subresource !== undefined) clean.subresource = request.subresource;
  return { kind: 'resource', request: clean };
}
