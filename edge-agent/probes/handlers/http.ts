// httpGet for probes and hooks, as the kubelet's HTTP client does it (pkg/probe/http):
// GET with its default headers (User-Agent kube-probe/<major.minor> or kube-lifecycle/…,
// Accept */*), the user's headers (Host among them), no keep-alive, HTTPS without
// certificate checks, redirects followed only within the same host (at most 10), and the
// response body read up to 10 KiB. Errors read as Go's client writes them: Get "url": ….
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { HttpGetAction, PodNetwork } from '../../pods/index.ts';
import { CappedBuffer, joinHostPort, MAX_OUTPUT } from './common.ts';
import { endpointOf, type Dial, type Endpoint } from './dial.ts';

const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface HttpGetRequest {
  action: HttpGetAction;
  /** The action's port, resolved against the container's named ports. */
  port: number;
  network: PodNetwork;
  /** Names the User-Agent: kube-probe/1.31 or kube-lifecycle/1.31. */
  purpose: 'probe' | 'lifecycle';
  kubeVersion: string;
  /** The whole request's limit; undefined for none (lifecycle hooks). */
  timeoutMs?: number;
  signal?: AbortSignal;
  dial: Dial;
}

/** The final response: a 3xx is one whose redirect was not followed (another host). */
export interface HttpGetResponse {
  status: number;
  body: string;
}

/** textproto.CanonicalMIMEHeaderKey for the names validation lets through ([-A-Za-z0-9]+). */
const canonical = (name: string) => name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());

/** newProbeRequest's headers, and the Host the request is sent with. */
function requestHeaders(req: HttpGetRequest, defaultHost: string): { headers: Record<string, string[]>; host: string } {
  const headers: Record<string, string[]> = {};
  for (const h of req.action.httpHeaders ?? []) (headers[canonical(h.name)] ??= []).push(h.value);
  headers['User-Agent'] ??= [`kube-${req.purpose}/${req.kubeVersion}`];
  if (!headers.Accept) headers.Accept = ['*/*'];
  else if (headers.Accept[0] === '') delete headers.Accept;
  const host = headers.Host?.[0] || defaultHost;
  delete headers.Host;
  headers.Connection ??= ['close'];
  return { headers, host };
}

class Deadline {
  readonly at: number;
  constructor(timeoutMs: number | undefined) {
    this.at = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  }
  get left(): number {
    return Math.max(1, this.at - Date.now());
  }
}

/** The request's result, or rejects with Go's client error text. */
export async function httpGet(req: HttpGetRequest): Promise<HttpGetResponse> {
  const port = req.port;
  let endpoint = endpointOf(req.network, req.action.host, port);
  const scheme = (req.action.scheme ?? 'HTTP').toLowerCase();
  let url = new URL(req.action.path || '/', `${scheme}://${joinHostPort(endpoint.host, port)}`);
  const { headers, host } = requestHeaders(req, url.host);
  const deadline = new Deadline(req.timeoutMs);
  for (let hops = 0; ; hops++) {
    const res = await requestOnce(url, endpoint, { headers, host: hops === 0 ? host : url.host }, deadline, req);
    const location = REDIRECTS.has(res.status) ? res.location : undefined;
    if (!location) return { status: res.status, body: res.body };
    const next = new URL(location, url);
    if (next.hostname !== url.hostname) return { status: res.status, body: res.body };
    if (hops + 1 >= MAX_REDIRECTS) throw new Error(`Get ${JSON.stringify(next.href)}: stopped after 10 redirects`);
    url = next;
    endpoint = { ...endpoint, port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
  }
}

interface Answer {
  status: number;
  body: string;
  location?: string;
}

async function requestOnce(url: URL, endpoint: Endpoint, sent: { headers: Record<string, string[]>; host: string }, deadline: Deadline, req: HttpGetRequest): Promise<Answer> {
  const fail = (text: string, cause?: unknown) => new Error(`Get ${JSON.stringify(url.href)}: ${text}`, { cause });
  if (req.signal?.aborted) throw fail('context canceled');
  let socket: net.Socket;
  try {
    socket = await req.dial(endpoint, deadline.left);
    if (url.protocol === 'https:') socket = await startTls(socket, url.hostname, deadline.left);
  } catch (error) {
    const timeout = / i\/o timeout$/.test((error as Error).message) ? ' (Client.Timeout exceeded while awaiting headers)' : '';
    throw fail(`${(error as Error).message}${timeout}`, error);
  }
  return exchange(socket, url, sent, deadline, req.signal).catch((error: Error) => {
    throw fail(error.message, error);
  });
}

function startTls(socket: net.Socket, hostname: string, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    // The kubelet's probe client skips verification (InsecureSkipVerify); SNI only for names.
    const secure = tls.connect({ socket, rejectUnauthorized: false, ...(net.isIP(hostname) === 0 && { servername: hostname }) });
    const timer = Number.isFinite(timeoutMs) ? setTimeout(() => (secure.destroy(), reject(new Error('net/http: TLS handshake timeout'))), timeoutMs) : undefined;
    secure.once('secureConnect', () => (clearTimeout(timer), resolve(secure)));
    secure.once('error', (error) => (clearTimeout(timer), secure.destroy(), reject(new Error(`tls: ${error.message}`))));
  });
}

/** One GET on a connected socket; reads up to 10 KiB of the body, then closes. */
function exchange(socket: net.Socket, url: URL, sent: { headers: Record<string, string[]>; host: string }, deadline: Deadline, signal?: AbortSignal): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let phase = 'awaiting headers';
    const request = http.request({ method: 'GET', path: `${url.pathname}${url.search}`, setHost: false, headers: { Host: sent.host, ...sent.headers }, createConnection: () => socket });
    const stop = (error: Error) => {
      cleanup();
      request.destroy();
      socket.destroy();
      reject(error);
    };
    const timer = deadline.at === Infinity ? undefined : setTimeout(() => stop(new Error(phase === 'awaiting headers'
      ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
      : 'context deadline exceeded (Client.Timeout or context cancellation while reading body)')), deadline.left);
    const onAbort = () => stop(new Error('context canceled'));
    const cleanup = () => (clearTimeout(timer), signal?.removeEventListener('abort', onAbort));
    signal?.addEventListener('abort', onAbort, { once: true });
    // `on`, not `once`: destroying the socket after the answer may raise one more.
    request.on('error', (error: NodeJS.ErrnoException) => stop(new Error(goReadError(error))));
    request.once('response', (res) => {
      phase = 'reading body';
      const body = new CappedBuffer(MAX_OUTPUT);
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        body.push(chunk);
        size += chunk.length;
        // ReadAtMost: enough read; the rest is not waited for.
        if (size >= MAX_OUTPUT) res.destroy();
      });
      const done = () => {
        cleanup();
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, body: body.bytes.toString('utf8'), ...(res.headers.location && { location: res.headers.location }) });
      };
      res.once('end', done);
      res.once('close', done);
      // Cut off mid-body: what came is the body, as ReadAtMost returns it.
      res.on('error', done);
    });
    request.end();
  });
}

/** What Go's transport says when the connection breaks before an answer. */
function goReadError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNRESET' && error.message === 'socket hang up') return 'EOF';
  if (error.code === 'ECONNRESET') return 'read: connection reset by peer';
  if (error.code === 'HPE_INVALID_CONSTANT' || error.code?.startsWith('HPE_')) return `net/http: malformed HTTP response (${error.message})`;
  return error.message;
}
