// OCI content digests (image-spec descriptor.md): "algorithm:encoded". sha256 is what
// registries and image tools produce; sha512 is accepted for completeness.
import { createHash, type Hash } from 'node:crypto';
import { SkerryError } from '../../common/index.ts';

export type DigestAlgorithm = 'sha256' | 'sha512';

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

/** Parses and checks a digest; `field` names where it came from in the error. */
export function parseDigest(digest: unknown, field = 'digest'): ParsedDigest {
  if (typeof digest !== 'string') throw new SkerryError('DIGEST_INVALID', `${field} must be a string like sha256:<64 hex digits>`, { field });
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon) as DigestAlgorithm;
  const hex = digest.slice(colon + 1);
  if (colon < 0 || !(algorithm in HEX_LENGTH)) {
    throw new SkerryError('DIGEST_INVALID', `${field} ${JSON.stringify(digest.slice(0, 80))} must start with sha256: or sha512:`, { field });
  }
  if (hex.length !== HEX_LENGTH[algorithm] || !/^[0-9a-f]+$/.test(hex)) {
    throw new SkerryError('DIGEST_INVALID', `${field} ${JSON.stringify(digest.slice(0, 80))} must have ${HEX_LENGTH[algorithm]} lowercase hex digits after ${algorithm}:`, { field });
  }
  return { algorithm, hex };
}

export function isDigest(value: unknown): value is string {
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}

export function hasher(algorithm: DigestAlgorithm = 'sha256'): Hash {
  return createHash(algorithm);
}

export function digestOf(data: Buffer | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}
