// Who is asking: the cluster (whoever holds the cluster token: operators, CI pushing images)
// or a node (an agent with its own credentials). Node credentials are issued when an agent
// joins; until that exists the NodeAuthenticator here knows no nodes.
import crypto from 'node:crypto';
import type { ClusterToken } from './token.ts';
import type { Credentials } from './credentials.ts';

export type Principal = { kind: 'cluster' } | { kind: 'node'; node: string };

/** Checks a node's credentials; the agent-join work provides the real one. */
export interface NodeAuthenticator {
  /** The node's name when the credentials are a valid node credential, else undefined. */
  authenticateNode(credentials: Credentials): Promise<string | undefined> | string | undefined;
}

export const noNodes: NodeAuthenticator = { authenticateNode: () => undefined };

export interface Authenticator {
  authenticate(credentials: Credentials | undefined): Promise<Principal | undefined>;
}

export function createAuthenticator(token: Pick<ClusterToken, 'full' | 'secret'>, nodes: NodeAuthenticator = noNodes): Authenticator {
  const accepted = [digest(token.full), digest(token.secret)];
  return {
    async authenticate(credentials) {
      if (!credentials) return undefined;
      const presented = digest(credentials.secret);
      // Comparing fixed-size hashes in constant time leaks neither the token nor its length.
      if (accepted.some((want) => crypto.timingSafeEqual(want, presented))) return { kind: 'cluster' };
      const node = await nodes.authenticateNode(credentials);
      return node ? { kind: 'node', node } : undefined;
    },
  };
}

function digest(text: string): Buffer {
  return crypto.createHash('sha256').update(text).digest();
}
