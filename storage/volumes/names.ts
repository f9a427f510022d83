// Volume names are Kubernetes PersistentVolume names (DNS-1123 subdomains). They become file
// names under the store's root, so anything else is refused before a path is ever built: the
// subdomain grammar has no '/', no leading '.', and so no way out of the root.
import { createHash } from 'node:crypto';
import { VolumeError } from './errors.ts';

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const MAX_NAME = 253;
/** Longest file stem: the stem plus '.img.partial' or a record's temp suffix stays under NAME_MAX (255). */
const MAX_STEM = 200;
const MIB = 1024 * 1024;
/** Smallest volume: ext4 with a journal needs a few MiB of metadata anyway. */
export const MIN_CAPACITY = MIB;

/** Throws VOLUME_NAME_INVALID naming the field and the reason unless `name` is a DNS-1123 subdomain. */
export function checkName(name: unknown): string {
  const refuse = (reason: string): never => {
    throw new VolumeError('VOLUME_NAME_INVALID', undefined, `name ${JSON.stringify(name)}: ${reason}`);
  };
  if (typeof name !== 'string') return refuse('must be a string');
  if (name.length === 0) return refuse('must not be empty');
  if (name.length > MAX_NAME) return refuse(`must be at most ${MAX_NAME} characters (DNS-1123 subdomain)`);
  if (!SUBDOMAIN.test(name)) {
    return refuse("must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit");
  }
  return name;
}

/** Throws VOLUME_CAPACITY_INVALID unless `bytes` is a whole number of bytes, at least 1 MiB. */
export function checkCapacity(name: string, bytes: unknown): number {
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < MIN_CAPACITY) {
    throw new VolumeError('VOLUME_CAPACITY_INVALID', name, `capacityBytes ${String(bytes)}: must be a whole number of bytes, at least ${MIN_CAPACITY} (1 MiB)`);
  }
  return bytes;
}

/**
 * The file stem for a volume: the name itself, or for names too long for a file name, a
 * prefix plus a hash of the whole name (the record keeps the real name).
 */
export function fileStem(name: string): string {
  if (name.length <= MAX_STEM) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 16);
  return `${name.slice(0, MAX_STEM - 17)}-${hash}`;
}

/** "16 MiB (16777216 bytes)": sizes in messages a person can read and a script can parse. */
export function describeBytes(bytes: number): string {
  const mib = bytes / MIB;
  const short = Number.isInteger(mib) ? `${mib} MiB` : `${mib.toFixed(1)} MiB`;
  return `${short} (${bytes} bytes)`;
}
