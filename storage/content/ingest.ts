// A resumable write of one blob: bytes go to <ingest>/<name>.partial, hashed as they come;
// commit() syncs, checks the digest (and size), renames into blobs/ and syncs the directory.
// A cut download keeps its partial file, and the next ingest of the same digest — in this
// process or after a restart — starts from the bytes already there.
import fs from 'node:fs';
import { SkerryError } from '../../common/index.ts';
import { createFileDigest } from '../../native/index.ts';
import { parseDigest, type DigestAlgorithm } from './digest.ts';
import { fsyncDirAsync } from './durable.ts';

/** Partial data is synced every this many bytes, so a resume after power loss has it. */
const SYNC_EVERY = 16 << 20;

export interface Ingest {
  /** Bytes already written: where a resumed download starts (an HTTP Range's first byte). */
  readonly offset: number;
  /** Appends the bytes; an array is written with one writev. One write at a time. */
  write(data: Buffer | Buffer[]): Promise<void>;
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

// The bytes are hashed on the thread pool with the write that stores them (native/fs/digest),
// so the event loop, which reads the sockets, never waits on SHA-256.
export async function openIngest(paths: IngestPaths, algorithm: DigestAlgorithm, expected?: string): Promise<Ingest> {
  const digest = createFileDigest(algorithm);
  const handle = await fs.promises.open(paths.partial, 'a+', 0o600);
  let offset: number;
  try {
    offset = await digest.addFile(handle.fd);
  } catch (error) {
    await handle.close();
    throw error;
  }
  let unsynced = 0;
  let open = true;
  // The fd is closed only once no job on the thread pool still writes to it.
  let writing: Promise<unknown> = Promise.resolve();
  const finish = async () => {
    if (!open) return;
    open = false;
    await writing.catch(() => {});
    await handle.close();
    paths.release();
  };
  return {
    get offset() {
      return offset;
    },
    async write(data) {
      if (!open) throw new Error(`write to ${paths.partial} after the ingest ended`);
      const written = digest.append(handle.fd, Array.isArray(data) ? data : [data]);
      writing = written;
      const bytes = await written;
      offset += bytes;
      unsynced += bytes;
      if (unsynced >= SYNC_EVERY) await handle.datasync(), (unsynced = 0);
    },
    async commit(want = expected, expectedSize) {
      if (!want) throw new Error('commit needs a digest for an upload of unknown content');
      const wanted = parseDigest(want);
      await writing;
      await handle.sync();
      const got = `${wanted.algorithm}:${wanted.algorithm === algorithm ? digest.hex() : await rehash(handle.fd, wanted.algorithm)}`;
      const sizeOk = expectedSize === undefined || expectedSize === offset;
      if (got !== want || !sizeOk) {
        await finish();
        await fs.promises.rm(paths.partial, { force: true });
        const why = got !== want ? `the ${offset} bytes received hash to ${got}` : `${offset} bytes were received, the descriptor says ${expectedSize}`;
        throw new SkerryError('DIGEST_MISMATCH', `blob ${want}: ${why}; the partial download was discarded`, { digest: want, got, size: offset });
      }
      const target = paths.blobOf(want);
      await fs.promises.rename(paths.partial, target);
      await fsyncDirAsync(target.slice(0, target.lastIndexOf('/')));
      await finish();
      return want;
    },
    async discard() {
      await finish();
      await fs.promises.rm(paths.partial, { force: true });
    },
    close: finish,
  };
}

async function rehash(fd: number, algorithm: DigestAlgorithm): Promise<string> {
  const digest = createFileDigest(algorithm);
  await digest.addFile(fd);
  return digest.hex();
}
