// The node-local DNS server: UDP and TCP on each listen address, answering from the zone
// function and forwarding the rest (respond.ts). Each query is handled on its own; a TCP
// connection may carry several, answered in order, and is closed after 10 s idle.
import dgram from 'node:dgram';
import net from 'node:net';
import { componentLogger, type Logger } from '../../common/index.ts';
import { respond, type RespondContext } from './respond.ts';
import { parseUpstream, type Upstream } from './upstreams.ts';
import type { ClusterZone } from './zone.ts';

export interface ListenAddress {
  address: string;
  /** 0 picks a free port (the same for UDP and TCP). */
  port: number;
}

export interface NodeDnsOptions {
  listen: ListenAddress[];
  /** Resolvers for names outside the cluster domain: "address" or "address:port" (readUpstreams gives the node's). */
  upstreams: string[];
  /** The current zone; called for every query, so it should just return what was last built. */
  zone: () => ClusterZone;
  logger?: Logger;
  /** How long to wait for each upstream before trying the next; default 1500 ms. */
  forwardTimeoutMs?: number;
}

export interface NodeDns {
  /** Where it listens, with the ports actually bound. */
  addresses: ListenAddress[];
  close(): Promise<void>;
}

const TCP_IDLE_MS = 10_000;

function checkOptions(options: NodeDnsOptions): { listen: ListenAddress[]; upstreams: Upstream[] } {
  if (!Array.isArray(options.listen) || options.listen.length === 0) throw new TypeError('listen: needs at least one { address, port }');
  options.listen.forEach(({ address, port }, i) => {
    if (!net.isIP(address)) throw new TypeError(`listen[${i}].address: "${address}" is not an IP address`);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`listen[${i}].port: ${JSON.stringify(port)} is not a port (0-65535)`);
  });
  if (!Array.isArray(options.upstreams)) throw new TypeError('upstreams: is not a list');
  if (typeof options.zone !== 'function') throw new TypeError('zone: is not a function');
  const timeout = options.forwardTimeoutMs;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) throw new TypeError(`forwardTimeoutMs: ${JSON.stringify(timeout)} is not a positive whole number of milliseconds`);
  return { listen: options.listen, upstreams: options.upstreams.map((text, i) => parseUpstream(text, `upstreams[${i}]`)) };
}

function serveUdp(socket: dgram.Socket, context: RespondContext): void {
  socket.on('message', (message, from) => {
    respond(message, 'udp', context)
      .then((answer) => answer && socket.send(answer, from.port, from.address))
      .catch((error: Error) => context.log.warn({ err: error.message, client: from.address }, 'DNS query failed'));
  });
  socket.on('error', (error) => context.log.warn({ err: error.message }, 'DNS UDP socket error'));
}

/** Splits a TCP stream into length-prefixed messages and answers them one after another. */
function serveTcpConnection(socket: net.Socket, context: RespondContext): void {
  let pending = Buffer.alloc(0);
  let queue = Promise.resolve();
  socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
  socket.on('error', () => undefined); // a client going away mid-answer is its business
  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
      const message = pending.subarray(2, 2 + pending.readUInt16BE(0));
      pending = pending.subarray(2 + message.length);
      queue = queue.then(async () => {
        const answer = await respond(message, 'tcp', context).catch((error: Error) => void context.log.warn({ err: error.message }, 'DNS query failed'));
        if (!answer || socket.destroyed) return;
        const length = Buffer.alloc(2);
        length.writeUInt16BE(answer.length);
        socket.write(Buffer.concat([length, answer]));
      });
    }
  });
}

function bindUdp(address: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

function listenTcp(server: net.Server, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** UDP and TCP on one address and the same port; with port 0, retries until a port is free for both. */
async function bindBoth(listen: ListenAddress, tcp: net.Server): Promise<{ udp: dgram.Socket; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const udp = await bindUdp(listen.address, listen.port);
    const port = udp.address().port;
    try {
      await listenTcp(tcp, listen.address, port);
      return { udp, port };
    } catch (error) {
      udp.close();
      if (listen.port !== 0 || attempt >= 10 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
}

/** Starts answering; rejects (naming the address) when an address cannot be bound, having closed what it opened. */
export async function startNodeDns(options: NodeDnsOptions): Promise<NodeDns> {
  const { listen, upstreams } = checkOptions(options);
  const log = options.logger ?? componentLogger('dns');
  const ours = (u: Upstream) => listen.some((l) => l.address === u.address && l.port === u.port);
  for (const upstream of upstreams.filter(ours)) log.warn({ upstream }, 'an upstream is this server itself: not forwarding to it');
  const context: RespondContext = { zone: options.zone, upstreams: upstreams.filter((u) => !ours(u)), forwardTimeoutMs: options.forwardTimeoutMs ?? 1500, log };
  const connections = new Set<net.Socket>();
  const opened: Array<{ udp: dgram.Socket; tcp: net.Server; address: ListenAddress }> = [];
  const close = async () => {
    for (const socket of connections) socket.destroy();
    await Promise.all(opened.map(({ udp, tcp }) => Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))])));
  };
  try {
    for (const address of listen) {
      const tcp = net.createServer((socket) => {
        connections.add(socket);
        socket.once('close', () => connections.delete(socket));
        serveTcpConnection(socket, context);
      });
      const { udp, port } = await bindBoth(address, tcp).catch((error: NodeJS.ErrnoException) => {
        throw new Error(`cannot listen for DNS on ${address.address}:${address.port}: ${error.code ?? error.message}`);
      });
      serveUdp(udp, context);
      opened.push({ udp, tcp, address: { address: address.address, port } });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { addresses: opened.map((o) => o.address), close };
}
