import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../../auth/index.ts';
import { credentialsFrom } from '../../auth/index.ts';
import type { Catalog } from '../catalog/index.ts';
import { ApiError, apiErrors } from '../errors.ts';
import { apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.ts';
import { parseApiPath } from './request-info.ts';
import { sendError, sendObject } from './respond.ts';
import { serveResource, type ResourceContext } from './resources.ts';

/** Throws 401/403 unless the request carries the cluster's own credentials. */
export async function authorizeCluster(deps: Pick<ApiHandlerDeps, 'authenticator'>, req: IncomingMessage): Promise<void> {
  const principal = await deps.authenticator.authenticate(credentialsFrom(req.headers));
  if (!principal) throw apiErrors.unauthorized();
  if (principal.kind !== 'cluster') throw new ApiError(403, 'Forbidden', `node "${principal.node}" cannot use the resource API yet`);
}

export interface ApiHandlerDeps extends ResourceContext {
  catalog: Catalog;
  authenticator: Authenticator;
  /** Serves /openapi/v2 and /openapi/v3; answers false when it has nothing for the path. */
  openapi: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
  serverAddress: string;
}

/** `/api`, `/apis` and `/openapi`: authenticated, every failure a Kubernetes Status. */
export function createApiHandler(deps: ApiHandlerDeps) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    try {
      await authorizeCluster(deps, req);
      if (url.pathname.startsWith('/openapi/')) {
        if (!deps.openapi(req, res, url)) throw apiErrors.serverNotFound(url.pathname);
        return;
      }
      const path = parseApiPath(url.pathname, deps.catalog);
      if (!path) throw apiErrors.serverNotFound(url.pathname);
      if (path.kind !== 'resource' && req.method !== 'GET' && req.method !== 'HEAD') throw apiErrors.methodNotAllowed(req.method ?? '', url.pathname);
      switch (path.kind) {
        case 'root':
          return sendObject(res, 200, path.which === 'api' ? apiVersions(deps.serverAddress) : apiGroupList(deps.catalog));
        case 'group':
          return sendObject(res, 200, apiGroup(deps.catalog, path.group));
        case 'groupVersion':
          return sendObject(res, 200, apiResourceList(deps.catalog, path.group, path.version));
        case 'resource':
          return await serveResource(deps, req, res, url, path.request);
      }
    } catch (error) {
      sendError(res, error);
    }
  };
}
