// pods/<name>/exec over WebSocket with the Kubernetes channel protocols v5.channel.k8s.io
// (kubectl 1.30+) and v4.channel.k8s.io: each binary message is a channel byte (0 stdin,
// 1 stdout, 2 stderr, 3 error/status, 4 resize; 255 close in v5) and its data. The node's
// frames use the same channel bytes, so relaying is copying. SPDY/3.1 (kubectl < 1.30) is
// not served: it is refused with a Status that says so.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { componentLogger } from '../../../common/index.ts';
import type { ExecStreamOptions } from '../../../common/sync/index.ts';
import { CHANNEL_BYTES, terminalSize, type TunnelFrame } from '../../../common/tunnel/index.ts';
import { ApiError, apiErrors } from '../errors.ts';
import { booleanParam } from './query.ts';
import type { ResourceRequest } from './request-info.ts';
import type { ResourceContext } from './resources.ts';
import { podContainer, podNode, streamsOf } from './pod-target.ts';
import type { NodeStream } from './streams.ts';
import { refusedEarlier, rememberRefusal } from './exec-refusals.ts';

const log = componentLogger('api');

/** Ours first: v5 can say "stdin is over", which `kubectl exec -i … cat` needs to end. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const CLOSE_CHANNEL = 255;

// kubectl sends stdin in pieces of at most 32 KiB; a 1 MiB cap keeps one message from costing much.
const sockets = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1024 * 1024, handleProtocols: (offered) => EXEC_PROTOCOLS.find((p) => offered.has(p)) ?? false });

/** A plain (not upgraded) exec request: the apiserver's answer. */
export async function serveExecWithoutUpgrade(): Promise<void> {
  throw apiErrors.badRequest('Upgrade request required');
}

/** ExecOptions from the query, checked as the apiserver checks them. */
export function execOptionsOf(params: URLSearchParams): ExecStreamOptions {
  const command = params.getAll('command');
  if (command.length === 0) throw apiErrors.badRequest('you must specify at least 1 command');
  const options = { command, stdin: booleanParam(params, 'stdin'), stdout: booleanParam(params, 'stdout'), stderr: booleanParam(params, 'stderr'), tty: booleanParam(params, 'tty') };
  if (!options.stdin && !options.stdout && !options.stderr) throw apiErrors.badRequest('you must specify at least one of stdin, stdout, stderr');
  if (options.tty) throw apiErrors.badRequest('skerry does not allocate a terminal for exec yet (tty=true); run the command without -t');
  return options;
}

/**
 * An upgrade request for pods/<name>/exec. Everything that can fail is checked before the
 * upgrade (pod, container, node, and the node opening the stream), so a failure is an
 * ordinary Status response; once upgraded, the only news left is the command's end.
 */
export async function serveExecUpgrade(ctx: ResourceContext, req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, r: ResourceRequest): Promise<void> {
  const key = `${req.socket.remoteAddress} ${req.url}`;
  const spdy = !isWebSocket(req);
  // kubectl ≥ 1.30 retries over SPDY whenever the WebSocket upgrade is refused, and prints
  // the SPDY answer: give it the WebSocket's reason rather than "SPDY is not served".
  if (spdy) throw refusedEarlier(key) ?? spdyRefused();
  try {
    const options = execOptionsOf(url.searchParams);
    const pod = await ctx.objects.get(r.type, r.namespace, r.name!);
    const container = podContainer(pod, url.searchParams.get('container') ?? '');
    const node = podNode(pod);
    if (!node) throw apiErrors.badRequest(`pod ${r.name} does not have a host assigned`);
    const stream = await streamsOf(ctx).open(node, { kind: 'exec', namespace: r.namespace!, pod: r.name!, container, exec: options });
    sockets.handleUpgrade(req, socket, head, (ws) => relayChannels(ws, stream));
  } catch (error) {
    if (error instanceof ApiError) rememberRefusal(key, error);
    throw error;
  }
}

function isWebSocket(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

function spdyRefused(): ApiError {
  return apiErrors.badRequest(`skerry serves exec over WebSocket only (${EXEC_PROTOCOLS.join(', ')}), which kubectl 1.30 and newer use; SPDY/3.1 (older kubectl) is not supported`);
}

/** Pipes the client's channels to the node's stream and back until the command's Status. */
export function relayChannels(ws: WebSocket, stream: NodeStream): void {
  const v5 = ws.protocol === EXEC_PROTOCOLS[0];
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const frame = isBinary ? clientFrame(data, v5) : undefined;
    if (frame) stream.send(frame);
  });
  ws.on('close', () => stream.cancel());
  ws.on('error', (error) => log.debug({ err: error }, 'exec WebSocket failed'));
  void (async () => {
    let ended = false;
    for await (const frame of stream.frames) {
      if (ws.readyState !== ws.OPEN) break;
      if (frame.type === 'stdout' || frame.type === 'stderr') ws.send(Buffer.concat([Buffer.of(CHANNEL_BYTES[frame.type]), frame.data]));
      if (frame.type === 'status') {
        ws.send(Buffer.concat([Buffer.of(CHANNEL_BYTES.status), Buffer.from(JSON.stringify(frame.status))]));
        ended = true;
        break;
      }
    }
    if (!ended && ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.of(CHANNEL_BYTES.status), Buffer.from(JSON.stringify(lostStatus()))]));
    stream.cancel();
    ws.close(1000);
  })();
}

/** What a client message means for the node: stdin data, a resize, or (v5) stdin's end. */
export function clientFrame(data: Buffer, v5: boolean): TunnelFrame | undefined {
  if (data.length === 0) return undefined;
  const payload = data.subarray(1);
  switch (data[0]) {
    case CHANNEL_BYTES.stdin:
      return payload.length > 0 ? { type: 'stdin', data: payload } : undefined;
    case CHANNEL_BYTES.resize:
      try {
        return { type: 'resize', size: terminalSize(JSON.parse(payload.toString('utf8')) as Record<string, unknown>) };
      } catch {
        return undefined;
      }
    case CLOSE_CHANNEL:
      return v5 && payload[0] === CHANNEL_BYTES.stdin ? { type: 'close', channel: 'stdin' } : undefined;
    default:
      return undefined;
  }
}

function lostStatus(): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'InternalError', code: 500, message: 'the node ended the exec stream without the command’s exit status (the tunnel was cut or the agent stopped)' };
}
