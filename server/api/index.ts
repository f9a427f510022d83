// The public face of server/api: the Kubernetes-compatible resource API and its object store.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KeyValueStore } from '../../storage/kv/index.ts';
import type { Authenticator } from '../auth/index.ts';
import { kubernetesAdmission } from './admission.ts';
import { createCatalog, type Catalog } from './catalog/index.ts';
import { createApiHandler } from './http/handler.ts';
import type { PodStreams } from './http/streams.ts';
import { createUpgradeHandler } from './http/upgrade.ts';
import { createObjectStore, createServiceAllocator, type ObjectStore, type ServiceRanges } from './objects/index.ts';
import { openApiRoute } from './openapi-route.ts';
import { ensureLocalPathClass } from './storage-classes.ts';
import { ensureSystemNamespaces } from './system-namespaces.ts';

export { createCatalog, RESOURCE_TYPES, apiVersionOf, type Catalog, type ResourceType } from './catalog/index.ts';
export { ApiError, apiErrors, type StatusDetails } from './errors.ts';
export type { NodeStream, PodStreamRequest, PodStreams } from './http/streams.ts';
export * from './objects/index.ts';
export * from './storage-classes.ts';

export interface ApiOptions {
  kv: KeyValueStore;
  authenticator: Authenticator;
  /** How clients reach the API ("10.0.0.5:6443"), for discovery. */
  serverAddress: string;
  now?: () => Date;
  bookmarkIntervalMs?: number;
  /** Reaches nodes for pods' log and exec (server/tunnel); without it those answer 503. */
  streams?: PodStreams;
  /** Where Services' cluster IPs and node ports come from (default 10.43.0.0/16, 30000-32767). */
  serviceRanges?: ServiceRanges;
}

export interface Api {
  catalog: Catalog;
  /** The internal client: controllers read and write through it, as the HTTP handlers do. */
  objects: ObjectStore;
  /** Serves `/api`, `/apis` and `/openapi`. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  /** Serves upgrade requests (the HTTPS server's 'upgrade' event): pods/<name>/exec. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
}

export const API_PREFIXES = ['/api', '/apis', '/openapi'];

export async function createApi(options: ApiOptions): Promise<Api> {
  const catalog = createCatalog();
  const now = options.now ?? (() => new Date());
  const namespaceType = catalog.byResource('', 'v1', 'namespaces')!;
  const serviceType = catalog.byResource('', 'v1', 'services')!;
  const services = createServiceAllocator(async () => (await objects.list(serviceType, undefined)).items, options.serviceRanges);
  const objects: ObjectStore = createObjectStore({ kv: options.kv, admission: kubernetesAdmission, now, namespaceType, services });
  await ensureSystemNamespaces(objects, namespaceType);
  await ensureLocalPathClass(objects, catalog.byResource('storage.k8s.io', 'v1', 'storageclasses')!);
  const deps = {
    catalog,
    objects,
    now,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    authenticator: options.authenticator,
    openapi: openApiRoute(catalog),
    serverAddress: options.serverAddress,
    streams: options.streams,
  };
  return { catalog, objects, handle: createApiHandler(deps), upgrade: createUpgradeHandler(deps) };
}
export { labelSelectorFromObject, selectorToString, type Matcher } from './selectors/index.ts';
export { applyPatch, fieldPatch, PatchError } from './patch/index.ts';
export { quantityFromJson, quantityString, type Quantity } from './validation/index.ts';
