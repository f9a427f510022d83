// What an agent keeps of its membership in <data-dir>: the node password (made once, never
// sent anywhere but the join request), the server's CA, and identity.json (the credential
// and addresses the server gave). All private and written durably: after a power cut an
// agent must come back as the same node, with no server to ask.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SkerryError, type ClusterNetwork } from '../../common/index.ts';
import { makeDurableDir, writeFileDurably } from '../../storage/content/index.ts';

export const NODE_PASSWORD_FILE = 'node-password';
export const IDENTITY_FILE = 'identity.json';
export const CA_FILE = path.join('tls', 'server-ca.crt');
const MIN_PASSWORD = 16;

export interface NodeIdentity {
  nodeName: string;
  credential: { username: string; password: string };
  broker: { url: string };
  apiUrl: string;
  /** The server's log/exec tunnel (https://HOST:PORT); absent in identities kept from before it. */
  tunnel?: { url: string };
  /** The cluster's address plan as the server gave it at join (absent from identities kept before it). */
  network?: ClusterNetwork;
  /** The server's CA, pinned by the token's hash at join. */
  caPem: string;
}

interface StoredIdentity extends Omit<NodeIdentity, 'caPem'> {
  serverUrl: string;
}

/** The node password of this data dir: read, or made once (32 random bytes, hex). */
export function ensureNodePassword(dataDir: string): string {
  const file = path.join(dataDir, NODE_PASSWORD_FILE);
  const existing = readPrivate(file);
  if (existing !== undefined) {
    const password = existing.trim();
    if (password.length < MIN_PASSWORD) throw new SkerryError('DATA_DIR_UNUSABLE', `${file} holds no usable node password (at least ${MIN_PASSWORD} characters); remove it to make a new one, and delete the node's node-password Secret on the server`, { file });
    return password;
  }
  makeDurableDir(dataDir);
  const password = crypto.randomBytes(32).toString('hex');
  writeFileDurably(file, `${password}\n`, 0o600);
  return password;
}

/** The identity kept for this server and node name, or undefined (none, another server or name, unreadable). */
export function readIdentity(dataDir: string, serverUrl: string, nodeName: string): NodeIdentity | undefined {
  const text = readPrivate(path.join(dataDir, IDENTITY_FILE));
  const caPem = readPrivate(path.join(dataDir, CA_FILE));
  if (text === undefined || caPem === undefined) return undefined;
  let stored: StoredIdentity;
  try {
    stored = JSON.parse(text) as StoredIdentity;
  } catch {
    return undefined;
  }
  if (stored.serverUrl !== serverUrl || stored.nodeName !== nodeName || !stored.credential?.password || !stored.broker?.url) return undefined;
  const tunnel = typeof stored.tunnel?.url === 'string' ? { tunnel: { url: stored.tunnel.url } } : {};
  const n = stored.network;
  const network = n && typeof n.clusterCidr === 'string' && typeof n.serviceCidr === 'string' && typeof n.clusterDomain === 'string' ? { network: { clusterCidr: n.clusterCidr, serviceCidr: n.serviceCidr, clusterDomain: n.clusterDomain } } : {};
  return { nodeName: stored.nodeName, credential: stored.credential, broker: stored.broker, apiUrl: stored.apiUrl, ...tunnel, ...network, caPem };
}

/** The CA first, then identity.json: an identity on disk always has its CA beside it. */
export function writeIdentity(dataDir: string, serverUrl: string, identity: NodeIdentity): void {
  makeDurableDir(path.join(dataDir, 'tls'));
  writeFileDurably(path.join(dataDir, CA_FILE), identity.caPem, 0o600);
  const { caPem: _ca, ...rest } = identity;
  const stored: StoredIdentity = { serverUrl, ...rest };
  writeFileDurably(path.join(dataDir, IDENTITY_FILE), `${JSON.stringify(stored, null, 2)}\n`, 0o600);
}

/** A file's text, or undefined when absent; a file someone loosened is made private again. */
function readPrivate(file: string): string | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8');
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
    return text;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new SkerryError('DATA_DIR_UNUSABLE', `${file}: ${code ?? (error as Error).message}`, { file }, { cause: error });
  }
}
