// The content store: blobs by digest under <root>/blobs/<algorithm>/<hex>, each whole and
// verified or absent (temp file, fsync, digest check, rename, directory fsync). Writers of
// the same blob are serialised, in this process and across processes, so a blob two pulls
// want is fetched once: the second finds it present when its turn comes.
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { componentLogger, SkerryError } from '../../common/index.ts';
import { digestOf, parseDigest } from './digest.ts';
import { fsyncDir, makeDurableDir } from './durable.ts';
import { openIngest, type Ingest } from './ingest.ts';
import { tryLock, unlock } from './lock.ts';

const log = componentLogger('content');
const LOCK_POLL_MS = 50;

export interface BlobInfo {
  digest: string;
  size: number;
}

export interface ContentStore {
  readonly root: string;
  has(digest: string): boolean;
  /** Size of a whole blob, undefined when absent. */
  size(digest: string): number | undefined;
  /** Path of a whole blob for readers; throws BLOB_NOT_FOUND when absent. */
  blobPath(digest: string): string;
  /** Reads a whole blob into memory (manifests, configs); refuses blobs above maxBytes. */
  read(digest: string, maxBytes?: number): Buffer;
  createReadStream(digest: string, range?: { start: number; end?: number }): fs.ReadStream;
  /** Stores `data` whole; checks it against `expected` when given. Returns the digest. */
  put(data: Buffer, expected?: string): Promise<string>;
  /**
   * Opens the one writer of blob `digest`, waiting while another holds it; null when the
   * blob is (or meanwhile became) present. A previous cut write resumes at `offset`.
   */
  ingest(digest: string, options?: { signal?: AbortSignal }): Promise<Ingest | null>;
  /** An upload of not yet known content (a registry push); reopened by id across requests. */
  upload(id?: string): Promise<{ id: string; ingest: Ingest }>;
  /** Bytes an upload holds so far, undefined for an unknown id. */
  uploadSize(id: string): number | undefined;
  dropUpload(id: string): void;
  delete(digest: string): boolean;
  list(): BlobInfo[];
}

export function openContentStore(root: string): ContentStore {
  const blobs = path.join(root, 'blobs');
  const ingestDir = path.join(root, 'ingest');
  for (const dir of [path.join(blobs, 'sha256'), path.join(blobs, 'sha512'), ingestDir]) makeDurableDir(dir);
  removeStaleTemps(ingestDir);
  const inProcess = new Map<string, Promise<void>>();

  const blobFile = (digest: string) => {
    const { algorithm, hex } = parseDigest(digest);
    return path.join(blobs, algorithm, hex);
  };
  const sizeOf = (digest: string) => fs.statSync(blobFile(digest), { throwIfNoEntry: false })?.size;

  // Serialises writers of one key inside this process; the lock file does it across processes.
  async function exclusive(key: string, signal?: AbortSignal): Promise<() => void> {
    while (inProcess.has(key)) await inProcess.get(key);
    let release!: () => void;
    inProcess.set(key, new Promise<void>((resolve) => (release = resolve)));
    const lockFile = path.join(ingestDir, `${key}.lock`);
    try {
      while (!tryLock(lockFile)) {
        signal?.throwIfAborted();
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
      }
    } catch (error) {
      inProcess.delete(key), release();
      throw error;
    }
    return () => {
      unlock(lockFile);
      inProcess.delete(key);
      release();
    };
  }

  const store: ContentStore = {
    root,
    has: (digest) => sizeOf(digest) !== undefined,
    size: sizeOf,
    blobPath(digest) {
      const file = blobFile(digest);
      if (!fs.existsSync(file)) throw new SkerryError('BLOB_NOT_FOUND', `${digest} is not in ${root}`, { digest });
      return file;
    },
    read(digest, maxBytes = 8 << 20) {
      const size = sizeOf(digest);
      if (size === undefined) throw new SkerryError('BLOB_NOT_FOUND', `${digest} is not in ${root}`, { digest });
      if (size > maxBytes) throw new SkerryError('IMAGE_INVALID', `blob ${digest} is ${size} bytes, more than the ${maxBytes} a manifest or config may have`, { digest });
      return fs.readFileSync(blobFile(digest));
    },
    createReadStream(digest, range) {
      // 1 MiB reads: a layer of big files unpacks 2-3x slower fed in Node's default 64 KiB.
      return fs.createReadStream(store.blobPath(digest), { highWaterMark: 1 << 20, ...(range && { start: range.start, end: range.end }) });
    },
    async put(data, expected) {
      const digest = expected ?? digestOf(data);
      for (;;) {
        const writer = await store.ingest(digest);
        if (!writer) return digest;
        // A whole buffer replaces whatever a cut write left.
        if (writer.offset > 0) {
          await writer.discard();
          continue;
        }
        try {
          await writer.write(data);
          return await writer.commit(digest, data.length);
        } catch (error) {
          await writer.close().catch(() => {});
          throw error;
        }
      }
    },
    async ingest(digest, options = {}) {
      const { algorithm, hex } = parseDigest(digest);
      const key = `${algorithm}-${hex}`;
      const release = await exclusive(key, options.signal);
      if (store.has(digest)) return release(), null;
      try {
        return await openIngest({ partial: path.join(ingestDir, `${key}.partial`), blobOf: blobFile, release }, algorithm, digest);
      } catch (error) {
        release();
        throw error;
      }
    },
    async upload(id = randomUUID()) {
      if (!/^[0-9a-f-]{36}$/.test(id)) throw new SkerryError('BLOB_NOT_FOUND', `upload ${JSON.stringify(id.slice(0, 60))} is not an upload id`, { id });
      const key = `upload-${id}`;
      const release = await exclusive(key);
      try {
        return { id, ingest: await openIngest({ partial: path.join(ingestDir, `${key}.partial`), blobOf: blobFile, release }, 'sha256') };
      } catch (error) {
        release();
        throw error;
      }
    },
    uploadSize(id) {
      if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
      return fs.statSync(path.join(ingestDir, `upload-${id}.partial`), { throwIfNoEntry: false })?.size;
    },
    dropUpload(id) {
      if (/^[0-9a-f-]{36}$/.test(id)) fs.rmSync(path.join(ingestDir, `upload-${id}.partial`), { force: true });
    },
    delete(digest) {
      const file = blobFile(digest);
      if (!fs.existsSync(file)) return false;
      fs.rmSync(file);
      fsyncDir(path.dirname(file));
      log.debug({ digest }, 'deleted blob');
      return true;
    },
    list() {
      return (['sha256', 'sha512'] as const).flatMap((algorithm) =>
        fs.readdirSync(path.join(blobs, algorithm)).flatMap((hex) => {
          const digest = `${algorithm}:${hex}`;
          const size = sizeOf(digest);
          return size === undefined ? [] : [{ digest, size }];
        }));
    },
  };
  return store;
}

// put() writes through an ingest too; anything else named *.tmp-* is a crashed writer's.
function removeStaleTemps(dir: string): void {
  for (const name of fs.readdirSync(dir)) if (name.includes('.tmp-')) fs.rmSync(path.join(dir, name), { force: true });
}
