// The embedded MQTT broker: aedes (MQTT 3.1.1) behind a TLS listener, with the sync protocol's
// per-node rules (common/sync/topics.ts) as its authentication and authorization hooks.
import type { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import mqttPacket from 'mqtt-packet';
import { componentLogger } from '../../common/logger.ts';
import { FrameLengthGuard } from './frame-guard.ts';
import { BrokerHooks } from './hooks.ts';
import { type BrokerPrincipal, DEFAULT_MAX_PAYLOAD_BYTES } from './policy.ts';

const log = componentLogger('broker');

// aedes writes every packet with mqtt-packet, which on its first write fills a table of 65,536
// two-byte Buffers (≈ 6 MiB of heap) to save one small allocation per packet id.
mqttPacket.writeToStream.cacheNumbers = false;

// A PUBLISH carries, besides its payload, a length-prefixed topic (at most 65,535 bytes) and
// a packet id; the frame guard allows that much on top of the payload limit, and the hooks
// then check the payload itself exactly.
const FRAME_OVERHEAD_BYTES = 2 + 65_535 + 2;

// How one frozen subscriber (dead link, stopped process) can stall everyone, and the two knobs
// that bound it. aedes writes to a client until its socket buffer is full; after that every
// message for that client waits for 'drain' and, while it waits, holds one of mqemitter's
// `concurrency` delivery slots. Once all slots are held, every message for every client
// queues behind them (measured: with aedes' default of 100, 128 messages to a frozen node held
// another node's message for the whole drain timeout).
// - concurrency 1,000: the server keeps about 20 messages in flight per node (DESIGN §5), so
//   ~50 nodes can be frozen at once before anyone else waits; a slot costs only a pending
//   callback and a reference to a message that is in memory anyway.
// - drainTimeout 10 s (aedes' default is 60 s): how long a frozen client keeps its slots before
//   aedes cuts it off, which is the longest anyone can be stalled. A node cut off loses nothing
//   the protocol cares about: it reconnects and says hello with its last revision. A slow but
//   live link needs only ~13 kbit/s to empty Node's 16 KiB socket buffer within 10 s.
const DRAIN_TIMEOUT_MS = 10_000;
const CONCURRENCY = 1_000;
// TLS handshakes that never finish would otherwise hold a socket for Node's default 120 s.
const HANDSHAKE_TIMEOUT_MS = 20_000;

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0 picks any free port. */
  port: number;
  /** PEM serving certificate (with its chain) and key. */
  tls: { cert: string; key: string };
  /** The principal these credentials belong to, or undefined to refuse them. */
  authenticate: (username: string, password: Buffer) => Promise<BrokerPrincipal | undefined>;
  /** Larger publishes are dropped; much larger packets cut the connection. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Overrides the 10 s drain timeout; tests shorten it. */
  drainTimeoutMs?: number;
}

export interface EmbeddedBroker {
  address: { host: string; port: number };
  /** mqtts://host:port */
  url: string;
  /** Ends every client and the listener; later calls return the same promise. */
  close(): Promise<void>;
  /** The nodes connected right now, sorted. */
  connectedNodes(): string[];
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const hooks = new BrokerHooks(options.authenticate, maxPayloadBytes, log);
  const aedes = await Aedes.createBroker(aedesOptions(hooks, options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS));
  const nodes = trackNodes(aedes, hooks);
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2', handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
  server.on('connection', (raw: net.Socket) => {
    // Nagle's algorithm costs 4–5× throughput on small MQTT packets (DESIGN §5); set it on the
    // TCP socket itself, under TLS.
    raw.setNoDelay(true);
    sockets.add(raw);
    raw.once('close', () => sockets.delete(raw));
  });
  server.on('secureConnection', (socket: tls.TLSSocket) => accept(aedes, socket, maxPayloadBytes + FRAME_OVERHEAD_BYTES));
  server.on('tlsClientError', (error: Error) => log.debug({ err: error.message }, 'TLS handshake failed'));
  const closeAll = async (): Promise<void> => {
    const listenerClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    for (const raw of sockets) raw.destroy();
    await listenerClosed;
  };
  const port = await listen(server, options.host, options.port).catch(async (error: unknown) => {
    await closeAll();
    throw error;
  });
  let closing: Promise<void> | undefined;
  log.info({ host: options.host, port, maxPayloadBytes }, 'MQTT broker listening');
  return {
    address: { host: options.host, port },
    url: `mqtts://${net.isIPv6(options.host) ? `[${options.host}]` : options.host}:${port}`,
    close: () => (closing ??= closeAll()),
    connectedNodes: () => [...nodes.keys()].sort(),
  };
}

function aedesOptions(hooks: BrokerHooks, drainTimeout: number): AedesOptions {
  return {
    concurrency: CONCURRENCY,
    drainTimeout,
    preConnect: (client, packet, done) => hooks.preConnect(client, packet, done),
    authenticate: (client, username, password, done) => hooks.authenticate(client, username, password, done),
    authorizePublish: (client, packet, done) => hooks.authorizePublish(client, packet, done),
    authorizeSubscribe: (client, subscription, done) => hooks.authorizeSubscribe(client, subscription, done),
    authorizeForward: (client, packet) => hooks.authorizeForward(client, packet),
  };
}

/** Hands a TLS connection to aedes, with the packet-size guard watching its bytes. */
function accept(aedes: Aedes, socket: tls.TLSSocket, frameLimit: number): void {
  aedes.handle(socket);
  const guard = new FrameLengthGuard(frameLimit);
  // aedes reads the socket in paused mode ('readable' + read()); a 'data' listener added after
  // it does not switch the stream to flowing, it only sees each chunk aedes reads, just before
  // aedes parses it.
  socket.on('data', (chunk: Buffer) => {
    if (guard.feed(chunk)) return;
    log.info({ remote: socket.remoteAddress, limit: frameLimit }, 'MQTT packet over the size limit; closing the connection');
    socket.destroy();
  });
}

/** Node name → its live connection, kept from aedes' connect and disconnect events. */
function trackNodes(aedes: Aedes, hooks: BrokerHooks): Map<string, Client> {
  const nodes = new Map<string, Client>();
  aedes.on('clientReady', (client) => {
    const principal = hooks.principalOf(client);
    if (principal?.kind === 'node') nodes.set(principal.node, client);
  });
  aedes.on('clientDisconnect', (client) => {
    const principal = hooks.principalOf(client);
    if (principal?.kind === 'node' && nodes.get(principal.node) === client) nodes.delete(principal.node);
  });
  aedes.on('clientError', (client, error) => log.debug({ client: client.id, err: error.message }, 'MQTT client error'));
  aedes.on('connectionError', (_client, error) => log.debug({ err: error.message }, 'MQTT connection error'));
  // Without a listener an 'error' event (from will or offline-queue handling) would end the process.
  const emitter: EventEmitter = aedes;
  emitter.on('error', (error: Error) => log.error({ err: error.message }, 'MQTT broker error'));
  return nodes;
}

function listen(server: tls.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}
