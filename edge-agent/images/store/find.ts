// Finding an image by what a user types: a name (normalised as Docker does), name@digest,
// a manifest digest, or a unique prefix of its hex (as `docker images` ids are used).
import { oci, SkerryError } from '../../../common/index.ts';
import type { ImageRecord } from './types.ts';

export function findImage(images: ImageRecord[], ref: string): ImageRecord | undefined {
  if (/^sha256:[0-9a-f]{64}$/.test(ref)) return images.find((i) => i.manifestDigest === ref || i.indexDigest === ref);
  if (/^[0-9a-f]{6,64}$/.test(ref)) {
    const matches = images.filter((i) => i.manifestDigest.slice(7).startsWith(ref));
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) throw new SkerryError('REFERENCE_INVALID', `${ref} matches ${matches.length} images; give more digits`, { reference: ref });
  }
  const parsed = oci.parseReference(ref);
  if (parsed.digest) return images.find((i) => i.manifestDigest === parsed.digest || i.indexDigest === parsed.digest);
  const name = oci.formatReference(parsed);
  return images.find((i) => i.names.includes(name));
}

export function normaliseName(ref: string): string {
  const parsed = oci.parseReference(ref);
  if (parsed.digest) throw new SkerryError('REFERENCE_INVALID', `${ref}: a name to record must be a tag, not a digest`, { reference: ref });
  return oci.formatReference(parsed);
}
