// The node password, as K3s's node-password: the agent keeps a random password in its data
// dir, and the first join of a node name records a hash of it in the Secret
// kube-system/<node>.node-password.skerry. A later join of that name must present the same
// password, so a second machine with the same hostname (or a stolen join token) cannot take
// over a node's identity. The same Secret holds the node's credential, which the server
// issues; deleting the Secret frees the name for a new machine.
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { ApiError, type KubeObject, type ObjectStore } from '../api/index.ts';
import { SECRET_TYPE } from './tokens.ts';

export const NODE_PASSWORD_TYPE = 'skerry.io/node-password';
export const NODE_PASSWORD_NAMESPACE = 'kube-system';
const SUFFIX = '.node-password.skerry';

const scrypt = promisify(crypto.scrypt) as (password: string, salt: Buffer, keylen: number, options: crypto.ScryptOptions) => Promise<Buffer>;
// Interactive-login strength (16 MiB, some tens of ms): joins are rare, and a stolen
// Secret should not give the password up cheaply.
const PARAMS = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;
const MAX_N = 1 << 20;

export interface NodeRecord {
  node: string;
  hash: string;
  credential: string;
}

export function nodePasswordSecretName(node: string): string {
  return `${node}${SUFFIX}`;
}

/** The node a node-password Secret belongs to, or undefined for any other Secret. */
export function nodeOfSecret(secret: KubeObject): string | undefined {
  const name = secret.metadata.name ?? '';
  return secret.type === NODE_PASSWORD_TYPE && name.endsWith(SUFFIX) ? name.slice(0, -SUFFIX.length) : undefined;
}

/** scrypt$N$r$p$<salt hex>$<hash hex>: the parameters travel with the hash, so they can grow later. */
export async function hashNodePassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { ...PARAMS, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('hex'), key.toString('hex')].join('$');
}

/** Whether `password` matches an encoded hash; a hash we cannot read matches nothing. */
export async function verifyNodePassword(password: string, encoded: string): Promise<boolean> {
  const [scheme, n, r, p, saltHex, keyHex, ...extra] = encoded.split('$');
  const N = Number(n);
  const params = { N, r: Number(r), p: Number(p) };
  if (scheme !== 'scrypt' || extra.length > 0 || !keyHex || !saltHex || !(N > 1 && N <= MAX_N) || !(params.r >= 1 && params.r <= 32) || !(params.p >= 1 && params.p <= 16)) return false;
  const want = Buffer.from(keyHex, 'hex');
  if (want.length === 0) return false;
  const got = await scrypt(password, Buffer.from(saltHex, 'hex'), want.length, { ...params, maxmem: 256 * 1024 * 1024 });
  return crypto.timingSafeEqual(got, want);
}

/** A fresh node credential: 32 random bytes in hex. */
export function newCredential(): string {
  return crypto.randomBytes(32).toString('hex');
}

export function nodeRecordSecret(record: NodeRecord): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: nodePasswordSecretName(record.node), namespace: NODE_PASSWORD_NAMESPACE },
    type: NODE_PASSWORD_TYPE,
    data: { hash: b64(record.hash), credential: b64(record.credential) },
  };
}

export function readNodeRecord(secret: KubeObject): NodeRecord | undefined {
  const node = nodeOfSecret(secret);
  const data = (secret.data ?? {}) as Record<string, unknown>;
  if (!node || typeof data.hash !== 'string' || typeof data.credential !== 'string') return undefined;
  return { node, hash: unb64(data.hash), credential: unb64(data.credential) };
}

export async function getNodeRecord(objects: ObjectStore, node: string): Promise<NodeRecord | undefined> {
  try {
    return readNodeRecord(await objects.get(SECRET_TYPE, NODE_PASSWORD_NAMESPACE, nodePasswordSecretName(node)));
  } catch (error) {
    if (error instanceof ApiError && error.code === 404) return undefined;
    throw error;
  }
}

export async function listNodeRecords(objects: ObjectStore): Promise<NodeRecord[]> {
  const list = await objects.list(SECRET_TYPE, NODE_PASSWORD_NAMESPACE, { filter: (o) => o.type === NODE_PASSWORD_TYPE });
  return list.items.flatMap((secret) => readNodeRecord(secret) ?? []);
}

export type AdmitResult = { ok: true; credential: string; created: boolean } | { ok: false };

/**
 * The first join of a name records the password's hash and a new credential; later joins
 * must present the same password and get the same credential. Two first joins racing for
 * one name: the create that loses re-reads and is checked like any later join.
 */
export async function admitNode(objects: ObjectStore, node: string, password: string, raced = false): Promise<AdmitResult> {
  const existing = await getNodeRecord(objects, node);
  if (existing) return (await verifyNodePassword(password, existing.hash)) ? { ok: true, credential: existing.credential, created: false } : { ok: false };
  // After a lost race the Secret exists; unreadable, it holds the name against every password.
  if (raced) return { ok: false };
  const record: NodeRecord = { node, hash: await hashNodePassword(password), credential: newCredential() };
  try {
    await objects.create(SECRET_TYPE, NODE_PASSWORD_NAMESPACE, nodeRecordSecret(record));
    return { ok: true, credential: record.credential, created: true };
  } catch (error) {
    if (error instanceof ApiError && error.code === 409) return admitNode(objects, node, password, true);
    throw error;
  }
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function unb64(text: string): string {
  return Buffer.from(text, 'base64').toString('utf8');
}
