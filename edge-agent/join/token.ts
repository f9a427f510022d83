// The join token as the agent needs it: the CA hash to pin, and the whole token to present.
// K3s accepts a token without the hash and trusts whatever CA the server sends (with a
// warning); skerry refuses, because an agent that trusts an unpinned CA hands its node
// password and the token to whoever answered first.
import crypto from 'node:crypto';
import { SkerryError } from '../../common/index.ts';

const PINNED = /^K10([0-9a-fA-F]{64})::(.+)$/s;

export interface PinnedToken {
  /** sha256 of the server's CA PEM, lower-case hex. */
  caHash: string;
  /** The whole token, sent as the join credential. */
  full: string;
}

export function parsePinnedToken(text: string): PinnedToken {
  const token = text.trim();
  const match = PINNED.exec(token);
  if (!match) {
    throw new SkerryError(
      'CONFIG_INVALID',
      "the join token must carry the server's CA hash (K10<sha256>::…), as skerry token create prints it or <server data dir>/token holds it; a bare secret cannot pin the server's CA",
      { field: '--token' },
    );
  }
  return { caHash: match[1]!.toLowerCase(), full: token };
}

export function sha256Hex(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}
