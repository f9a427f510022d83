// The MQTT topics of the sync protocol (DESIGN §5) and who may use which. One node's
// subtree is skerry/v1/nodes/<node>/…; the broker's ACL (embedded or Mosquitto's generated
// file) is derived from the same table, so the two can never disagree.

export const TOPIC_ROOT = 'skerry/v1/nodes';

/** The MQTT user name the server itself connects as; no node may take this name. */
export const SERVER_MQTT_USER = 'skerry-server';

/** The leaves of a node's subtree, with the direction each one carries. */
export const NODE_TOPICS = {
  /** server → node: view batches, acknowledgements of upstream messages, stream requests. */
  down: 'down',
  /** server → node, retained: the tiny head {rev, minRev, epoch} that shows a node it is behind. */
  head: 'head',
  /** node → server: hello, acks, statuses, events, heartbeats. */
  up: 'up',
  /** node → server: online/offline; the offline message is the connection's last will. */
  presence: 'presence',
} as const;

export type NodeTopic = keyof typeof NODE_TOPICS;

export function nodeTopic(node: string, leaf: NodeTopic): string {
  return `${TOPIC_ROOT}/${node}/${NODE_TOPICS[leaf]}`;
}

/** What a node's credentials may do: read what the server sends it, write what it sends up. */
export const NODE_MAY_READ: readonly NodeTopic[] = ['down', 'head'];
export const NODE_MAY_WRITE: readonly NodeTopic[] = ['up', 'presence'];

/** The server reads every node's up/presence and writes every node's down/head. */
export const SERVER_SUBSCRIPTIONS = [`${TOPIC_ROOT}/+/${NODE_TOPICS.up}`, `${TOPIC_ROOT}/+/${NODE_TOPICS.presence}`];

// A node name is a Kubernetes DNS subdomain; anything else could smuggle MQTT wildcards
// (+, #) or extra levels (/) into a topic or an ACL pattern.
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isNodeName(name: string): boolean {
  return name.length <= 253 && NODE_NAME.test(name) && name !== SERVER_MQTT_USER;
}

/** The node a topic belongs to and its leaf, or undefined for a topic outside the tree. */
export function parseNodeTopic(topic: string): { node: string; leaf: NodeTopic } | undefined {
  if (!topic.startsWith(`${TOPIC_ROOT}/`)) return undefined;
  const rest = topic.slice(TOPIC_ROOT.length + 1).split('/');
  if (rest.length !== 2) return undefined;
  const [node, leafName] = rest as [string, string];
  const leaf = (Object.keys(NODE_TOPICS) as NodeTopic[]).find((k) => NODE_TOPICS[k] === leafName);
  return leaf && isNodeName(node) ? { node, leaf } : undefined;
}

/** May this node publish to this topic? Only to its own up and presence leaves. */
export function nodeMayPublish(node: string, topic: string): boolean {
  const parsed = parseNodeTopic(topic);
  return parsed !== undefined && parsed.node === node && NODE_MAY_WRITE.includes(parsed.leaf);
}

/**
 * May this node subscribe with this filter? Only to its own down and head leaves, named
 * exactly: a wildcard filter could match another node's topics (or $SYS), so none is allowed.
 */
export function nodeMaySubscribe(node: string, filter: string): boolean {
  if (filter.includes('+') || filter.includes('#')) return false;
  const parsed = parseNodeTopic(filter);
  return parsed !== undefined && parsed.node === node && NODE_MAY_READ.includes(parsed.leaf);
}

/** May the server publish here? To any node's down and head leaves. */
export function serverMayPublish(topic: string): boolean {
  const parsed = parseNodeTopic(topic);
  return parsed !== undefined && (parsed.leaf === 'down' || parsed.leaf === 'head');
}

/** The server's half of the same table: it reads what nodes write and writes what they read. */
export const SERVER_MAY_READ: readonly NodeTopic[] = NODE_MAY_WRITE;
export const SERVER_MAY_WRITE: readonly NodeTopic[] = NODE_MAY_READ;

/**
 * May the server subscribe with this filter? To the SERVER_SUBSCRIPTIONS wildcards exactly,
 * or to one node's up/presence leaf named exactly; no other wildcard (not `#`, not `$SYS`).
 */
export function serverMaySubscribe(filter: string): boolean {
  if (SERVER_SUBSCRIPTIONS.includes(filter)) return true;
  if (filter.includes('+') || filter.includes('#')) return false;
  const parsed = parseNodeTopic(filter);
  return parsed !== undefined && SERVER_MAY_READ.includes(parsed.leaf);
}
