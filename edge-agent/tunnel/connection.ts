// The node's side of the tunnel's connection: one gRPC channel to the server, TLS pinned to
// the cluster CA, node credentials on every call. A call that cannot get through (the
// tunnel dropped, the server restarted, a stale connection) throws the channel away and
// dials again with back-off until the request's deadline, so nothing stays stuck.
import net from 'node:net';
import tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { componentLogger } from '../../common/index.ts';
import { backoffDelay } from '../../common/sync/index.ts';
import { basicAuthorization, STREAM_ID_KEY, TUNNEL_KEEPALIVE, TUNNEL_METHOD } from '../../common/tunnel/index.ts';

const log = componentLogger('agent-tunnel');

/** One attempt may not take the whole window: a channel that hangs is replaced in time. */
const ATTEMPT_MS = 3_000;
const BACKOFF = { initialMs: 200, maxMs: 2_000 };

export type TunnelCall = grpc.ClientDuplexStream<Buffer, Buffer>;

export interface TunnelConnectionOptions {
  /** https://HOST:PORT, as the join answer gives it. */
  url: string;
  caPem: string;
  username: string;
  password: string;
}

export interface TunnelConnection {
  /** The stream `id`, once the server has accepted it; rejects when `deadline` (ms since epoch) passes first. */
  dial(id: string, deadline: number): Promise<TunnelCall>;
  close(): void;
}

export function createTunnelConnection(options: TunnelConnectionOptions): TunnelConnection {
  const target = targetOf(options.url);
  const { credentials, nameOverride } = tlsFor(options.url, options.caPem);
  let client: grpc.Client | undefined;
  const channelOptions = { ...TUNNEL_KEEPALIVE, 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_reconnect_backoff_ms': 2_000, ...nameOverride };

  function drop(): void {
    client?.close();
    client = undefined;
  }

  async function dial(id: string, deadline: number): Promise<TunnelCall> {
    for (let attempt = 0; ; attempt++) {
      client ??= new grpc.Client(target, credentials, channelOptions);
      try {
        return await openCall(client, id, Math.min(deadline, Date.now() + ATTEMPT_MS), options);
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code !== grpc.status.UNAVAILABLE && code !== grpc.status.DEADLINE_EXCEEDED) throw error;
        drop();
        const delay = backoffDelay(attempt, BACKOFF);
        if (Date.now() + delay >= deadline) throw error;
        log.info({ target, id, attempt, reason: (error as Error).message, retryInMs: delay }, 'tunnel unreachable; dialling again');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  return { dial, close: drop };
}

/** Starts the call and waits for the server's headers, which it sends once it has accepted the stream. */
function openCall(client: grpc.Client, id: string, until: number, options: TunnelConnectionOptions): Promise<TunnelCall> {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', basicAuthorization(options.username, options.password));
  metadata.set(STREAM_ID_KEY, id);
  const raw = (bytes: Buffer) => bytes;
  const call = client.makeBidiStreamRequest(TUNNEL_METHOD, raw, raw, metadata);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      call.cancel();
      reject(Object.assign(new Error(`the tunnel did not accept stream ${id} in time`), { code: grpc.status.DEADLINE_EXCEEDED }));
    }, Math.max(0, until - Date.now()));
    call.once('metadata', () => {
      clearTimeout(timer);
      call.removeListener('error', onError);
      // Later failures are the stream's to handle; an 'error' with no listener would end the agent.
      call.on('error', () => undefined);
      resolve(call);
    });
    const onError = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    call.once('error', onError);
  });
}

/**
 * TLS pinned to the cluster CA, the server's name or address checked against its
 * certificate. grpc-js would send an IP address as the TLS server name, which Node warns
 * is not allowed (RFC 6066); for an address the SNI name is "localhost" (every serving
 * certificate has it) while the check still asks for the address itself.
 */
function tlsFor(url: string, caPem: string): { credentials: grpc.ChannelCredentials; nameOverride: Record<string, string> } {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host) === 0) return { credentials: grpc.credentials.createSsl(Buffer.from(caPem)), nameOverride: {} };
  const checkServerIdentity = (_name: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(host, cert);
  return { credentials: grpc.credentials.createSsl(Buffer.from(caPem), null, null, { checkServerIdentity }), nameOverride: { 'grpc.ssl_target_name_override': 'localhost' } };
}

/** grpc-js wants HOST:PORT; the join answer gives a URL. */
export function targetOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '443'}`;
}
