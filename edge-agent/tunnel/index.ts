// The public face of edge-agent/tunnel: the node's side of log and exec streams. The node
// opens no port: when the server asks over MQTT (a `stream` message), it dials the server's
// tunnel, opens one gRPC stream carrying the request's id, and serves it from the
// container's CRI log or an exec in the container (DESIGN §5, last bullet).
import { componentLogger } from '../../common/index.ts';
import type { StreamMessage } from '../../common/sync/index.ts';
import { streamOf } from './call.ts';
import type { TunnelConnection } from './connection.ts';
import type { Locate } from './locate.ts';
import { serveExec } from './serve-exec.ts';
import { serveLogs } from './serve-logs.ts';
import { internal } from './statuses.ts';

export { locateNothing, type Locate, type LocatedContainer } from './locate.ts';
export { parseCriLine, goTimestamp, type CriRecord } from './cri-log.ts';

const log = componentLogger('agent-tunnel');

/** The server waits 10 s for an answer; the node stops dialling a little before, its answer would be too late. */
const DIAL_WINDOW_MS = 9_000;

export interface TunnelClientOptions {
  /** The node's identity from the join: credential, CA, and where the tunnel is. */
  identity: { credential: { username: string; password: string }; caPem: string; apiUrl?: string; tunnel?: { url: string } };
  /** https://HOST:PORT to dial instead of the tunnel the join named (a relay, a test's proxy). */
  url?: string;
  /** Finds a pod's container: the pod manager's findContainer. */
  locate: Locate;
}

/** The server's default --tunnel-listen port, for identities kept from before the join named the tunnel. */
const DEFAULT_TUNNEL_PORT = 6444;

export function tunnelUrlOf(identity: TunnelClientOptions['identity']): string {
  if (identity.tunnel) return identity.tunnel.url;
  if (!identity.apiUrl) throw new RangeError('the identity names neither a tunnel nor the API to find it by');
  return `https://${new URL(identity.apiUrl).hostname}:${DEFAULT_TUNNEL_PORT}`;
}

export interface TunnelClient {
  /** Serves one stream request from the server (dials, then streams); never throws. */
  handle(request: StreamMessage): void;
  /** Streams being served now. */
  active(): number;
  stop(): void;
}

export function startTunnelClient(options: TunnelClientOptions): TunnelClient {
  const { identity } = options;
  const url = options.url ?? tunnelUrlOf(identity);
  // gRPC is loaded with the first stream the server asks for: most nodes serve logs and exec
  // rarely, and @grpc/grpc-js is ≈ 2.4 MiB of heap in every agent that merely might.
  let connection: Promise<TunnelConnection> | undefined;
  let stopped = false;
  const connect = () =>
    (connection ??= import('./connection.ts').then(({ createTunnelConnection }) =>
      createTunnelConnection({ url, caPem: identity.caPem, username: identity.credential.username, password: identity.credential.password })));
  const running = new Set<() => void>();

  async function serve(request: StreamMessage): Promise<void> {
    const tunnel = await connect();
    if (stopped) throw new Error('the tunnel client was stopped');
    const call = await tunnel.dial(request.id, Date.now() + DIAL_WINDOW_MS);
    const stream = streamOf(call);
    const cancel = () => call.cancel();
    running.add(cancel);
    try {
      if (request.kind === 'logs') await serveLogs(stream, request, options.locate);
      else await serveExec(stream, request, options.locate);
    } catch (error) {
      log.warn({ err: error, id: request.id, kind: request.kind }, 'stream failed');
      await stream.send({ type: 'status', status: internal((error as Error).message) });
      stream.end();
    } finally {
      running.delete(cancel);
    }
  }

  log.info({ url }, 'tunnel client ready; dials only when the server asks');
  return {
    handle(request) {
      const fields = { id: request.id, kind: request.kind, namespace: request.namespace, pod: request.pod, container: request.container };
      log.debug(fields, 'stream requested');
      serve(request).catch((error: unknown) => log.warn({ ...fields, reason: (error as Error).message }, 'could not open the tunnel stream'));
    },
    active: () => running.size,
    stop() {
      stopped = true;
      for (const cancel of running) cancel();
      void connection?.then((tunnel) => tunnel.close(), () => undefined);
    },
  };
}
