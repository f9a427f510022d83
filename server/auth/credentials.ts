// What a client presents in its Authorization header. Registry clients (docker, skopeo,
// containerd) send HTTP Basic after a Basic challenge, with any user name and the token as
// the password; API clients such as kubectl send a Bearer token.
import type { IncomingHttpHeaders } from 'node:http';

export interface Credentials {
  scheme: 'basic' | 'bearer';
  /** The Basic user name; a node credential may name its node here. */
  username?: string;
  secret: string;
}

/** The credentials in the Authorization header, or undefined when there are none we read. */
export function credentialsFrom(headers: IncomingHttpHeaders): Credentials | undefined {
  const header = headers.authorization;
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value ? { scheme: 'bearer', secret: value } : undefined;
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  // The user name ends at the first colon; the password may hold colons (a K10 token does).
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const secret = decoded.slice(colon + 1);
  return secret ? { scheme: 'basic', username: decoded.slice(0, colon), secret } : undefined;
}
