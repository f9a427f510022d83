// Forwarding a query the zone does not own to the node's upstream resolvers, over the
// transport the client used (a UDP client gets the upstream's possibly truncated answer and
// retries over TCP, as it would with any server). Each upstream is tried in turn with its own
// time limit. The query goes out under a fresh random id from a fresh socket (a random source
// port), and only a response from that upstream with that id is taken.
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '../../common/index.ts';
import type { Upstream } from './upstreams.ts';

export type Transport = 'udp' | 'tcp';

function exchangeUdp(query: Buffer, upstream: Upstream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(upstream.address.replace(/%.*$/, '')) ? 'udp6' : 'udp4');
    const done = (error: Error | undefined, answer?: Buffer) => {
      clearTimeout(timer);
      socket.close();
      if (error) reject(error);
      else resolve(answer!);
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (error) => done(error));
    socket.on('message', (message, from) => {
      const fromUpstream = from.port === upstream.port && from.address === upstream.address.replace(/%.*$/, '');
      if (fromUpstream && message.length >= 12 && message.readUInt16BE(0) === query.readUInt16BE(0) && (message[2]! & 0x80) !== 0) done(undefined, message);
    });
    socket.send(query, upstream.port, upstream.address, (error) => error && done(error));
  });
}

function exchangeTcp(query: Buffer, upstream: Upstream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: upstream.address, port: upstream.port });
    let received = Buffer.alloc(0);
    const done = (error: Error | undefined, answer?: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(answer!);
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (error) => done(error));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
      const answer = received.subarray(2, 2 + received.readUInt16BE(0));
      if (answer.length >= 12 && answer.readUInt16BE(0) === query.readUInt16BE(0)) done(undefined, answer);
      else done(new Error('answer with another id'));
    });
    socket.on('end', () => done(new Error('closed before a whole answer')));
    const length = Buffer.alloc(2);
    length.writeUInt16BE(query.length);
    socket.write(Buffer.concat([length, query]));
  });
}

/** The first upstream's answer (with the client's id back in place), or undefined when none answered. */
export async function forwardQuery(query: Buffer, upstreams: Upstream[], transport: Transport, timeoutMs: number, log: Logger): Promise<Buffer | undefined> {
  const id = query.readUInt16BE(0);
  const outgoing = Buffer.from(query);
  outgoing.writeUInt16BE(crypto.randomInt(65536), 0);
  for (const upstream of upstreams) {
    try {
      const answer = await (transport === 'udp' ? exchangeUdp : exchangeTcp)(outgoing, upstream, timeoutMs);
      const relayed = Buffer.from(answer);
      relayed.writeUInt16BE(id, 0);
      return relayed;
    } catch (error) {
      log.debug({ upstream: `${upstream.address}:${upstream.port}`, transport, err: (error as Error).message }, 'upstream did not answer');
    }
  }
  return undefined;
}
