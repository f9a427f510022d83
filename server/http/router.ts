import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { versionInfo } from '../version.ts';
import { answerHealth, type HealthCheck } from './health.ts';
import { sendJson, sendStatus } from './status.ts';

export interface RouterDeps {
  livenessChecks: HealthCheck[];
  readinessChecks: HealthCheck[];
  metrics: Registry;
  /** Subtrees served by another component with every method (the registry's /v2). */
  prefixes?: PrefixRoute[];
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export interface PrefixRoute {
  /** "/v2" takes "/v2" and everything under "/v2/". */
  prefix: string;
  handle: Handler;
}

/** The routes served so far; the resource API joins them as its own component. */
export function createRouter(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const verbose = (url: URL) => url.searchParams.has('verbose');
  const routes: Record<string, Handler> = {
    '/healthz': (_req, res, url) => answerHealth(res, 'healthz', deps.livenessChecks, verbose(url)),
    '/livez': (_req, res, url) => answerHealth(res, 'livez', deps.livenessChecks, verbose(url)),
    '/readyz': (_req, res, url) => answerHealth(res, 'readyz', [...deps.livenessChecks, ...deps.readinessChecks], verbose(url)),
    '/version': (_req, res) => sendJson(res, 200, versionInfo()),
    '/metrics': async (_req, res) => {
      const text = await deps.metrics.metrics();
      res.writeHead(200, { 'Content-Type': deps.metrics.contentType }).end(text);
    },
  };
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'https://skerry.invalid');
    const owner = deps.prefixes?.find(({ prefix }) => url.pathname === prefix || url.pathname.startsWith(`${prefix}/`));
    if (owner) return owner.handle(req, res, url);
    const handler = routes[url.pathname];
    if (!handler) return sendStatus(res, 404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendStatus(res, 405, 'MethodNotAllowed', `${req.method} is not supported on ${url.pathname}`);
    }
    await handler(req, res, url);
  };
}
