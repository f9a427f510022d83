// Node credentials: user name = node name, password = the credential the server issued at
// join (kept in the node's node-password Secret). One checker serves HTTP (registry pulls,
// later the tunnel) and MQTT (the embedded broker's authenticate hook, or Mosquitto's
// password file for an external broker).
import crypto from 'node:crypto';
import type { Credentials, NodeAuthenticator } from '../auth/index.ts';
import type { ObjectStore } from '../api/index.ts';
import { isNodeName, SERVER_MQTT_USER } from '../../common/sync/index.ts';
import { getNodeRecord, listNodeRecords } from './node-password.ts';

// Short enough that a node whose Secret is deleted is refused within seconds, long enough
// that a burst of reconnects (a broker restart) does not read the store once per client.
const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;
const BEARER_PREFIX = 'node:';

export type MqttPrincipal = { kind: 'server' } | { kind: 'node'; node: string };

export interface NodeCredentials extends NodeAuthenticator {
  authenticateNode(credentials: Credentials): Promise<string | undefined>;
  authenticateMqtt(username: string, password: Buffer): Promise<MqttPrincipal | undefined>;
  /** The server's own MQTT password: derived from the cluster secret, so nothing more is stored. */
  serverMqttPassword(): string;
  /** The server's user and every joined node's, for an external broker's password file. */
  mqttUsers(): Promise<Array<{ username: string; password: string }>>;
  /** Drops what the cache knows of a node (its credential was just issued or revoked). */
  forget(node: string): void;
}

export function createNodeCredentials(objects: ObjectStore, clusterSecret: string, now: () => number = Date.now): NodeCredentials {
  const serverPassword = crypto.createHmac('sha256', clusterSecret).update('skerry mqtt server').digest('hex');
  const cache = new Map<string, { digest: Buffer | undefined; until: number }>();

  /** sha256 of the node's credential, or undefined when the node has none (not joined, or removed). */
  async function storedDigest(node: string): Promise<Buffer | undefined> {
    const hit = cache.get(node);
    if (hit && hit.until > now()) return hit.digest;
    const record = await getNodeRecord(objects, node);
    const digest = record ? sha256(record.credential) : undefined;
    // Unknown names are cached too (a client guessing names must not reach the store each
    // time); the whole map is dropped when full rather than tracking recency.
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(node, { digest, until: now() + CACHE_TTL_MS });
    return digest;
  }

  async function check(node: string, secret: string): Promise<string | undefined> {
    if (!isNodeName(node) || !secret) return undefined;
    const want = await storedDigest(node);
    return want && crypto.timingSafeEqual(want, sha256(secret)) ? node : undefined;
  }

  return {
    authenticateNode: async (credentials) => {
      const pair = nodeAndSecret(credentials);
      return pair ? check(pair.node, pair.secret) : undefined;
    },
    authenticateMqtt: async (username, password) => {
      if (username === SERVER_MQTT_USER) return crypto.timingSafeEqual(sha256(password), sha256(serverPassword)) ? { kind: 'server' } : undefined;
      const node = await check(username, password.toString('utf8'));
      return node ? { kind: 'node', node } : undefined;
    },
    serverMqttPassword: () => serverPassword,
    mqttUsers: async () => [
      { username: SERVER_MQTT_USER, password: serverPassword },
      ...(await listNodeRecords(objects)).map((r) => ({ username: r.node, password: r.credential })),
    ],
    forget: (node) => void cache.delete(node),
  };
}

/** Basic: user = node, password = credential. Bearer: "node:<name>:<credential>". */
export function nodeAndSecret(credentials: Credentials): { node: string; secret: string } | undefined {
  if (credentials.scheme === 'basic') return credentials.username ? { node: credentials.username, secret: credentials.secret } : undefined;
  if (!credentials.secret.startsWith(BEARER_PREFIX)) return undefined;
  const rest = credentials.secret.slice(BEARER_PREFIX.length);
  const colon = rest.lastIndexOf(':');
  return colon > 0 ? { node: rest.slice(0, colon), secret: rest.slice(colon + 1) } : undefined;
}

function sha256(data: string | Buffer): Buffer {
  return crypto.createHash('sha256').update(data).digest();
}
