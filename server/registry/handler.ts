// The dispatcher of /v2/: every request is authenticated first (401 with a Basic challenge,
// so docker and skopeo retry with their credentials), then routed, then authorised, then
// handed to its endpoint. Errors leave in the spec's JSON form.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { componentLogger, isSkerryError } from '../../common/index.ts';
import type { ContentStore } from '../../storage/content/index.ts';
import type { KeyValueStore } from '../../storage/kv/index.ts';
import { credentialsFrom, type Authenticator } from '../auth/index.ts';
import { authorize } from './access.ts';
import { deleteBlob, getBlob } from './blobs.ts';
import type { RegistryRequest, RegistryStores } from './context.ts';
import { RegistryError, sendRegistryError } from './errors.ts';
import { listCatalog, listTags } from './listing.ts';
import { deleteManifest, getManifest, putManifest } from './manifests.ts';
import { registryMetadata } from './metadata.ts';
import { parseRoute, ROUTE_METHODS, type Route } from './routes.ts';
import { cancelUpload, completeUpload, dropStaleUploads, patchUpload, startUpload, uploadStatus } from './uploads.ts';

export interface RegistryDeps {
  kv: KeyValueStore;
  blobs: ContentStore;
  authenticator: Authenticator;
}

export type RegistryHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export interface Registry {
  /** Serves one request under /v2. */
  handle: RegistryHandler;
  /** Drops uploads abandoned for longer than `maxAgeMs` (a week by default); run at start. */
  dropStaleUploads(maxAgeMs?: number): Promise<number>;
}

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="skerry"' };

function endpoint(r: RegistryRequest, route: Route): Promise<void> | void {
  const method = r.req.method;
  switch (route.kind) {
    case 'base':
      return void r.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 2 }).end('{}');
    case 'catalog':
      return listCatalog(r);
    case 'tags':
      return listTags(r, route.name);
    case 'manifest':
      if (method === 'PUT') return putManifest(r, route.name, route.reference);
      if (method === 'DELETE') return deleteManifest(r, route.name, route.reference);
      return getManifest(r, route.name, route.reference);
    case 'uploads':
      return startUpload(r, route.name);
    case 'upload':
      if (method === 'PATCH') return patchUpload(r, route.name, route.id);
      if (method === 'PUT') return completeUpload(r, route.name, route.id);
      if (method === 'DELETE') return cancelUpload(r, route.name, route.id);
      return uploadStatus(r, route.name, route.id);
    case 'blob':
      return method === 'DELETE' ? deleteBlob(r, route.name, route.digest) : getBlob(r, route.name, route.digest);
  }
}

async function route(stores: RegistryStores, authenticator: Authenticator, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const principal = await authenticator.authenticate(credentialsFrom(req.headers));
  if (!principal) {
    // Clients first ask without credentials to learn the challenge; only a wrong secret is news.
    if (!req.headers.authorization) throw new RegistryError('UNAUTHORIZED', 'authentication required', { headers: CHALLENGE });
    stores.log.info({ remote: req.socket.remoteAddress, method: req.method, url: req.url }, 'credentials refused');
    throw new RegistryError('UNAUTHORIZED', 'the credentials are not a cluster token or node credential', { headers: CHALLENGE });
  }
  const found = parseRoute(url.pathname);
  if (!found) throw new RegistryError('NAME_UNKNOWN', `no registry endpoint at ${url.pathname.slice(0, 300)}`, { status: 404 });
  const methods = ROUTE_METHODS[found.kind];
  if (!methods.includes(req.method ?? '')) {
    throw new RegistryError('UNSUPPORTED', `${req.method} is not supported on ${url.pathname.slice(0, 300)}`, { headers: { Allow: methods.join(', ') } });
  }
  authorize(principal, req.method!, 'name' in found ? found.name : undefined);
  await endpoint({ ...stores, req, res, url, principal }, found);
}

/** Maps what a handler threw to a spec error; an unexpected one is logged and is a 500. */
function toRegistryError(error: unknown, stores: RegistryStores, req: IncomingMessage): RegistryError {
  if (error instanceof RegistryError) return error;
  if (isSkerryError(error, 'DIGEST_INVALID')) return new RegistryError('DIGEST_INVALID', error.message);
  stores.log.error({ err: error, method: req.method, url: req.url }, 'registry request failed');
  return new RegistryError('UNKNOWN', 'the registry failed to handle the request; see the server log');
}

export function createRegistry(deps: RegistryDeps): Registry {
  const stores: RegistryStores = { meta: registryMetadata(deps.kv), blobs: deps.blobs, log: componentLogger('registry') };
  return { handle: handler(stores, deps.authenticator), dropStaleUploads: (maxAgeMs = WEEK_MS) => dropStaleUploads(stores, maxAgeMs) };
}

function handler(stores: RegistryStores, authenticator: Authenticator): RegistryHandler {
  return async (req, res, url) => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    try {
      await route(stores, authenticator, req, res, url);
      stores.log.debug({ method: req.method, url: req.url, status: res.statusCode }, 'request');
    } catch (error) {
      // A client that went away mid-body has nobody to answer; its upload keeps what arrived.
      // (req.destroyed is no sign of that: a request is destroyed once its body was read.)
      if (res.headersSent || res.destroyed || req.socket.destroyed) {
        stores.log.debug({ err: error, method: req.method, url: req.url }, 'request cut off');
        res.destroy();
        return;
      }
      const answer = toRegistryError(error, stores, req);
      stores.log.debug({ method: req.method, url: req.url, status: answer.status, code: answer.code }, 'request refused');
      sendRegistryError(res, answer);
    }
  };
}
