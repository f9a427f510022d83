// HTTP for the registry client: node:http and node:https with keep-alive agents, an idle
// timeout, an extra CA, and failures sorted into "try again" (a refused or cut connection,
// a timeout: TransientError) and "stop" (a certificate that does not verify). Bodies are
// streams; only manifests, configs, tokens and error documents are read whole, each under a
// size limit.
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { SkerryError } from '../../../common/index.ts';
import { TransientError } from './retry.ts';

export interface TransportOptions {
  /** Extra CA certificate(s) for https registries, PEM. */
  ca?: string | Buffer;
  /** false accepts any certificate (like skopeo's --tls-verify=false). Default true. */
  tlsVerify?: boolean;
  /** A socket idle this long is given up on (and the request tried again). */
  timeoutMs: number;
}

const TLS_FAILURES = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL|EPROTO|HOSTNAME/;

/** host:port of a URL, with the scheme's default port filled in. */
export function hostPort(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
}

/** Maps a failed request or body read to a catalogued error or a TransientError. */
export function networkFailure(error: unknown, url: URL, signal?: AbortSignal): Error {
  if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
  if (error instanceof SkerryError || error instanceof TransientError) return error;
  const err = error as NodeJS.ErrnoException;
  const code = err.code ?? 'ERROR';
  const where = hostPort(url);
  if (TLS_FAILURES.test(code)) {
    return new SkerryError('REGISTRY_UNREACHABLE', `${where}: TLS failed (${code}: ${err.message}); give the registry's CA, or use plain http if it has no TLS`, { host: where, code }, { cause: error });
  }
  const final = new SkerryError('REGISTRY_UNREACHABLE', `${where}: ${code === 'ERROR' ? err.message : `${code} (${err.message})`}`, { host: where, code }, { cause: error });
  return new TransientError(`${url.pathname} on ${where}: ${err.message}`, final, { cause: error });
}

export class Transport {
  private readonly plain = new http.Agent({ keepAlive: true, maxSockets: 8 });
  private readonly secure: https.Agent;

  constructor(private readonly options: TransportOptions) {
    this.secure = new https.Agent({
      keepAlive: true,
      maxSockets: 8,
      rejectUnauthorized: options.tlsVerify !== false,
      // Giving `ca` replaces Node's default roots, so the extra CA joins them instead.
      ...(options.ca && { ca: [...tls.rootCertificates, options.ca.toString()] }),
    });
  }

  /** GET `url`; resolves with the response once its headers are in (any status). */
  get(url: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<http.IncomingMessage> {
    const lib = url.protocol === 'https:' ? https : http;
    const agent = url.protocol === 'https:' ? this.secure : this.plain;
    return new Promise((resolve, reject) => {
      const req = lib.get(url, { agent, headers: { 'user-agent': 'skerry', ...headers }, ...(signal && { signal }) }, resolve);
      req.setTimeout(this.options.timeoutMs, () => {
        const error = new Error(`no data for ${this.options.timeoutMs} ms`) as NodeJS.ErrnoException;
        error.code = 'ETIMEDOUT';
        req.destroy(error);
      });
      req.on('error', (error) => reject(networkFailure(error, url, signal)));
    });
  }

  close(): void {
    this.plain.destroy();
    this.secure.destroy();
  }
}

/** Reads a whole (small) body; more than `limit` bytes is refused with `tooLarge`. */
export async function readBody(res: http.IncomingMessage, url: URL, limit: number, tooLarge: () => Error, signal?: AbortSignal): Promise<Buffer> {
  const declared = Number(res.headers['content-length'] ?? NaN);
  if (declared > limit) {
    res.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        res.destroy();
        throw tooLarge();
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    throw networkFailure(error, url, signal);
  }
  if (!res.complete) throw networkFailure(Object.assign(new Error('the connection closed before the body was complete'), { code: 'ECONNRESET' }), url, signal);
  return Buffer.concat(chunks);
}

/** Discards a body we do not need, so its connection can be reused. */
export function drain(res: http.IncomingMessage): void {
  res.on('error', () => {}).resume();
}
