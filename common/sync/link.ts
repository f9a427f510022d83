// One MQTT connection as both sides use it: TLS pinned to the cluster CA, Nagle off (it cost
// 4–5× fan-in throughput and 9–16 ms per message here), a clean session (the protocol keeps
// its own state; broker queues are not a sync mechanism), and reconnects with exponential
// back-off and jitter instead of mqtt.js's fixed one-second retry.
import mqtt, { Store, type IClientOptions, type MqttClient } from 'mqtt';
import type { Socket } from 'node:net';
import { backoffDelay } from './backoff.ts';

export interface LinkOptions {
  url: string;
  username: string;
  password: string;
  /** PEM of the CA the broker's certificate must chain to (mqtts). */
  ca?: string;
  keepaliveSeconds: number;
  will?: { topic: string; payload: Buffer };
  backoff?: { initialMs: number; maxMs: number };
  /** The jitter's source (tests pin it). */
  random?: () => number;
}

export function connectLink(options: LinkOptions): MqttClient {
  const backoff = options.backoff ?? { initialMs: 500, maxMs: 30_000 };
  let attempt = 0;
  const clientOptions: IClientOptions = {
    clientId: options.username,
    username: options.username,
    password: options.password,
    protocolVersion: 4,
    clean: true,
    keepalive: options.keepaliveSeconds,
    // TCP, TLS and CONNECT take 3–4 round trips: at 800 ms of delay and 30 % loss the handshake
    // alone took 2.4–4.4 s in the lab, so a 5 s limit failed connects that would have worked.
    connectTimeout: Math.max(10_000, options.keepaliveSeconds * 2000),
    reconnectPeriod: backoffDelay(0, backoff, options.random),
    // A refused login is often only early (a node whose user an external broker has not
    // loaded yet); mqtt.js would give up for good, so keep retrying with the back-off.
    reconnectOnConnackError: true,
    ca: options.ca,
    rejectUnauthorized: true,
    // mqtt-packet otherwise fills a table of 65,536 two-byte Buffers on the first packet it
    // writes: ≈ 6 MiB of heap per process (the agent's largest single item) to save one small
    // allocation per packet id. The flag is global to mqtt-packet, which aedes shares.
    writeCache: false,
    will: options.will ? { topic: options.will.topic, payload: options.will.payload, qos: 1, retain: false } : undefined,
  };
  const client = mqtt.connect(options.url, clientOptions);
  client.on('connect', () => {
    attempt = 0;
    // mqtt.js reads the period in its own close handler, before ours: without this reset,
    // the first drop after a long outage would wait that outage's last, longest delay.
    client.options.reconnectPeriod = backoffDelay(0, backoff, options.random);
    (client.stream as Partial<Socket> | undefined)?.setNoDelay?.(true);
  });
  // mqtt.js reads reconnectPeriod each time it schedules a reconnect, so moving it here
  // gives every retry its own jittered, growing delay.
  client.on('close', () => {
    dropUnacknowledged(client);
    client.options.reconnectPeriod = backoffDelay(++attempt, backoff, options.random);
  });
  return client;
}

/**
 * Forgets QoS 1 messages the closed connection never had acknowledged. mqtt.js would resend
 * them all, one round trip at a time, before the next connection counts as up — on a slow
 * link that can use up the keep-alive. The sync protocol resends what matters on its own
 * (windowed batches, the outbox), from newer state, so these copies are only in the way.
 */
export function dropUnacknowledged(client: MqttClient): number {
  const inFlight = client.outgoingStore;
  client.outgoingStore = new Store();
  inFlight.close(() => undefined);
  let dropped = 0;
  for (const [id, entry] of Object.entries(client.outgoing)) {
    if (entry.cmd !== 'publish') continue;
    delete client.outgoing[Number(id)];
    dropped++;
    entry.cb?.(new Error('connection closed before the broker acknowledged; the sync protocol resends'));
  }
  return dropped;
}
