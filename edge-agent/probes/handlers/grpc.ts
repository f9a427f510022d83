// grpc probes (pkg/probe/grpc): grpc.health.v1.Health/Check, insecure, within timeoutSeconds.
// The call is made over node:http2 on a socket from the dialer, not through @grpc/grpc-js:
// grpc-js opens its own TCP connections from the agent's namespace and takes no socket, so
// it cannot reach a pod's loopback. One unary call is small: a 5-byte frame around a
// one-field protobuf each way, the status in the trailers. As grpc.WithBlock does, a refused
// connection is retried until the timeout.
import http2 from 'node:http2';
import { sleepUnless } from '../clock.ts';
import { goSeconds, joinHostPort, type HandlerOutcome } from './common.ts';
import type { Dial, Endpoint } from './dial.ts';

const CHECK_PATH = '/grpc.health.v1.Health/Check';
const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const CODES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];
const UNIMPLEMENTED = 12;
const DEADLINE_EXCEEDED = 4;

export interface GrpcProbeRequest {
  endpoint: Endpoint;
  service: string;
  timeoutSeconds: number;
  kubeVersion: string;
  dial: Dial;
  signal?: AbortSignal;
}

/** HealthCheckRequest{service}: field 1, length-delimited; framed with gRPC's 5-byte prefix. */
export function encodeCheckRequest(service: string): Buffer {
  const text = Buffer.from(service, 'utf8');
  const message = text.length ? Buffer.concat([Buffer.from([0x0a]), varint(text.length), text]) : Buffer.alloc(0);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  do {
    bytes.push((value & 0x7f) | (value > 0x7f ? 0x80 : 0));
    value >>>= 7;
  } while (value > 0);
  return Buffer.from(bytes);
}

/** HealthCheckResponse.status (field 1, varint) from a framed response; 0 (UNKNOWN) when absent. */
export function decodeCheckResponse(framed: Buffer): number {
  const message = framed.subarray(5, 5 + (framed.length >= 5 ? framed.readUInt32BE(1) : 0));
  let status = 0;
  for (let i = 0; i < message.length;) {
    const key = message[i++]!;
    let value = 0;
    for (let shift = 0; i < message.length; shift += 7) {
      const byte = message[i++]!;
      value |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) break;
    }
    if (key === 0x08) status = value;
    else if ((key & 7) === 2) i += value;
  }
  return status;
}

/** A session once the server's SETTINGS came, retried until the deadline (grpc.WithBlock). */
async function connect(req: GrpcProbeRequest, deadline: number): Promise<http2.ClientHttp2Session | undefined> {
  for (let wait = 100; Date.now() < deadline && !req.signal?.aborted; wait = Math.min(wait * 2, 1_000)) {
    const session = await req.dial(req.endpoint, deadline - Date.now()).then((socket) => open(socket, deadline), () => undefined);
    if (session) return session;
    await sleepUnless(Math.min(wait, deadline - Date.now()), req.signal);
  }
  return undefined;
}

function open(socket: import('node:net').Socket, deadline: number): Promise<http2.ClientHttp2Session | undefined> {
  return new Promise((resolve) => {
    const session = http2.connect(`http://${joinHostPort(socket.remoteAddress ?? '127.0.0.1', socket.remotePort ?? 0)}`, { createConnection: () => socket });
    const timer = setTimeout(() => (session.destroy(), resolve(undefined)), Math.max(1, deadline - Date.now()));
    session.once('remoteSettings', () => (clearTimeout(timer), resolve(session)));
    session.once('error', () => (clearTimeout(timer), session.destroy(), resolve(undefined)));
  });
}

interface CallResult {
  code: number;
  message: string;
  data: Buffer;
}

function call(session: http2.ClientHttp2Session, req: GrpcProbeRequest, deadline: number): Promise<CallResult> {
  return new Promise((resolve) => {
    const left = Math.max(1, deadline - Date.now());
    const stream = session.request({
      ':method': 'POST', ':path': CHECK_PATH, 'content-type': 'application/grpc', te: 'trailers',
      'user-agent': `kube-probe/${req.kubeVersion}`, 'grpc-timeout': `${left}m`,
    });
    const chunks: Buffer[] = [];
    let code = -1;
    let message = '';
    const status = (headers: http2.IncomingHttpHeaders) => {
      if (headers['grpc-status'] === undefined) return;
      code = Number(headers['grpc-status']);
      message = decodeURIComponent(String(headers['grpc-message'] ?? ''));
    };
    const timer = setTimeout(() => ((code = DEADLINE_EXCEEDED), stream.close(http2.constants.NGHTTP2_CANCEL)), left);
    stream.on('response', (headers) => {
      status(headers);
      if (code < 0 && headers[':status'] !== 200) [code, message] = [2, `unexpected HTTP status code received from server: ${headers[':status']}`];
    });
    stream.on('trailers', status);
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', (error: Error) => code < 0 && ([code, message] = [14, error.message]));
    stream.on('close', () => {
      clearTimeout(timer);
      resolve({ code: code < 0 ? 2 : code, message, data: Buffer.concat(chunks) });
    });
    stream.end(encodeCheckRequest(req.service));
  });
}

export async function grpcProbe(req: GrpcProbeRequest): Promise<HandlerOutcome> {
  const addr = joinHostPort(req.endpoint.host, req.endpoint.port);
  const timeout = goSeconds(req.timeoutSeconds);
  const deadline = Date.now() + req.timeoutSeconds * 1000;
  const failure = (output: string): HandlerOutcome => ({ result: 'failure', output });
  const session = await connect(req, deadline);
  if (!session) return failure(`timeout: failed to connect service ${JSON.stringify(addr)} within ${timeout}: context deadline exceeded`);
  try {
    const answer = await call(session, req, deadline);
    if (answer.code === UNIMPLEMENTED) return failure(`this server doesn't implement the grpc health protocol (grpc.health.v1.Health): ${addr}`);
    if (answer.code === DEADLINE_EXCEEDED) return failure(`timeout: health rpc did not complete within ${timeout}`);
    if (answer.code !== 0) return failure(`error: health rpc probe failed: rpc error: code = ${CODES[answer.code] ?? `Code(${answer.code})`} desc = ${answer.message}`);
    const serving = decodeCheckResponse(answer.data);
    if (serving !== 1) return failure(`service unhealthy (responded with ${JSON.stringify(SERVING_STATUS[serving] ?? String(serving))})`);
    return { result: 'success', output: 'service healthy' };
  } finally {
    session.destroy();
  }
}
