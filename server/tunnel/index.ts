// The public face of server/tunnel: the gRPC endpoint nodes dial out to, so the API can
// reach a node that never listens (a NAT'd site). To stream logs or exec, the server asks
// the node over MQTT (a `stream` message on its down topic); the node dials this endpoint
// with its credentials and the request's id, and the API pipes frames through the call.
import * as grpc from '@grpc/grpc-js';
import { componentLogger, SkerryError } from '../../common/index.ts';
import type { StreamRequest } from '../../common/sync/index.ts';
import { TUNNEL_KEEPALIVE, TUNNEL_SERVICE } from '../../common/tunnel/index.ts';
import { ApiError, type NodeStream, type PodStreamRequest, type PodStreams } from '../api/index.ts';
import type { Credentials } from '../auth/index.ts';
import { callAcceptor } from './accept.ts';
import type { OpenedStream } from './node-stream.ts';
import { createPendingStreams } from './pending.ts';
import { statusError } from './status.ts';

export { statusError } from './status.ts';

const log = componentLogger('tunnel');

/** How long a node has to dial in and answer a stream request (the 10 s). */
export const ANSWER_TIMEOUT_MS = 10_000;

export interface TunnelOptions {
  listen: { host: string; port: number };
  /** The serving certificate chain and key (PEM), the same the API presents. */
  tls: { cert: string; key: string };
  /** The join component's check of node credentials: the node's name, or undefined. */
  authenticateNode(credentials: Credentials): Promise<string | undefined>;
  /** Whether the node is connected to the broker now (the sync server's presence). */
  online(node: string): boolean;
  /** Publishes the stream request on the node's down topic. */
  ask(node: string, request: StreamRequest): void;
  answerTimeoutMs?: number;
}

export interface Tunnel extends PodStreams {
  address: { host: string; port: number };
  /** Streams waiting for their node, for tests and metrics. */
  waiting(): number;
  stop(): Promise<void>;
}

export async function startTunnel(options: TunnelOptions): Promise<Tunnel> {
  const pending = createPendingStreams<OpenedStream>();
  const server = new grpc.Server({ ...TUNNEL_KEEPALIVE, 'grpc.http2.min_ping_interval_without_data_ms': 5_000 });
  const accept = callAcceptor(pending, options.authenticateNode);
  server.addService(TUNNEL_SERVICE, { stream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => void accept(call) });

  const address = await bind(server, options.listen, options.tls);
  const timeoutMs = options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS;

  async function open(node: string, request: PodStreamRequest): Promise<NodeStream> {
    if (!options.online(node)) throw new ApiError(503, 'ServiceUnavailable', `node "${node}" is offline (not connected to the broker), so the server cannot reach it over the tunnel; try again when it is back`);
    const deadline = Date.now() + timeoutMs;
    const late = () => new ApiError(504, 'Timeout', `node "${node}" did not answer over the tunnel within ${timeoutMs / 1000} s (it may not reach the tunnel port ${address.port}, or its agent is stuck)`);
    const waiter = pending.wait(node, timeoutMs, late);
    options.ask(node, { ...request, id: waiter.id } as StreamRequest);
    const stream = await waiter.arrived;
    const first = await withDeadline(stream.first(), deadline - Date.now(), () => (stream.cancel(), late()));
    if (first?.type === 'ready') return stream;
    stream.cancel();
    if (first?.type === 'status') throw statusError(first.status);
    throw new ApiError(502, 'BadGateway', `node "${node}" closed the tunnel stream without answering`);
  }

  log.info({ address: `${address.host}:${address.port}` }, 'tunnel listening');
  return {
    address,
    open,
    waiting: pending.size,
    stop: async () => {
      pending.clear(new ApiError(503, 'ServiceUnavailable', 'the server is stopping'));
      // Streams still open (a follow whose client hangs on) get a second to end, then are cut.
      await Promise.race([new Promise<void>((resolve) => server.tryShutdown(() => resolve())), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      server.forceShutdown();
    },
  };
}

function bind(server: grpc.Server, listen: { host: string; port: number }, tls: { cert: string; key: string }): Promise<{ host: string; port: number }> {
  const credentials = grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }], false);
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${listen.port}`, credentials, (error, port) => {
      if (error) return reject(new SkerryError('LISTEN_FAILED', `tunnel ${listen.host}:${listen.port}: ${error.message}`, { host: listen.host, port: listen.port }, { cause: error }));
      resolve({ host: listen.host, port });
    });
  });
}

function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), Math.max(0, ms));
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}
