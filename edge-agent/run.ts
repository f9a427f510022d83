// `skerry agent`: join once, then live on local state. Everything after the join works
// from the data dir, so an agent started while the server is unreachable comes up on its
// cached view and catches up when the link returns (DESIGN §5).
import dgram from 'node:dgram';
import { componentLogger, DEFAULT_CLUSTER_NETWORK, SkerryError } from '../common/index.ts';
import { backoffDelay } from '../common/sync/index.ts';
import { joinCluster, type NodeIdentity } from './join/index.ts';
import { startHeartbeat } from './node-status/index.ts';
import { startNodeNetwork, type NodeNetwork } from './network/index.ts';
import { startPodManager, type BackoffPolicy, type PodManager } from './pods/index.ts';
import { createProber } from './probes/index.ts';
import { openOutbox, openStateDb, openViewCache, startAgentSync, type AgentSync, type Outbox, type ViewCache } from './sync/index.ts';
import { startTunnelClient, type TunnelClient } from './tunnel/index.ts';
import { startVolumeManager, type VolumeManager } from './volumes/index.ts';

const log = componentLogger('agent');

export interface AgentConfig {
  serverUrl: string;
  token: string;
  nodeName?: string;
  dataDir: string;
  nodeIp?: string;
  /** The broker to dial instead of the one the server named at join (a site behind NAT or a relay). */
  brokerUrl?: string;
  /** The log/exec tunnel to dial instead of the one the server named at join (https://HOST:PORT). */
  tunnelUrl?: string;
  labels?: Record<string, string>;
  version: string;
  /** MQTT keep-alive; a dead link is noticed within about two of these. */
  keepaliveSeconds?: number;
  leaseSeconds?: number;
  renewSeconds?: number;
  /** The pod network; default: the built-in bridge + VXLAN with direct routing, policies on. */
  network?: AgentNetworkOptions;
  /** The pod manager's roots and limits (tests use their own roots and a short back-off). */
  pods?: { runtimeRoot?: string; podsRoot?: string; backoff?: BackoffPolicy; allowPrivileged?: boolean };
}

export interface AgentNetworkOptions {
  /** auto: VXLAN, routed directly to peers on the same L2 segment; vxlan: always encapsulated; none: pods get loopback only. */
  backend: 'auto' | 'vxlan' | 'none';
  /** A directory whose first *.conflist is the CNI chain; absent: the built-in chain. */
  cniConfDir?: string;
  /** Where external CNI plugins are (default /usr/lib/cni). */
  cniBinDir?: string;
  /** NetworkPolicy enforcement (K3s' --disable-network-policy turns it off). */
  policy: boolean;
}

export const DEFAULT_AGENT_NETWORK: AgentNetworkOptions = { backend: 'auto', policy: true };

const FLANNEL_BACKENDS = ['auto', 'vxlan', 'none'] as const;

/** The agent's network flags (also the server's, for the agent it runs in-process). */
export function parseNetworkOptions(values: { 'flannel-backend'?: string; 'cni-conf-dir'?: string; 'cni-bin-dir'?: string; 'disable-network-policy'?: boolean }): AgentNetworkOptions {
  const backend = values['flannel-backend'] ?? 'auto';
  if (!(FLANNEL_BACKENDS as readonly string[]).includes(backend)) {
    throw new SkerryError('USAGE', `--flannel-backend ${JSON.stringify(backend)} must be one of ${FLANNEL_BACKENDS.join(', ')}`, { field: '--flannel-backend' });
  }
  return {
    backend: backend as AgentNetworkOptions['backend'],
    ...(values['cni-conf-dir'] !== undefined && { cniConfDir: values['cni-conf-dir'] }),
    ...(values['cni-bin-dir'] !== undefined && { cniBinDir: values['cni-bin-dir'] }),
    policy: values['disable-network-policy'] !== true,
  };
}

export const NETWORK_FLAGS = {
  'flannel-backend': { type: 'string' },
  'cni-conf-dir': { type: 'string' },
  'cni-bin-dir': { type: 'string' },
  'disable-network-policy': { type: 'boolean' },
} as const;

export const NETWORK_USAGE = `  --flannel-backend auto|vxlan|none
                          pod network: VXLAN overlay, routed without encapsulation to nodes on
                          the same L2 segment (auto, default), always encapsulated (vxlan), or
                          none (pods get loopback only)
  --cni-conf-dir DIR      run the first *.conflist there as the pod network (CNI 1.0) instead
                          of the built-in plugin
  --cni-bin-dir DIR       where CNI plugins are (default /usr/lib/cni)
  --disable-network-policy
                          do not enforce NetworkPolicy
`;

export interface RunningAgent {
  node: string;
  cache: ViewCache;
  outbox: Outbox;
  sync: AgentSync;
  pods: PodManager;
  stop(): Promise<void>;
}

export async function startAgent(config: AgentConfig): Promise<RunningAgent> {
  const identity = await joinWithRetry(config);
  const db = openStateDb(config.dataDir);
  const cache = openViewCache(db);
  const outbox = openOutbox(db);
  const podNetwork = (config.network ?? DEFAULT_AGENT_NETWORK).backend !== 'none';
  const nodeIp = config.nodeIp ?? (await defaultNodeIp(identity.apiUrl, podNetwork));
  let beat = () => undefined as void;
  // The pod manager starts after the sync; batches applied before that are in the cache it reads.
  let pods: PodManager | undefined;
  let volumes: VolumeManager | undefined;
  let tunnel: TunnelClient | undefined;
  const networkOptions = config.network ?? DEFAULT_AGENT_NETWORK;
  const network: NodeNetwork | undefined = networkOptions.backend === 'none' ? undefined : startNodeNetwork({
    node: identity.nodeName, nodeIp, dataDir: config.dataDir, cluster: identity.network ?? DEFAULT_CLUSTER_NETWORK,
    mode: networkOptions.backend, policy: networkOptions.policy, cniConfDir: networkOptions.cniConfDir, cniBinDir: networkOptions.cniBinDir, view: cache,
  });
  const sync = startAgentSync({
    node: identity.nodeName,
    broker: { url: config.brokerUrl ?? identity.broker.url, username: identity.credential.username, password: identity.credential.password, ca: identity.caPem },
    cache,
    outbox,
    keepaliveSeconds: config.keepaliveSeconds ?? 15,
    // Back online: post status and renew the Lease at once, so the node is Ready within seconds.
    onOnline: (online) => online && beat(),
    onApplied: () => {
      network?.resync();
      volumes?.resync();
      pods?.resync();
    },
    onStream: (request) => tunnel?.handle(request),
  });
  const heartbeat = startHeartbeat({
    facts: { node: identity.nodeName, nodeIp, dataDir: config.dataDir, labels: config.labels, version: config.version },
    outbox,
    flush: sync.flush,
    leaseSeconds: config.leaseSeconds ?? 40,
    renewSeconds: config.renewSeconds ?? 10,
  });
  beat = heartbeat.beat;
  const prober = createProber({ kubeVersion: config.version });
  volumes = startVolumeManager({ node: identity.nodeName, dataDir: config.dataDir, cache, outbox, flush: sync.flush, log: componentLogger('volumes') });
  pods = startPodManager({ node: identity.nodeName, nodeIp, dataDir: config.dataDir, cache, outbox, flush: sync.flush, prober, volumes, ...(network && { network: network.attacher }), registry: nodeRegistry(identity), ...config.pods });
  const podManager = pods;
  tunnel = startTunnelClient({ identity, url: config.tunnelUrl, locate: (ns, pod, container, previous) => podManager.findContainer(ns, pod, container, previous) });
  const dialer = tunnel;
  log.info({ node: identity.nodeName, nodeIp, lastRevision: cache.lastRevision(), cached: cache.size() }, 'agent started');
  return {
    node: identity.nodeName,
    cache,
    outbox,
    sync,
    pods: podManager,
    stop: async () => {
      heartbeat.stop();
      dialer.stop();
      await podManager.stop();
      await volumes?.stop();
      await network?.stop();
      await sync.stop();
      outbox.commit();
      db.close();
      log.info({ node: identity.nodeName }, 'agent stopped');
    },
  };
}

/** The server's registry as image names spell it (host:port of its API), with this node's credential. */
function nodeRegistry(identity: NodeIdentity) {
  return { host: new URL(identity.apiUrl).host, username: identity.credential.username, password: identity.credential.password, ca: identity.caPem };
}

/** Joins, retrying with back-off while the server cannot be reached (a site that boots first). */
async function joinWithRetry(config: AgentConfig): Promise<NodeIdentity> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await joinCluster({ serverUrl: config.serverUrl, token: config.token, nodeName: config.nodeName, dataDir: config.dataDir });
    } catch (error) {
      const code = (error as { code?: string }).code;
      // Only an unreachable server is worth waiting for; a refused token or a CA mismatch is not.
      if (code !== 'API_UNREACHABLE' && !/ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|socket hang up/.test((error as Error).message)) throw error;
      const delay = backoffDelay(attempt, { initialMs: 1_000, maxMs: 30_000 });
      log.warn({ server: config.serverUrl, reason: (error as Error).message, retryInMs: delay }, 'server unreachable; retrying the join');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * The node's InternalIP when none is given: the address this host uses to reach the server.
 * With a pod network, a server on this host (its own agent) gives the address of the default
 * route's interface instead, as K3s picks it: peers' overlays cannot reach a node at 127.0.0.1.
 * Only a route lookup: no packet is sent. A host with no route out keeps the loopback address.
 */
async function defaultNodeIp(apiUrl: string, podNetwork: boolean): Promise<string> {
  const towardsServer = await localAddressTowards(new URL(apiUrl).hostname);
  if (!podNetwork || !towardsServer.startsWith('127.')) return towardsServer;
  const outward = await localAddressTowards('192.0.2.1');
  return outward === '127.0.0.1' ? towardsServer : outward;
}

async function localAddressTowards(hostname: string): Promise<string> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  try {
    // connect() on a UDP socket only picks a route; nothing is sent.
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(9, host, () => resolve());
    });
    return socket.address().address;
  } catch {
    return '127.0.0.1';
  } finally {
    socket.close();
  }
}
