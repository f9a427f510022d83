// The join request and answer (POST /v1-skerry/join): validated here, apart from HTTP, so
// the rules are unit-tested on their own.
import type { IncomingMessage } from 'node:http';
import type { JoinAnswer, JoinRequest } from '../../common/index.ts';
import { isNodeName, SERVER_MQTT_USER } from '../../common/sync/index.ts';
import { ApiError, type StatusCause } from '../api/index.ts';

export const JOIN_PATH = '/v1-skerry/join';
export const MIN_NODE_PASSWORD = 16;
export const MAX_NODE_NAME = 253 - '.node-password.skerry'.length;
export const MAX_NODE_PASSWORD = 256;

export type { JoinAnswer, JoinRequest };

/** The request, or a 400 (not a JSON object) / 422 (naming each bad field) ApiError. */
export function parseJoinRequest(body: unknown): JoinRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'BadRequest', 'the join request must be a JSON object {"nodeName": …, "nodePassword": …}');
  const { nodeName, nodePassword } = body as Record<string, unknown>;
  const causes = [...nodeNameCauses(nodeName), ...passwordCauses(nodePassword)];
  if (causes.length > 0) {
    const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
    throw new ApiError(422, 'Invalid', `join request is invalid: ${summary}`, { kind: 'JoinRequest', ...(typeof nodeName === 'string' ? { name: nodeName } : {}), causes });
  }
  return { nodeName: nodeName as string, nodePassword: nodePassword as string };
}

function nodeNameCauses(value: unknown): StatusCause[] {
  if (typeof value !== 'string' || value === '') return [{ reason: 'FieldValueRequired', field: 'nodeName', message: 'Required value' }];
  if (value === SERVER_MQTT_USER) return [{ reason: 'FieldValueForbidden', field: 'nodeName', message: `Forbidden: "${SERVER_MQTT_USER}" is the server's own name` }];
  // The node-password Secret is named <node>.node-password.skerry and must fit in 253 characters.
  if (isNodeName(value) && value.length > MAX_NODE_NAME) return [{ reason: 'FieldValueTooLong', field: 'nodeName', message: `Too long: must have at most ${MAX_NODE_NAME} characters` }];
  if (isNodeName(value)) return [];
  return [{ reason: 'FieldValueInvalid', field: 'nodeName', message: `Invalid value: ${JSON.stringify(value.slice(0, 300))}: a node name must be a lowercase RFC 1123 subdomain of at most 253 characters ([a-z0-9], '-' and '.')` }];
}

function passwordCauses(value: unknown): StatusCause[] {
  if (typeof value !== 'string' || value === '') return [{ reason: 'FieldValueRequired', field: 'nodePassword', message: 'Required value' }];
  // Never echo a password, not even a wrong one.
  if (value.length < MIN_NODE_PASSWORD || value.length > MAX_NODE_PASSWORD) {
    return [{ reason: 'FieldValueInvalid', field: 'nodePassword', message: `Invalid value: must be ${MIN_NODE_PASSWORD} to ${MAX_NODE_PASSWORD} characters long` }];
  }
  return [];
}

export type BrokerUrlFor = (req: Pick<IncomingMessage, 'headers'>) => string;

/**
 * How an agent reaches the broker. The embedded broker on a wildcard address is reached at
 * whatever host the agent used to reach the API (the Host header: the name or address that
 * already works from that site); a specific --mqtt-listen host is used as it is; an
 * external broker's --broker URL is handed out unchanged.
 */
export function brokerUrlResolver(config: { broker?: string; mqttListen: { host: string; port: number } }): BrokerUrlFor {
  if (config.broker) {
    const url = config.broker;
    return () => url;
  }
  const { host, port } = config.mqttListen;
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  return (req) => `mqtts://${wildcard ? hostOf(req.headers.host) : bracketed(host)}:${port}`;
}

export type TunnelUrlFor = BrokerUrlFor;

/** Where an agent dials the tunnel: as for the broker, the Host header's host when it listens on a wildcard. */
export function tunnelUrlResolver(tunnelListen: { host: string; port: number }): TunnelUrlFor {
  const { host, port } = tunnelListen;
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  return (req) => `https://${wildcard ? hostOf(req.headers.host) : bracketed(host)}:${port}`;
}

/** The host part of a Host header, without its port; brackets kept around IPv6. */
export function hostOf(hostHeader: string | undefined): string {
  const header = (hostHeader ?? '').trim();
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1) || 'localhost';
  return header.split(':')[0] || 'localhost';
}

function bracketed(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
