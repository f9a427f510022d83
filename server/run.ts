import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { componentLogger, DEFAULT_CLUSTER_NETWORK, SkerryError } from '../common/index.ts';
import { openContentStore } from '../storage/content/index.ts';
import { openSqliteStore, type KeyValueStore } from '../storage/kv/index.ts';
import { API_PREFIXES, createApi, type Api, type PodStreamRequest } from './api/index.ts';
import { startControllers, type Controllers } from './controllers/index.ts';
import { startScheduler, type Scheduler } from './scheduler/index.ts';
import { createAuthenticator, ensureClusterToken, noNodes, type NodeAuthenticator } from './auth/index.ts';
import type { ServerConfig } from './config.ts';
import { createRouter } from './http/router.ts';
import { createMetrics } from './metrics.ts';
import { brokerUrlResolver, createJoin, tunnelUrlResolver, type MqttPrincipal } from './join/index.ts';
import { startEmbeddedBroker, startMosquittoProvisioner, type EmbeddedBroker, type MosquittoProvisioner } from './broker/index.ts';
import { startSync, type SyncServer } from './sync/index.ts';
import { startTunnel, type Tunnel } from './tunnel/index.ts';
import { startAgent, type RunningAgent } from '../edge-agent/run.ts';
import { createRegistry } from './registry/index.ts';
import { ensureServingMaterial } from './tls/index.ts';
import { skerryVersion, versionInfo } from './version.ts';

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
  let broker: EmbeddedBroker | undefined;
  let sync: SyncServer | undefined;
  let provisioner: MosquittoProvisioner | undefined;
  let agent: RunningAgent | undefined;
  let tunnel: Tunnel | undefined;
  try {
    const tls = await ensureServingMaterial(path.join(config.dataDir, 'tls'), config.tlsSans);
    const token = ensureClusterToken(config.dataDir, tls.caCert);
    // Node credentials live in the object store, which the API makes; until it exists no node is known.
    let nodes: NodeAuthenticator = noNodes;
    const authenticator = createAuthenticator(token, { authenticateNode: (credentials) => nodes.authenticateNode(credentials) });
    const registry = createRegistry({ kv: store, blobs: openContentStore(path.join(config.dataDir, 'registry')), authenticator });
    await registry.dropStaleUploads();
    // The tunnel needs the API's node credentials and the sync server's presence, both made later: it reads them late.
    const streams = { open: (node: string, request: PodStreamRequest) => tunnel!.open(node, request) };
    const network = config.network ?? DEFAULT_CLUSTER_NETWORK;
    const serviceRanges = { serviceCidr: network.serviceCidr, nodePorts: config.nodePorts ?? { first: 30000, last: 32767 } };
    const api = await createApi({ kv: store, authenticator, serverAddress: `${config.listen.host}:${config.listen.port}`, streams, serviceRanges });
    // The broker checks node credentials, which the join component owns; it is made once the broker's port is known.
    let authenticateMqtt: (username: string, password: Buffer) => Promise<MqttPrincipal | undefined> = async () => undefined;
    broker = config.broker ? undefined : await startEmbeddedBroker({ ...config.mqttListen, tls, authenticate: (u, p) => authenticateMqtt(u, p) });
    tunnel = await startTunnel({
      listen: config.tunnelListen,
      tls,
      authenticateNode: async (credentials) => nodes.authenticateNode(credentials),
      online: (node) => sync?.online(node) ?? false,
      ask: (node, request) => sync?.requestStream(node, request),
    });
    const join = createJoin({
      objects: api.objects,
      clusterToken: token,
      caPem: tls.caCert,
      brokerUrlFor: brokerUrlResolver({ broker: config.broker, mqttListen: broker?.address ?? config.mqttListen }),
      tunnelUrlFor: tunnelUrlResolver(tunnel.address),
      network,
    });
    nodes = join.credentials;
    authenticateMqtt = join.credentials.authenticateMqtt;
    if (config.broker) {
      const tlsDir = path.join(config.dataDir, 'tls');
      provisioner = await startMosquittoProvisioner({
        dir: path.join(config.dataDir, 'mqtt'),
        brokerUrl: config.broker,
        tls: { caFile: path.join(tlsDir, 'server-ca.crt'), certFile: path.join(tlsDir, 'serving.crt'), keyFile: path.join(tlsDir, 'serving.key') },
        users: () => join.credentials.mqttUsers(),
      });
    }
    sync = startSync({ kv: store, objects: api.objects, catalog: api.catalog, broker: { url: config.broker ?? loopbackUrl(broker!.address), ca: tls.caCert, password: join.credentials.serverMqttPassword() } });
    controllers = startControllers(api.objects, api.catalog, undefined, { nodeMonitorGracePeriodMs: config.nodeMonitorGracePeriodMs, nodeIpam: { clusterCidr: network.clusterCidr, nodeMaskSize: 24 } });
    scheduler = startScheduler(api.objects, api.catalog);
    const running = controllers;
    const placing = scheduler;
    const handle = createRouter({
      livenessChecks: [{ name: 'ping', check: async () => undefined }],
      readinessChecks: [{ name: 'store', check: async () => void (await store.currentRevision()) }],
      metrics: metrics.registry,
      prefixes: [...join.routes, { prefix: '/v2', handle: registry.handle }, ...API_PREFIXES.map((prefix) => ({ prefix, handle: api.handle }))],
    });
    // No whole-request deadline: a layer pushed over a slow site link may take longer than
    // Node's default 300 s; the registry cuts uploads that go idle instead.
    const listener = https.createServer({ cert: tls.cert, key: tls.key, requestTimeout: 0 }, (req, res) => {
      handle(req, res).catch((error: unknown) => {
        log.error({ err: error, url: req.url }, 'request failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    // Upgrade requests (kubectl exec's WebSocket) are not 'request' events; the API takes them.
    listener.on('upgrade', (req, socket, head) => void api.upgrade(req, socket, head));
    await listen(listener, config.listen.host, config.listen.port);
    const bound = listener.address() as { address: string; port: number };
    log.info({ listen: `${bound.address}:${bound.port}`, mqtt: broker ? `${broker.address.host}:${broker.address.port}` : config.broker, tunnel: `${tunnel.address.host}:${tunnel.address.port}`, dataDir: config.dataDir, version: skerryVersion, revision: await store.currentRevision(), tokenFile: token.file }, 'API listening');
    // As K3s does, the server is also a node unless told otherwise; it joins over its own API like any agent.
    if (!config.disableAgent) {
      agent = await startAgent({ serverUrl: `https://${loopbackHost(bound.address)}:${bound.port}`, token: token.full, dataDir: path.join(config.dataDir, 'agent'), labels: CONTROL_PLANE_LABELS, version: versionInfo().gitVersion, ...(config.agentNetwork && { network: config.agentNetwork }) });
    }
    const local = agent;
    const linked = sync;
    const reaching = tunnel;
    return {
      address: { host: bound.address, port: bound.port },
      store,
      api,
      stop: async () => {
        await local?.stop();
        listener.closeAllConnections();
        await new Promise<void>((resolve) => listener.close(() => resolve()));
        await reaching.stop();
        await linked.stop();
        provisioner?.stop();
        await broker?.close();
        await placing.stop();
        await running.stop();
        await store.close();
        log.info('store closed; server stopped');
      },
    };
  } catch (error) {
    await agent?.stop();
    await tunnel?.stop();
    await sync?.stop();
    provisioner?.stop();
    await broker?.close();
    await scheduler?.stop();
    await controllers?.stop();
    await store.close();
    throw error;
  }
}

const CONTROL_PLANE_LABELS = { 'node-role.kubernetes.io/control-plane': 'true', 'node-role.kubernetes.io/master': 'true' };

/** Where this process reaches a listener bound to `host` (a wildcard means any local address). */
function loopbackHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function loopbackUrl(address: { host: string; port: number }): string {
  return `mqtts://${loopbackHost(address.host)}:${address.port}`;
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
