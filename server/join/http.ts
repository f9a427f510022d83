// The two join routes. GET /cacerts hands out the CA without authentication, as K3s does:
// the agent checks it against the hash in its token before it trusts it, so serving it to
// anyone gives nothing away. POST /v1-skerry/join takes a join token and a node password
// and answers with the node's credential and where its broker is.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { componentLogger, type ClusterNetwork } from '../../common/index.ts';
import { caHash, createAuthenticator, credentialsFrom, type ClusterToken } from '../auth/index.ts';
import { ApiError, apiErrors, type ObjectStore } from '../api/index.ts';
import type { PrefixRoute } from '../http/router.ts';
import { sendJson } from '../http/status.ts';
import type { NodeCredentials } from './credentials.ts';
import { admitNode } from './node-password.ts';
import { JOIN_PATH, parseJoinRequest, type BrokerUrlFor, type JoinAnswer, type TunnelUrlFor } from './request.ts';
import { checkBootstrapToken } from './tokens.ts';

const log = componentLogger('join');
const MAX_BODY = 16 * 1024;
const CHALLENGE = 'Basic realm="skerry"';

export const CACERTS_PATH = '/cacerts';

export interface JoinDeps {
  objects: ObjectStore;
  clusterToken: Pick<ClusterToken, 'full' | 'secret'>;
  /** The CA PEM exactly as in <data-dir>/tls/server-ca.crt: its sha256 is in every token. */
  caPem: string;
  brokerUrlFor: BrokerUrlFor;
  /** Where nodes dial the log/exec tunnel; absent, the answer names none. */
  tunnelUrlFor?: TunnelUrlFor;
  /** The cluster's address plan, handed to every node that joins. */
  network?: ClusterNetwork;
  credentials: Pick<NodeCredentials, 'forget'>;
  now?: () => Date;
}

/** The routes for createRouter's `prefixes`. */
export function joinRoutes(deps: JoinDeps): PrefixRoute[] {
  const join = joinHandler(deps);
  return [
    { prefix: CACERTS_PATH, handle: (req, res, url) => serveCaCerts(deps.caPem, req, res, url) },
    { prefix: '/v1-skerry', handle: join },
  ];
}

function serveCaCerts(caPem: string, req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (url.pathname !== CACERTS_PATH) return sendError(res, apiErrors.serverNotFound(url.pathname));
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, apiErrors.methodNotAllowed(req.method ?? '', url.pathname));
  res.writeHead(200, { 'Content-Type': 'application/x-pem-file', 'Content-Length': Buffer.byteLength(caPem) });
  res.end(req.method === 'HEAD' ? undefined : caPem);
}

function joinHandler(deps: JoinDeps): PrefixRoute['handle'] {
  const cluster = createAuthenticator(deps.clusterToken);
  const ourHash = caHash(deps.caPem);
  const now = deps.now ?? (() => new Date());

  /** Which join credential the request carries ("cluster token", "bootstrap token <id>"), or undefined. */
  async function joinCredential(req: IncomingMessage): Promise<string | undefined> {
    const credentials = credentialsFrom(req.headers);
    if (!credentials) return undefined;
    if ((await cluster.authenticate(credentials))?.kind === 'cluster') return 'cluster token';
    const token = await checkBootstrapToken(deps.objects, ourHash, credentials.secret, now());
    return token ? `bootstrap token ${token.id}` : undefined;
  }

  return async (req, res, url) => {
    try {
      if (url.pathname !== JOIN_PATH) throw apiErrors.serverNotFound(url.pathname);
      if (req.method !== 'POST') throw apiErrors.methodNotAllowed(req.method ?? '', url.pathname);
      const via = await joinCredential(req);
      if (!via) {
        log.warn({ remote: req.socket.remoteAddress }, 'join refused: no valid join token');
        req.resume();
        throw apiErrors.unauthorized();
      }
      const request = parseJoinRequest(await readJson(req));
      const admitted = await admitNode(deps.objects, request.nodeName, request.nodePassword);
      if (!admitted.ok) {
        log.warn({ node: request.nodeName, via, remote: req.socket.remoteAddress }, 'join refused: node password rejected');
        throw passwordRejected(request.nodeName);
      }
      if (admitted.created) deps.credentials.forget(request.nodeName);
      log.info({ node: request.nodeName, via, firstJoin: admitted.created, remote: req.socket.remoteAddress }, 'node joined');
      // The answer carries a credential: no cache on the way may keep it.
      res.setHeader('Cache-Control', 'no-store');
      sendJson(res, 200, answer(deps, req, request.nodeName, admitted.credential));
    } catch (error) {
      sendError(res, error);
    }
  };
}

function answer(deps: JoinDeps, req: IncomingMessage, nodeName: string, credential: string): JoinAnswer {
  return {
    nodeName,
    credential: { username: nodeName, password: credential },
    broker: { url: deps.brokerUrlFor(req) },
    api: { url: `https://${req.headers.host ?? 'localhost'}` },
    ...(deps.tunnelUrlFor && { tunnel: { url: deps.tunnelUrlFor(req) } }),
    ...(deps.network && { network: deps.network }),
  };
}

function passwordRejected(node: string): ApiError {
  return new ApiError(
    403,
    'Forbidden',
    `Node password rejected for node "${node}": another machine has joined with this name, or <agent-data-dir>/node-password does not match the server's kube-system/${node}.node-password.skerry; use another --node-name, or delete that Secret to let this machine take the name over`,
    { name: node, kind: 'nodes' },
  );
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Keep draining without keeping, so the 413 reaches the client instead of a reset.
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => (size > MAX_BODY ? reject(apiErrors.tooLarge(MAX_BODY)) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw apiErrors.badRequest(`the join request could not be decoded as JSON: ${(error as Error).message}`);
  }
}

function sendError(res: ServerResponse, error: unknown): void {
  const failure = error instanceof ApiError ? error : apiErrors.internal(error instanceof Error ? error.message : String(error));
  if (failure.code >= 500) log.error({ err: error }, 'join failed');
  if (res.headersSent) return void res.destroy();
  // The challenge makes curl and registry-style clients retry with the token as a Basic password.
  if (failure.code === 401) res.setHeader('WWW-Authenticate', CHALLENGE);
  sendJson(res, failure.code, failure.toStatus());
}
