// The public face of server/sync: the server's side of the sync protocol (DESIGN §5). It
// mirrors the objects views are made of, keeps one session per node, sends view batches
// down and writes the nodes' reports into the API.
import crypto from 'node:crypto';
import { componentLogger } from '../../common/index.ts';
import { connectLink, encodeMessage, nodeTopic, SERVER_MQTT_USER, SERVER_SUBSCRIPTIONS, type StreamMessage, type StreamRequest } from '../../common/sync/index.ts';
import type { Catalog, ObjectStore } from '../api/index.ts';
import type { KeyValueStore } from '../../storage/kv/index.ts';
import { sourceAt } from './history.ts';
import { startMirror, type MirrorChange } from './mirror.ts';
import { createReportInbox } from './inbox.ts';
import { reportWriter } from './reports.ts';
import { createNodeSession, type NodeSession } from './session.ts';
import { computeView } from './view.ts';
import { project } from './projection.ts';
import { dispatcher } from './dispatch.ts';

const log = componentLogger('sync');

export interface SyncOptions {
  kv: KeyValueStore;
  objects: ObjectStore;
  catalog: Catalog;
  broker: { url: string; ca?: string; password: string };
  keepaliveSeconds?: number;
}

export interface SyncServer {
  epoch: string;
  /** Each known node's stream position, for tests and metrics. */
  sessions(): Record<string, ReturnType<NodeSession['state']>>;
  /** Whether the node is connected to the broker now (its presence, or a hello since). */
  online(node: string): boolean;
  /** Asks the node, on its down topic, to dial the tunnel for a log or exec stream. */
  requestStream(node: string, request: StreamRequest): void;
  connected(): Promise<void>;
  stop(): Promise<void>;
}

const FLUSH_MS = 10;

export function startSync(options: SyncOptions): SyncServer {
  const epoch = crypto.randomBytes(8).toString('hex');
  const sessions = new Map<string, NodeSession>();
  const dirty = new Set<string>();
  let flushTimer: NodeJS.Timeout | undefined;
  const client = connectLink({ url: options.broker.url, username: SERVER_MQTT_USER, password: options.broker.password, ca: options.broker.ca, keepaliveSeconds: options.keepaliveSeconds ?? 30 });

  const markDirty = (nodes: Iterable<string>) => {
    for (const node of nodes) dirty.add(node);
    flushTimer ??= setTimeout(flush, FLUSH_MS);
  };
  const flush = () => {
    flushTimer = undefined;
    const nodes = [...dirty];
    dirty.clear();
    for (const node of nodes) sessions.get(node)?.refresh();
  };
  const mirror = startMirror(options.kv, options.catalog, (change) => markDirty(affected(change, sessions.keys())), () => markDirty(sessions.keys()));

  function session(node: string): NodeSession {
    let existing = sessions.get(node);
    if (!existing) {
      existing = createNodeSession({
        node,
        epoch,
        send: (batch) => publish(nodeTopic(node, 'down'), encodeMessage(batch)),
        current: () => ({ revision: mirror.revision(), view: computeView(node, mirror) }),
        viewAt: async (revision) => {
          try {
            return computeView(node, await sourceAt(options.kv, options.catalog, revision));
          } catch (error) {
            log.info({ node, revision, reason: (error as Error).message }, 'history gone; sending a snapshot');
            return undefined;
          }
        },
        maxBatchBytes: 256 * 1024,
        window: 20,
        now: Date.now,
      });
      sessions.set(node, existing);
    }
    return existing;
  }

  function publish(topic: string, payload: Buffer, retain = false): void {
    client.publish(topic, payload, { qos: 1, retain }, (error) => error && log.warn({ err: error, topic }, 'publish failed'));
  }

  const inbox = createReportInbox(reportWriter(options.objects, options.catalog), (node, seq) => publish(nodeTopic(node, 'down'), encodeMessage({ t: 'reportAck', epoch, seq })));
  const handle = dispatcher({ session, inbox });
  client.on('message', (topic, payload) => handle(topic, payload));
  let markConnected: () => void = () => undefined;
  const connectedOnce = new Promise<void>((resolve) => (markConnected = resolve));
  client.on('connect', () => {
    client.subscribe(SERVER_SUBSCRIPTIONS, { qos: 1 }, (error) => {
      if (error) return log.error({ err: error }, 'subscribing to the nodes failed');
      markConnected();
      void mirror.synced.then(() => announce());
    });
  });
  client.on('error', (error) => log.warn({ err: error }, 'broker connection error'));

  // The retained head tells every node, also one that connects later, that this server
  // instance (epoch) is new: its sessions start with a hello. Brokers forget retained messages.
  function announce(): void {
    for (const node of mirror.list('nodes')) {
      const name = (node.object.metadata as { name: string }).name;
      publish(nodeTopic(name, 'head'), encodeMessage({ t: 'head', epoch, rev: mirror.revision() }), true);
    }
  }

  const ticker = setInterval(() => {
    for (const s of sessions.values()) void s.tick();
  }, 1000);

  log.info({ broker: options.broker.url, epoch }, 'sync started');
  return {
    epoch,
    sessions: () => Object.fromEntries([...sessions].map(([node, s]) => [node, s.state()])),
    online: (node) => client.connected && (sessions.get(node)?.state().online ?? false),
    requestStream: (node, request) => publish(nodeTopic(node, 'down'), encodeMessage({ t: 'stream', epoch, ...request } as StreamMessage)),
    connected: () => connectedOnce,
    stop: async () => {
      clearInterval(ticker);
      if (flushTimer) clearTimeout(flushTimer);
      mirror.stop();
      await inbox.drain();
      await client.endAsync(true);
    },
  };
}

/**
 * The nodes whose views a change may touch: a pod's node(s), or every node when what a policy
 * peer shows of it (labels, addresses, named ports) changed; anything else may touch any view.
 */
function affected(change: MirrorChange, nodes: Iterable<string>): Iterable<string> {
  if (change.resource !== 'pods') return nodes;
  const asPeer = (s: MirrorChange['old']) => {
    const status = (s?.object.status ?? {}) as { podIP?: string; phase?: string };
    return s && status.podIP && status.phase !== 'Succeeded' && status.phase !== 'Failed' ? project('peerpods', s.object, false).fingerprint : '';
  };
  if (asPeer(change.old) !== asPeer(change.now)) return nodes;
  const nodeOf = (s: MirrorChange['old']) => (s?.object.spec as { nodeName?: string } | undefined)?.nodeName;
  return [nodeOf(change.old), nodeOf(change.now)].filter((n): n is string => typeof n === 'string');
}
