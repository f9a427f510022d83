import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { componentLogger, SkerryError } from '../common/index.ts';
import { openContentStore } from '../storage/content/index.ts';
import { openSqliteStore, type KeyValueStore } from '../storage/kv/index.ts';
import { API_PREFIXES, createApi, type Api } from './api/index.ts';
import { startControllers, type Controllers } from './controllers/index.ts';
import { startScheduler, type Scheduler } from './scheduler/index.ts';
import { createAuthenticator, ensureClusterToken, noNodes } from './auth/index.ts';
import type { ServerConfig } from './config.ts';
import { createRouter } from './http/router.ts';
import { createMetrics } from './metrics.ts';
import { createRegistry } from './registry/index.ts';
import { ensureServingMaterial } from './tls/index.ts';
import { skerryVersion } from './version.ts';

const log = componentLogger('server');

export interface RunningServer {
  /** The address the API actually listens on (the port is real when 0 was asked). */
  address: { host: string; port: number };
  store: KeyValueStore;
  api: Api;
  stop(): Promise<void>;
}

/** Opens the store, serves the API, and returns once both are up. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  prepareDataDir(config.dataDir);
  const metrics = createMetrics();
  const store = openSqliteStore({ file: config.datastore.file, onCommit: metrics.onCommit });
  metrics.trackRevision(() => store.currentRevision());
  let controllers: Controllers | undefined;
  let scheduler: Scheduler | undefined;
  try {
    const tls = await ensureServingMaterial(path.join(config.dataDir, 'tls'), config.tlsSans);
    const token = ensureClusterToken(config.dataDir, tls.caCert);
    // Node credentials come with agent join; until then only the cluster token is known.
    const authenticator = createAuthenticator(token, noNodes);
    const registry = createRegistry({ kv: store, blobs: openContentStore(path.join(config.dataDir, 'registry')), authenticator });
    await registry.dropStaleUploads();
    const api = await createApi({ kv: store, authenticator, serverAddress: `${config.listen.host}:${config.listen.port}` });
    controllers = startControllers(api.objects, api.catalog);
    scheduler = startScheduler(api.objects, api.catalog);
    const running = controllers;
    const placing = scheduler;
    const handle = createRouter({
      livenessChecks: [{ name: 'ping', check: async () => undefined }],
      readinessChecks: [{ name: 'store', check: async () => void (await store.currentRevision()) }],
      metrics: metrics.registry,
      prefixes: [{ prefix: '/v2', handle: registry.handle }, ...API_PREFIXES.map((prefix) => ({ prefix, handle: api.handle }))],
    });
    // No whole-request deadline: a layer pushed over a slow site link may take longer than
    // Node's default 300 s; the registry cuts uploads that go idle instead.
    const listener = https.createServer({ cert: tls.cert, key: tls.key, requestTimeout: 0 }, (req, res) => {
      handle(req, res).catch((error: unknown) => {
        log.error({ err: error, url: req.url }, 'request failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    await listen(listener, config.listen.host, config.listen.port);
    const bound = listener.address() as { address: string; port: number };
    log.info({ listen: `${bound.address}:${bound.port}`, dataDir: config.dataDir, version: skerryVersion, revision: await store.currentRevision(), tokenFile: token.file }, 'API listening');
    return {
      address: { host: bound.address, port: bound.port },
      store,
      api,
      stop: async () => {
        listener.closeAllConnections();
        await new Promise<void>((resolve) => listener.close(() => resolve()));
        await placing.stop();
        await running.stop();
        await store.close();
        log.info('store closed; server stopped');
      },
    };
  } catch (error) {
    await scheduler?.stop();
    await controllers?.stop();
    await store.close();
    throw error;
  }
}

function prepareDataDir(dataDir: string): void {
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    fs.accessSync(dataDir, fs.constants.W_OK | fs.constants.X_OK);
    if (!fs.statSync(dataDir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new SkerryError('DATA_DIR_UNUSABLE', `${dataDir}: ${reason}`, { dataDir }, { cause: error });
  }
}

function listen(server: https.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(new SkerryError('LISTEN_FAILED', `${host}:${port}: ${error.code ?? error.message}`, { host, port }, { cause: error }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
