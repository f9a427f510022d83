// What every probe and hook handler shares: the outcome shape (pkg/probe's Result plus
// output), the output cap, ports by name as the kubelet resolves them, Go's text formats.
import type { KubeContainer } from '../../pods/index.ts';

/** probe.Result: warning is a success with an event (an HTTP redirect not followed). */
export interface HandlerOutcome {
  result: 'success' | 'failure' | 'warning' | 'unknown';
  output: string;
  /** Set when the probe could not be run at all: the kubelet throws such a result away. */
  error?: Error;
}

/** The kubelet reads at most 10 KiB of a probe's output (exec) or response body (HTTP). */
export const MAX_OUTPUT = 10 * 1024;

/** probe.ResolveContainerPort: a number, or a container port's name (else a number written as text). */
export function resolvePort(port: number | string, container: KubeContainer): number {
  let value: number;
  if (typeof port === 'number') value = port;
  else {
    const named = container.ports?.find((p) => p.name === port);
    if (named) value = named.containerPort;
    else if (/^[+-]?\d+$/.test(port)) value = Number(port);
    else throw new Error(`strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`);
  }
  if (value > 0 && value < 65536) return value;
  throw new Error(`invalid port number: ${value}`);
}

/** net.JoinHostPort. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** time.Duration's String() for whole seconds: 1s, 1m30s, 1h0m0s. */
export function goSeconds(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  return m > 0 ? `${m}m${s}s` : `${s}s`;
}

/** Joins chunks up to `limit` bytes, dropping the rest (the reader keeps draining). */
export class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    if (this.size >= this.limit) return;
    const part = chunk.subarray(0, this.limit - this.size);
    this.chunks.push(part);
    this.size += part.length;
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
