// Upgrade requests (Connection: Upgrade) reach the API here instead of as ordinary requests:
// only pods/<name>/exec upgrades; anything else, and every failure before the upgrade, is
// answered with a Kubernetes Status written straight onto the socket.
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, apiErrors } from '../errors.ts';
import { serveExecUpgrade } from './exec.ts';
import type { ApiHandlerDeps } from './handler.ts';
import { authorizeCluster } from './handler.ts';
import { parseApiPath } from './request-info.ts';

export function createUpgradeHandler(deps: ApiHandlerDeps) {
  return async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    // A client that drops the connection mid-handshake must not take the process with it.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'https://skerry.invalid');
    try {
      await authorizeCluster(deps, req);
      const path = parseApiPath(url.pathname, deps.catalog);
      if (path?.kind !== 'resource' || path.request.subresource !== 'exec' || path.request.type.resource !== 'pods') throw apiErrors.badRequest(`${url.pathname} cannot be upgraded; only pods/<name>/exec can`);
      await serveExecUpgrade(deps, req, socket, head, url, path.request);
    } catch (error) {
      writeStatus(socket, error instanceof ApiError ? error : apiErrors.internal(error instanceof Error ? error.message : String(error)));
    }
  };
}

function writeStatus(socket: Duplex, error: ApiError): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(error.toStatus());
  const head = [`HTTP/1.1 ${error.code} ${STATUS_CODES[error.code] ?? 'Error'}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, 'Cache-Control: no-cache, private', 'Connection: close'];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
