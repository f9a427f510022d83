// One registry's distribution API (OCI distribution-spec, "pull" part): GET with auth,
// redirects and status handling. Redirects are followed (a registry on S3 sends blob GETs
// elsewhere); credentials go only to the registry's own origin, never across hosts.
import type http from 'node:http';
import { componentLogger, SkerryError } from '../../../common/index.ts';
import { Authenticator, type RegistryAuth, type TokenRequest } from './auth.ts';
import { drain, hostPort, readBody, Transport, type TransportOptions } from './http.ts';
import { TransientError } from './retry.ts';

const log = componentLogger('images');

const MAX_REDIRECTS = 5;
const ERROR_BODY_LIMIT = 64 << 10;
const TOKEN_BODY_LIMIT = 1 << 20;
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

export interface ClientOptions extends Partial<TransportOptions> {
  auth?: RegistryAuth | ((registry: string) => RegistryAuth | undefined);
  /** Plain http instead of https. */
  insecure?: boolean;
  signal?: AbortSignal;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  url: URL;
}

/** The API host of a registry name: Docker Hub's API is not at docker.io. */
function apiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/** The registry's error document as one line: "CODE: message (detail)". */
export function registryMessage(body: Buffer): string {
  const text = body.toString('utf8');
  try {
    const json = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string; detail?: unknown }> };
    if (Array.isArray(json.errors) && json.errors.length > 0) {
      return json.errors.map((e) => {
        const detail = e.detail === undefined || e.detail === null ? '' : ` (${typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail)})`;
        return `${e.code ?? 'UNKNOWN'}: ${e.message ?? ''}${detail}`.slice(0, 300);
      }).join('; ');
    }
  } catch {
    // not JSON
  }
  return text.trim().replace(/\s+/g, ' ').slice(0, 200) || 'no error document';
}

export class RegistryClient {
  readonly base: URL;
  readonly transport: Transport;
  private readonly auth: Authenticator;

  constructor(readonly registry: string, private readonly options: ClientOptions = {}) {
    this.base = new URL(`${options.insecure ? 'http' : 'https'}://${apiHost(registry)}/`);
    this.transport = new Transport({ timeoutMs: options.timeoutMs ?? 30_000, ...(options.ca && { ca: options.ca }), ...(options.tlsVerify !== undefined && { tlsVerify: options.tlsVerify }) });
    const credentials = typeof options.auth === 'function' ? options.auth(registry) : options.auth;
    this.auth = new Authenticator(credentials, (request) => this.token(request));
  }

  /** host:port the client talks to, for messages. */
  get where(): string {
    return hostPort(this.base);
  }

  /**
   * GET `path` of repository `repo`. Resolves with 2xx, 404 and 416 answers (the caller
   * decides what those mean, and reads or drains the body); 401/403 → REGISTRY_AUTH;
   * 408/429/5xx → TransientError; anything else → REGISTRY_ERROR with the registry's message.
   */
  async get(repo: string, path: string, headers: Record<string, string>, what: string): Promise<Answer> {
    let url = new URL(path, this.base);
    let authRetried = false;
    for (let hops = 0; ; ) {
      const own = url.origin === this.base.origin;
      const sent = own ? this.auth.header(repo) : undefined;
      const res = await this.transport.get(url, { ...headers, ...(sent && { authorization: sent }) }, this.options.signal);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location) {
        drain(res);
        if (++hops > MAX_REDIRECTS) throw new SkerryError('REGISTRY_ERROR', `${this.registry}: more than ${MAX_REDIRECTS} redirects for ${what}`, { registry: this.registry });
        url = new URL(location, url);
        log.debug({ what, to: url.origin === this.base.origin ? url.pathname : url.origin }, 'registry redirected');
        continue;
      }
      if (status === 401 && own && !authRetried) {
        drain(res);
        authRetried = true;
        if (await this.auth.answer(repo, res.headers['www-authenticate'], sent)) continue;
        throw this.authError(repo, sent, 'asks for credentials');
      }
      if ((status >= 200 && status < 300) || status === 404 || status === 416) return { status, headers: res.headers, body: res, url };
      const message = registryMessage(await readBody(res, url, ERROR_BODY_LIMIT, () => new Error('error document too large'), this.options.signal).catch(() => Buffer.alloc(0)));
      if (status === 401 || status === 403) throw this.authError(repo, sent, `answered ${status} (${message})`);
      const final = new SkerryError('REGISTRY_ERROR', `${this.registry} answered ${status} to ${what}: ${message}`, { registry: this.registry, status });
      if (RETRY_STATUSES.has(status)) throw new TransientError(`${status} for ${what}`, final);
      throw final;
    }
  }

  private authError(repo: string, sent: string | undefined, why: string): SkerryError {
    const given = sent ? `with ${sent.split(' ')[0]} credentials` : 'without credentials';
    return new SkerryError('REGISTRY_AUTH', `${this.registry} refused access to ${repo} ${given}: it ${why}`, { registry: this.registry, repository: repo });
  }

  /** Fetches a bearer token from the realm a challenge named. */
  private async token({ realm, basic }: TokenRequest): Promise<{ token: string; expiresIn: number }> {
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') throw new SkerryError('REGISTRY_AUTH', `${this.registry} names token realm ${realm.href}, which is not http(s)`, { registry: this.registry });
    const res = await this.transport.get(realm, basic ? { authorization: basic } : {}, this.options.signal);
    const status = res.statusCode ?? 0;
    const body = await readBody(res, realm, TOKEN_BODY_LIMIT, () => new SkerryError('REGISTRY_AUTH', `token answer from ${realm.host} is over 1 MiB`), this.options.signal);
    if (status === 401 || status === 403) {
      throw new SkerryError('REGISTRY_AUTH', `token server ${realm.host} for ${this.registry} refused the ${basic ? 'credentials given' : 'anonymous request'} (${status}: ${registryMessage(body)})`, { registry: this.registry });
    }
    const final = new SkerryError('REGISTRY_ERROR', `token server ${realm.host} for ${this.registry} answered ${status}: ${registryMessage(body)}`, { registry: this.registry, status });
    if (RETRY_STATUSES.has(status)) throw new TransientError(`token ${status}`, final);
    if (status !== 200) throw final;
    let json: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      json = {};
    }
    const token = typeof json.token === 'string' && json.token ? json.token : json.access_token;
    if (typeof token !== 'string' || !token) throw new SkerryError('REGISTRY_AUTH', `token server ${realm.host} for ${this.registry} answered without a token`, { registry: this.registry });
    return { token, expiresIn: typeof json.expires_in === 'number' ? json.expires_in : 60 };
  }

  close(): void {
    this.transport.close();
  }
}
