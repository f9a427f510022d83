// Registry authentication (distribution's docs/spec/auth/token.md): the first request goes
// out anonymous; a 401 carries WWW-Authenticate. Basic → the credentials on every request
// from then on. Bearer realm,service,scope → GET realm?service&scope (with the credentials
// as Basic, when there are any) → {token | access_token} → sent as Bearer for that
// repository until it expires. A given static token is sent as Bearer from the start.

export interface RegistryAuth {
  username?: string;
  password?: string;
  /** A registry token sent as `Authorization: Bearer` as is. */
  token?: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses a WWW-Authenticate value: `Bearer realm="…",service="…",scope="…"` (RFC 7235). */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  const token = /[\w!#$%&'*+.^`|~/-]+/y;
  let at = 0;
  const skip = (chars: RegExp) => {
    while (at < header.length && chars.test(header[at]!)) at++;
  };
  const readToken = () => {
    token.lastIndex = at;
    const m = token.exec(header);
    at = m ? token.lastIndex : at + 1;
    return m?.[0] ?? '';
  };
  while (at < header.length) {
    skip(/[\s,]/);
    const name = readToken();
    skip(/\s/);
    if (header[at] !== '=' || !challenges.length) {
      if (name) challenges.push({ scheme: name.toLowerCase(), params: {} });
      continue;
    }
    at++;
    skip(/\s/);
    let value = '';
    if (header[at] === '"') {
      for (at++; at < header.length && header[at] !== '"'; at++) value += header[at] === '\\' ? header[++at] ?? '' : header[at];
      at++;
    } else {
      value = readToken();
    }
    challenges[challenges.length - 1]!.params[name.toLowerCase()] = value;
  }
  return challenges;
}

export function basicHeader(auth: RegistryAuth | undefined): string | undefined {
  if (!auth?.username) return undefined;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ''}`).toString('base64')}`;
}

interface CachedToken {
  header: string;
  expiresAt: number;
}

/** What a token request needs; the client makes the HTTP call. */
export interface TokenRequest {
  realm: URL;
  basic?: string;
}

/**
 * Per-registry auth state: the header to send for a repository, and what to do on a 401.
 * Token requests for one repository that race (parallel layer downloads) share one fetch.
 */
export class Authenticator {
  private basic = false;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly credentials: RegistryAuth | undefined,
    private readonly fetchToken: (request: TokenRequest) => Promise<{ token: string; expiresIn: number }>,
  ) {}

  /** The Authorization value for a request to `repo`, if any is known yet. */
  header(repo: string): string | undefined {
    if (this.credentials?.token) return `Bearer ${this.credentials.token}`;
    const token = this.tokens.get(repo);
    if (token && token.expiresAt > Date.now()) return token.header;
    return this.basic ? basicHeader(this.credentials) : undefined;
  }

  /**
   * Learns from a 401's WWW-Authenticate how to authenticate to `repo`. Returns false when
   * there is nothing (more) to try: no credentials for Basic, a static token refused, or an
   * unknown scheme.
   */
  async answer(repo: string, wwwAuthenticate: string | undefined, sent: string | undefined): Promise<boolean> {
    if (this.credentials?.token) return false;
    const challenges = parseChallenges(wwwAuthenticate ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    if (bearer) {
      // Another request already refreshed the token while this one was out.
      const now = this.header(repo);
      if (now && now !== sent && now.startsWith('Bearer ')) return true;
      let inFlight = this.pending.get(repo);
      if (!inFlight) {
        inFlight = this.refresh(repo, bearer.params).finally(() => this.pending.delete(repo));
        this.pending.set(repo, inFlight);
      }
      await inFlight;
      return true;
    }
    if (challenges.some((c) => c.scheme === 'basic') && basicHeader(this.credentials) && !this.basic) {
      this.basic = true;
      return true;
    }
    return false;
  }

  private async refresh(repo: string, params: Record<string, string>): Promise<void> {
    const realm = new URL(params.realm!);
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope || `repository:${repo}:pull`);
    const basic = basicHeader(this.credentials);
    const { token, expiresIn } = await this.fetchToken({ realm, ...(basic && { basic }) });
    // Refresh a little early; the spec's default lifetime is 60 s.
    const lifetime = Math.max(10, expiresIn || 60) * 1000;
    this.tokens.set(repo, { header: `Bearer ${token}`, expiresAt: Date.now() + lifetime - Math.min(5000, lifetime / 10) });
  }
}
