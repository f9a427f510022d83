// The cluster token: made on the server's first start and kept in <data-dir>/token (0600),
// as K3s keeps its server token. Its form is K3s's "secure" one, K10<ca-hash>::server:<secret>:
// the CA hash lets a joining agent pin the server's CA before it trusts anything the server
// says, and the secret is what the server checks.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SkerryError } from '../../common/index.ts';
import { writeFileDurably } from '../../storage/content/index.ts';

export const TOKEN_FILE = 'token';

export interface ClusterToken {
  /** The whole token, as users copy it: K10<ca-hash>::server:<secret>. */
  full: string;
  /** The part after "::server:"; accepted on its own as K3s accepts a short token. */
  secret: string;
  file: string;
}

const FORM = /^K10([0-9a-f]{64})::server:([0-9a-f]{32,})$/;

/** The token of this data dir: read when present, else made once and written durably. */
export function ensureClusterToken(dataDir: string, caCert: string): ClusterToken {
  const file = path.join(dataDir, TOKEN_FILE);
  const existing = readToken(file);
  if (existing) return existing;
  const full = `K10${caHash(caCert)}::server:${crypto.randomBytes(32).toString('hex')}`;
  writeFileDurably(file, `${full}\n`, 0o600);
  return parseToken(full, file);
}

/** sha256 of the CA bundle's PEM text, in hex: what K3s puts after K10. */
export function caHash(caCert: string): string {
  return crypto.createHash('sha256').update(caCert).digest('hex');
}

function readToken(file: string): ClusterToken | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SkerryError('DATA_DIR_UNUSABLE', `${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { file }, { cause: error });
  }
  // A token someone loosened to group/world access is still the token; make it private again.
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  return parseToken(text.trim(), file);
}

export function parseToken(text: string, file: string): ClusterToken {
  const match = FORM.exec(text);
  if (!match) throw new SkerryError('CONFIG_INVALID', `${file} does not hold a cluster token of the form K10<sha256>::server:<hex secret>; remove it to make a new one`, { file });
  return { full: text, secret: match[2]!, file };
}
