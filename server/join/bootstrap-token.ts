// Bootstrap tokens as Kubernetes keeps them (and K3s and kubeadm use them): a Secret
// kube-system/bootstrap-token-<id> of type bootstrap.kubernetes.io/token. Keeping the
// upstream shape means kubectl shows and deletes them as it would on any cluster. The
// printed token is K3s's pinned form, K10<sha256 of the CA PEM>::<id>.<secret>.
// Pure functions only: the server and the `skerry token` verb both build and read these.
import crypto from 'node:crypto';
import type { KubeObject } from '../api/index.ts';

export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_NAMESPACE = 'kube-system';
const NAME_PREFIX = 'bootstrap-token-';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ID = /^[a-z0-9]{6}$/;
const BARE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const PINNED = /^K10([0-9a-f]{64})::(.+)$/s;

export interface BootstrapToken {
  id: string;
  secret: string;
  /** Absent: never expires. */
  expires?: Date;
  description?: string;
  /** "authentication", "signing", … from the usage-bootstrap-<usage> keys set to "true". */
  usages: string[];
}

/** What a presented token is: a bootstrap token (id and secret) or anything else (the cluster token's secret part). */
export type ParsedToken = { caHash?: string; kind: 'bootstrap'; id: string; secret: string } | { caHash?: string; kind: 'other'; credential: string };

export function bootstrapTokenName(id: string): string {
  return `${NAME_PREFIX}${id}`;
}

export function isTokenId(text: string): boolean {
  return ID.test(text);
}

/** A fresh id (6) and secret (16) from [a-z0-9], as kubeadm makes them. */
export function generateBootstrapToken(): { id: string; secret: string } {
  const pick = (n: number) => Array.from({ length: n }, () => ALPHABET[crypto.randomInt(ALPHABET.length)]).join('');
  return { id: pick(6), secret: pick(16) };
}

export function formatJoinToken(caHash: string, token: Pick<BootstrapToken, 'id' | 'secret'>): string {
  return `K10${caHash}::${token.id}.${token.secret}`;
}

/** The id in "abcdef", "abcdef.<secret>" or "K10…::abcdef.<secret>"; undefined for anything else. */
export function tokenIdOf(idOrToken: string): string | undefined {
  if (isTokenId(idOrToken.trim())) return idOrToken.trim();
  const parsed = parseJoinToken(idOrToken);
  return parsed.kind === 'bootstrap' ? parsed.id : undefined;
}

/** Splits K10<hash>::<rest> (or a bare token) and recognises <id>.<secret>. */
export function parseJoinToken(text: string): ParsedToken {
  const pinned = PINNED.exec(text.trim());
  const caHash = pinned?.[1];
  const rest = pinned ? pinned[2]! : text.trim();
  const bare = BARE.exec(rest);
  const base = caHash ? { caHash } : {};
  return bare ? { ...base, kind: 'bootstrap', id: bare[1]!, secret: bare[2]! } : { ...base, kind: 'other', credential: rest };
}

/** The Secret that stores a bootstrap token; `data` is base64 as the API wants it. */
export function bootstrapTokenSecret(token: Omit<BootstrapToken, 'usages'>): KubeObject {
  const data: Record<string, string> = {
    'token-id': token.id,
    'token-secret': token.secret,
    'usage-bootstrap-authentication': 'true',
  };
  if (token.expires) data.expiration = rfc3339(token.expires);
  if (token.description) data.description = token.description;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: bootstrapTokenName(token.id), namespace: BOOTSTRAP_NAMESPACE },
    type: BOOTSTRAP_TOKEN_TYPE,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
  };
}

/** The token a Secret holds, or undefined when it is not a well-formed bootstrap token. */
export function readBootstrapTokenSecret(secret: KubeObject): BootstrapToken | undefined {
  if (secret.type !== BOOTSTRAP_TOKEN_TYPE) return undefined;
  const data = decodeData(secret.data);
  const id = data['token-id'] ?? '';
  const tokenSecret = data['token-secret'] ?? '';
  // The name must agree with the id, or a Secret could answer for a token it is not named for.
  if (!BARE.test(`${id}.${tokenSecret}`) || secret.metadata.name !== bootstrapTokenName(id)) return undefined;
  const usages = Object.keys(data).filter((k) => k.startsWith('usage-bootstrap-') && data[k] === 'true').map((k) => k.slice('usage-bootstrap-'.length));
  const token: BootstrapToken = { id, secret: tokenSecret, usages: usages.sort() };
  // An expiration that does not parse expires the token at once: refusing is the safe reading.
  if (data.expiration !== undefined) token.expires = new Date(Number.isNaN(Date.parse(data.expiration)) ? 0 : Date.parse(data.expiration));
  if (data.description) token.description = data.description;
  return token;
}

export function isExpired(token: Pick<BootstrapToken, 'expires'>, now: Date): boolean {
  return token.expires !== undefined && token.expires.getTime() <= now.getTime();
}

/** Constant-time comparison of a presented secret with the stored one. */
export function secretsEqual(presented: string, stored: string): boolean {
  const digest = (text: string) => crypto.createHash('sha256').update(text).digest();
  return crypto.timingSafeEqual(digest(presented), digest(stored));
}

/** RFC 3339 in UTC without fractions, as Go's time.RFC3339 writes it. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("24h", "1h30m", "90s", "0") in milliseconds; undefined when it does not parse. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, value, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(value) * UNIT_MS[unit!]!;
  return Math.round(total);
}

function decodeData(data: unknown): Record<string, string> {
  if (typeof data !== 'object' || data === null) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) if (typeof v === 'string') out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
}
