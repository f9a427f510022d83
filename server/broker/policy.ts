// Who may do what on the broker, for the embedded broker's hooks. The rules themselves live in
// common/sync/topics.ts (the same table the Mosquitto ACL file is generated from); this file
// only maps an authenticated principal onto them.
import { SERVER_MQTT_USER, isNodeName, nodeMayPublish, nodeMaySubscribe, serverMayPublish, serverMaySubscribe } from '../../common/sync/index.ts';

/** The largest payload a publish may carry unless configured otherwise. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Who a connection authenticated as: the server itself, or one node. */
export type BrokerPrincipal = { kind: 'server' } | { kind: 'node'; node: string };

/** The MQTT user name (and therefore client id) a principal must connect with. */
export function principalName(principal: BrokerPrincipal): string {
  return principal.kind === 'server' ? SERVER_MQTT_USER : principal.node;
}

/** A principal the broker can act on: a node principal must carry a valid node name. */
export function isValidPrincipal(principal: BrokerPrincipal): boolean {
  return principal.kind === 'server' || isNodeName(principal.node);
}

export function principalMayPublish(principal: BrokerPrincipal, topic: string): boolean {
  return principal.kind === 'server' ? serverMayPublish(topic) : nodeMayPublish(principal.node, topic);
}

export function principalMaySubscribe(principal: BrokerPrincipal, filter: string): boolean {
  return principal.kind === 'server' ? serverMaySubscribe(filter) : nodeMaySubscribe(principal.node, filter);
}
