// Names of the objects in table `inet skerry-policy`. They are derived from what they stand
// for (a policy's namespace/name, a pod address), never from their position, so the same
// policy or pod keeps the same chain and sets across updates and a diff touches only what
// changed.
import crypto from 'node:crypto';
import { parseAddress, type Family } from './addresses.ts';
import type { Direction } from './types.ts';

export const TABLE = 'skerry-policy';

const SHORT: Record<Direction, string> = { ingress: 'in', egress: 'eg' };

/** `np-<hash>-in|eg`: namespace/name may be 316 characters, an nft name at most 255. */
export function policyChainName(policyKey: string, direction: Direction): string {
  const hash = crypto.createHash('sha256').update(policyKey).digest('hex').slice(0, 12);
  return `np-${hash}-${SHORT[direction]}`;
}

/** `pod-<address in hex>-in|eg`. */
export function podChainName(ip: string, direction: Direction): string {
  const a = parseAddress(ip);
  if (!a) throw new Error(`pod address ${JSON.stringify(ip)} is not an IP address`);
  return `pod-${a.value.toString(16).padStart(a.family === 4 ? 8 : 32, '0')}-${SHORT[direction]}`;
}

export type SetKind = 'pods' | 'cidr' | 'named';

/** A set of rule `index` of a policy chain: its peer pods, its ipBlocks or its named ports, per family. */
export const ruleSetName = (chain: string, index: number, kind: SetKind, family: Family): string => `${chain}-r${index}-${kind}${family}`;

/** The verdict map from a local pod address to its chain, per direction and family. */
export const verdictMapName = (direction: Direction, family: Family): string => `${direction}${family}`;
