// A resumable write of one blob: bytes go to <ingest>/<name>.partial, hashed as they come;
// commit() syncs, checks the digest (and size), renames into blobs/ and syncs the directory.
// A cut download keeps its partial file, and the next ingest of the same digest — in this
// process or after a restart — starts from the bytes already there.
import fs from 'node:fs';
import type { Hash } from 'node:crypto';
import { SkerryError } from '../../common/index.ts';
import { hasher, parseDigest, type DigestAlgorithm } from './digest.ts';
import { fsyncDir } from './durable.ts';

/** Partial data is synced every this many bytes, so a resume after power loss has it. */
const SYNC_EVERY = 16 << 20;

export interface Ingest {
  /** Bytes already written: where a resumed download starts (an HTTP Range's first byte). */
  readonly offset: number;
  write(chunk: Buffer): Promise<void>;
  /** Verifies against `digest` (the ingest's own when omitted) and moves the blob in place. */
  commit(digest?: string, expectedSize?: number): Promise<string>;
  /** Drops the partial bytes: the next ingest starts from zero. */
  discard(): Promise<void>;
  /** Keeps the partial bytes for a later resume and releases the writer. */
  close(): Promise<void>;
}

export interface IngestPaths {
  partial: string;
  blobOf(digest: string): string;
  release(): void;
}

async function hashExisting(file: string, hash: Hash): Promise<number> {
  let size = 0;
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return size;
}

export async function openIngest(paths: IngestPaths, algorithm: DigestAlgorithm, expected?: string): Promise<Ingest> {
  const hash = hasher(algorithm);
  const handle = await fs.promises.open(paths.partial, 'a+', 0o600);
  let offset: number;
  try {
    offset = await hashExisting(paths.partial, hash);
  } catch (error) {
    await handle.close();
    throw error;
  }
  let unsynced = 0;
  let open = true;
  const finish = async () => {
    if (!open) return;
    open = false;
    await handle.close();
    paths.release();
  };
  return {
    get offset() {
      return offset;
    },
    async write(chunk) {
      await handle.write(chunk);
      hash.update(chunk);
      offset += chunk.length;
      unsynced += chunk.length;
      if (unsynced >= SYNC_EVERY) await handle.datasync(), (unsynced = 0);
    },
    async commit(digest = expected, expectedSize) {
      if (!digest) throw new Error('commit needs a digest for an upload of unknown content');
      const want = parseDigest(digest);
      await handle.sync();
      const got = `${want.algorithm}:${want.algorithm === algorithm ? hash.copy().digest('hex') : await rehash(paths.partial, want.algorithm)}`;
      const sizeOk = expectedSize === undefined || expectedSize === offset;
      if (got !== digest || !sizeOk) {
        await finish();
        await fs.promises.rm(paths.partial, { force: true });
        const why = got !== digest ? `the ${offset} bytes received hash to ${got}` : `${offset} bytes were received, the descriptor says ${expectedSize}`;
        throw new SkerryError('DIGEST_MISMATCH', `blob ${digest}: ${why}; the partial download was discarded`, { digest, got, size: offset });
      }
      const target = paths.blobOf(digest);
      await fs.promises.rename(paths.partial, target);
      fsyncDir(target.slice(0, target.lastIndexOf('/')));
      await finish();
      return digest;
    },
    async discard() {
      await finish();
      await fs.promises.rm(paths.partial, { force: true });
    },
    close: finish,
  };
}

async function rehash(file: string, algorithm: DigestAlgorithm): Promise<string> {
  const hash = hasher(algorithm);
  await hashExisting(file, hash);
  return hash.digest('hex');
}
