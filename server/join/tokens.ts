// Bootstrap tokens in the object store: create, list, revoke, and the check a join makes.
// They go through the API's object store (not the raw key/value store), so what the server
// writes is exactly what kubectl and `skerry token` see and edit through the API.
import { ApiError, RESOURCE_TYPES, type ObjectStore, type ResourceType } from '../api/index.ts';
import {
  BOOTSTRAP_NAMESPACE,
  BOOTSTRAP_TOKEN_TYPE,
  bootstrapTokenName,
  bootstrapTokenSecret,
  formatJoinToken,
  generateBootstrapToken,
  isExpired,
  parseJoinToken,
  readBootstrapTokenSecret,
  secretsEqual,
  tokenIdOf,
  type BootstrapToken,
} from './bootstrap-token.ts';

export const DEFAULT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

export const SECRET_TYPE: ResourceType = RESOURCE_TYPES.find((t) => t.group === '' && t.resource === 'secrets')!;

export interface CreateTokenOptions {
  /** Milliseconds; 0 never expires (as `k3s token create --ttl 0`); default 24 h. */
  ttlMs?: number;
  description?: string;
  now?: Date;
}

/** Creates a token and returns it with its printed form K10<caHash>::<id>.<secret>. */
export async function createToken(objects: ObjectStore, caHash: string, options: CreateTokenOptions = {}): Promise<{ token: BootstrapToken; printed: string }> {
  const ttl = options.ttlMs ?? DEFAULT_TOKEN_TTL_MS;
  const token: BootstrapToken = { ...generateBootstrapToken(), usages: ['authentication'] };
  if (ttl > 0) token.expires = new Date((options.now ?? new Date()).getTime() + ttl);
  if (options.description) token.description = options.description;
  await objects.create(SECRET_TYPE, BOOTSTRAP_NAMESPACE, bootstrapTokenSecret(token));
  return { token, printed: formatJoinToken(caHash, token) };
}

/** Every well-formed bootstrap token, expired ones included (the TTL column says so). */
export async function listTokens(objects: ObjectStore): Promise<BootstrapToken[]> {
  const list = await objects.list(SECRET_TYPE, BOOTSTRAP_NAMESPACE, { filter: (o) => o.type === BOOTSTRAP_TOKEN_TYPE });
  return list.items.flatMap((secret) => readBootstrapTokenSecret(secret) ?? []);
}

/** Deletes a token named by its id, <id>.<secret> or the whole K10 form; false when there was none. */
export async function revokeToken(objects: ObjectStore, idOrToken: string): Promise<boolean> {
  const id = tokenIdOf(idOrToken);
  if (!id) throw new ApiError(400, 'BadRequest', 'a token is named by its id (6 characters [a-z0-9]), <id>.<secret> or K10<hash>::<id>.<secret>');
  try {
    await objects.delete(SECRET_TYPE, BOOTSTRAP_NAMESPACE, bootstrapTokenName(id));
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.code === 404) return false;
    throw error;
  }
}

/**
 * The valid, unexpired bootstrap token `presented` names, or undefined. A token pinned to
 * another CA is someone else's cluster's token, even when the id happens to exist here.
 */
export async function checkBootstrapToken(objects: ObjectStore, caHash: string, presented: string, now: Date): Promise<BootstrapToken | undefined> {
  const parsed = parseJoinToken(presented);
  if (parsed.kind !== 'bootstrap' || (parsed.caHash !== undefined && parsed.caHash !== caHash)) return undefined;
  const stored = await findToken(objects, parsed.id);
  if (!stored || !secretsEqual(parsed.secret, stored.secret)) return undefined;
  if (isExpired(stored, now) || !stored.usages.includes('authentication')) return undefined;
  return stored;
}

async function findToken(objects: ObjectStore, id: string): Promise<BootstrapToken | undefined> {
  try {
    return readBootstrapTokenSecret(await objects.get(SECRET_TYPE, BOOTSTRAP_NAMESPACE, bootstrapTokenName(id)));
  } catch (error) {
    if (error instanceof ApiError && error.code === 404) return undefined;
    throw error;
  }
}

/** Deletes expired tokens, as kube-controller-manager's tokencleaner does; returns their ids. */
export async function sweepExpiredTokens(objects: ObjectStore, now: Date): Promise<string[]> {
  const expired = (await listTokens(objects)).filter((t) => isExpired(t, now)).map((t) => t.id);
  for (const id of expired) await revokeToken(objects, id);
  return expired;
}
