// Bytes from an archive go into the content store while they are hashed: a blob is never
// trusted by its file name, and nothing is extracted to disk outside the store first.
import { hasher, type ContentStore } from '../../../storage/content/index.ts';
import { isSkerryError, SkerryError } from '../../../common/index.ts';

/** A file of the archive as stored: docker-archive names blobs by path, not by digest. */
export interface StoredFile {
  digest: string;
  size: number;
  /** The bytes start with gzip's magic number: a compressed layer. */
  gzip: boolean;
}

/** Remembers the first two bytes that pass, to tell a gzip'd layer from a plain tar. */
export class GzipSniffer {
  private head = Buffer.alloc(0);

  see(chunk: Buffer): void {
    if (this.head.length < 2) this.head = Buffer.concat([this.head, chunk.subarray(0, 2 - this.head.length)]);
  }

  get gzip(): boolean {
    return this.head[0] === 0x1f && this.head[1] === 0x8b;
  }
}

/** Yields what `chunks` yields after the first `from` bytes: the part a resumed ingest lacks. */
export async function* skipBytes(chunks: AsyncIterable<Buffer>, from: number): AsyncGenerator<Buffer> {
  let position = 0;
  for await (const chunk of chunks) {
    const start = Math.max(0, from - position);
    position += chunk.length;
    if (start < chunk.length) yield start === 0 ? chunk : chunk.subarray(start);
  }
}

function mismatch(error: unknown, what: string, digest: string): unknown {
  if (!isSkerryError(error, 'DIGEST_MISMATCH')) return error;
  const got = error.details.got as string | undefined;
  return new SkerryError('DIGEST_MISMATCH', `${what} is named ${digest} but its content hashes to ${got ?? 'something else'}; nothing was imported`,
    { digest, got, file: what }, { cause: error });
}

/**
 * Writes blob `digest` from `open(offset)` and verifies it. `offset` is what a cut earlier
 * import left in the ingest: the source skips that many bytes. Returns false when the blob
 * was already present (nothing read).
 */
export async function ingestVerified(content: ContentStore, digest: string, what: string,
  open: (offset: number) => AsyncIterable<Buffer>): Promise<boolean> {
  const writer = await content.ingest(digest);
  if (!writer) return false;
  try {
    for await (const chunk of open(writer.offset)) await writer.write(chunk);
    await writer.commit(digest);
    return true;
  } catch (error) {
    await writer.close().catch(() => {});
    throw mismatch(error, what, digest);
  }
}

/** Stores bytes of not yet known digest (a docker-archive member) under the digest they hash to. */
export async function storeUnnamed(content: ContentStore, chunks: AsyncIterable<Buffer>): Promise<StoredFile> {
  const { ingest } = await content.upload();
  const hash = hasher('sha256');
  const sniffer = new GzipSniffer();
  let size = 0;
  try {
    for await (const chunk of chunks) {
      hash.update(chunk);
      sniffer.see(chunk);
      size += chunk.length;
      await ingest.write(chunk);
    }
    const digest = `sha256:${hash.digest('hex')}`;
    await ingest.commit(digest, size);
    return { digest, size, gzip: sniffer.gzip };
  } catch (error) {
    await ingest.discard().catch(() => {});
    throw error;
  }
}

/** A blob a descriptor names must be in the store with the size the descriptor says. */
export function checkStored(content: ContentStore, descriptor: { digest: string; size: number }, field: string, missing: string): void {
  const size = content.size(descriptor.digest);
  if (size === undefined) {
    throw new SkerryError('IMAGE_INVALID', `${field} names blob ${descriptor.digest}, which ${missing}`, { digest: descriptor.digest, field });
  }
  if (size !== descriptor.size) {
    throw new SkerryError('DIGEST_MISMATCH', `${field}: blob ${descriptor.digest} is ${size} bytes but the descriptor says ${descriptor.size}`,
      { digest: descriptor.digest, field, size });
  }
}
