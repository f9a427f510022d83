// Where a probe or hook connects, and how. The kubelet dials the pod IP from the host; pods
// have no IP yet, so by default the connection is made inside the pod's network namespace
// to its loopback (what a server listening on the pod IP or 0.0.0.0 answers on), through the
// addon. hostNetwork pods are dialled at the node's address; an explicit `host` is dialled
// from the node, as the kubelet does. Errors read as Go's net package writes them, since
// users match on the kubelet's event texts.
import net from 'node:net';
import { connectInNetns } from '../../../native/index.ts';
import type { PodNetwork } from '../../pods/index.ts';
import { joinHostPort } from './common.ts';

export interface Endpoint {
  host: string;
  port: number;
  /** Dial from inside this network namespace file (host is then an IP literal). */
  netns?: string;
}

/** Connects within `timeoutMs` (Infinity: as long as the kernel tries); rejects with Go's dial error text. */
export type Dial = (endpoint: Endpoint, timeoutMs: number) => Promise<net.Socket>;

/** The pod's loopback stands in for the pod IP until pods have one. */
const POD_LOOPBACK = '127.0.0.1';
/** The longest wait a timer (and the addon's poll) takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function endpointOf(network: PodNetwork, host: string | undefined, port: number): Endpoint {
  if (host) return { host, port };
  if (network.netns) return { host: POD_LOOPBACK, port, netns: network.netns };
  return { host: network.podIP ?? POD_LOOPBACK, port };
}

/** Go's text for the errnos a connect commonly ends with (syscall.Errno.Error()). */
const GO_ERRNO: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENETUNREACH: 'network is unreachable',
  EHOSTUNREACH: 'no route to host',
  ECONNRESET: 'connection reset by peer',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EACCES: 'permission denied',
};

/** net.OpError's text: "dial tcp 127.0.0.1:80: connect: connection refused", "…: i/o timeout". */
export function dialError(endpoint: Endpoint, error: NodeJS.ErrnoException): Error {
  const where = `dial tcp ${joinHostPort(endpoint.host, endpoint.port)}`;
  const code = error.code ?? '';
  if (code === 'ETIMEDOUT') return new Error(`${where}: i/o timeout`, { cause: error });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new Error(`dial tcp: lookup ${endpoint.host}: no such host`, { cause: error });
  const isConnect = error.syscall === 'connect' || error.syscall?.startsWith('connect to ');
  if (isConnect) {
    const text = GO_ERRNO[code] ?? /\(([^)]+)\)$/.exec(error.message)?.[1]?.toLowerCase() ?? code;
    return new Error(`${where}: connect: ${text}`, { cause: error });
  }
  // Entering the namespace failed (the sandbox is gone): the addon's text names the call and errno.
  return new Error(`${where}: ${error.message}`, { cause: error });
}

function dialHost(endpoint: Endpoint, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: endpoint.host, port: endpoint.port });
    const timer = Number.isFinite(timeoutMs) ? setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }));
    }, timeoutMs) : undefined;
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export const dialEndpoint: Dial = async (endpoint, timeoutMs) => {
  try {
    if (endpoint.netns) return await connectInNetns(endpoint.netns, endpoint.host, endpoint.port, Math.min(timeoutMs, MAX_TIMER_MS));
    return await dialHost(endpoint, timeoutMs);
  } catch (error) {
    throw dialError(endpoint, error as NodeJS.ErrnoException);
  }
};
