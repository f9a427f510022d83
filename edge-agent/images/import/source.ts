// What the format readers (OCI layout, docker-archive) need from an archive, whether it is
// a directory or a tar that was streamed once into the content store.
import type { oci } from '../../../common/index.ts';
import type { StoredFile } from './copy.ts';

/** Small metadata files read whole; anything larger is refused as not what it claims. */
export const METADATA_FILES = ['oci-layout', 'index.json', 'manifest.json', 'repositories'] as const;
export const METADATA_MAX_BYTES = 8 << 20;

export interface ArchiveSource {
  /** The path the user gave, for messages. */
  readonly label: string;
  /** A metadata file's bytes, undefined when the archive has none. */
  meta(name: (typeof METADATA_FILES)[number]): Buffer | undefined;
  /**
   * Makes sure the blob a descriptor names is in the content store, verified (copied from
   * blobs/<alg>/<hex>); `field` says which descriptor, for the error when it is missing.
   */
  blob(descriptor: oci.Descriptor, field: string): Promise<void>;
  /** A file by its path in the archive (docker-archive's Config and Layers), stored by its digest. */
  file(name: string, field: string): Promise<StoredFile>;
}

/** "./blobs//sha256/x" and "blobs/sha256/x" are one member; undefined for paths that leave the root. */
export function memberPath(name: string): string | undefined {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  return parts.join('/');
}

/** blobs/<alg>/<hex> → "<alg>:<hex>", for members and files that name their content. */
export function blobDigestOf(name: string): string | undefined {
  const match = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(name);
  if (!match) return undefined;
  const [, algorithm, hex] = match;
  return hex!.length === (algorithm === 'sha256' ? 64 : 128) ? `${algorithm}:${hex}` : undefined;
}

export function blobFileOf(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`;
}
