// A tar archive (oci-archive, `docker save`, skopeo's docker-archive) is read once, front to
// back, and never extracted to disk: docker-archive's manifest.json may come after the
// layers it names, so every member is stored in the content store as it streams past (a
// blobs/<alg>/<hex> member verified against its name, any other by the digest of its
// bytes), and the format is resolved afterwards from what was seen. Members nothing refers
// to in the end are left to the store's garbage collection.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { componentLogger, isSkerryError, SkerryError } from '../../../common/index.ts';
import type { ContentStore } from '../../../storage/content/index.ts';
import { checkStored, GzipSniffer, ingestVerified, skipBytes, storeUnnamed, type StoredFile } from './copy.ts';
import { blobDigestOf, blobFileOf, memberPath, METADATA_FILES, METADATA_MAX_BYTES, type ArchiveSource } from './source.ts';

const log = componentLogger('images');

/** Old `docker save` writes v1 metadata per layer (<id>/VERSION, <id>/json) that manifest.json never names. */
const LEGACY_V1_FILE = /(^|\/)(VERSION|json)$/;
const MAX_LINK_HOPS = 16;

/** tar-stream yields entries as readable streams carrying their header. */
type Entry = tar.Extract extends AsyncIterable<infer S> ? S & AsyncIterable<Buffer> : never;

interface Seen {
  meta: Map<string, Buffer>;
  files: Map<string, StoredFile>;
  /** Symlinks and hardlinks (old `docker save` links a repeated layer.tar to the first). */
  links: Map<string, string>;
}

async function drain(entry: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of entry);
}

async function* tap(entry: AsyncIterable<Buffer>, sniffer: GzipSniffer): AsyncGenerator<Buffer> {
  for await (const chunk of entry) {
    sniffer.see(chunk);
    yield chunk;
  }
}

async function readSmall(entry: AsyncIterable<Buffer>, where: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of entry) {
    size += chunk.length;
    if (size > METADATA_MAX_BYTES) throw new SkerryError('IMAGE_INVALID', `${where} is larger than ${METADATA_MAX_BYTES} bytes, too large for a metadata file`, { file: where });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A blobs/<alg>/<hex> member: verified against its name while it is copied. */
async function storeNamed(content: ContentStore, entry: AsyncIterable<Buffer>, digest: string, size: number, where: string): Promise<StoredFile> {
  const sniffer = new GzipSniffer();
  const chunks = tap(entry, sniffer);
  await ingestVerified(content, digest, where, (offset) => skipBytes(chunks, offset));
  await drain(chunks);
  return { digest, size, gzip: sniffer.gzip };
}

function linkTarget(name: string, header: tar.Header): string | undefined {
  // A symlink is relative to its own directory (or the root when absolute); a hardlink names a member.
  if (header.type === 'link') return memberPath(header.linkname);
  return memberPath(header.linkname.startsWith('/') ? header.linkname : path.posix.join(path.posix.dirname(name), header.linkname));
}

async function storeMember(content: ContentStore, label: string, entry: Entry, seen: Seen): Promise<void> {
  const { header } = entry;
  const name = memberPath(header.name);
  const regular = header.type === 'file' || header.type === 'contiguous-file';
  if (!name || !regular) {
    const target = name && (header.type === 'symlink' || header.type === 'link') ? linkTarget(name, header) : undefined;
    if (name && target !== undefined) seen.links.set(name, target);
    return drain(entry);
  }
  if ((METADATA_FILES as readonly string[]).includes(name)) {
    seen.meta.set(name, await readSmall(entry, `${label}: ${name}`));
    return;
  }
  const digest = blobDigestOf(name);
  if (digest) {
    seen.files.set(name, await storeNamed(content, entry, digest, header.size, `${label}: ${name}`));
  } else if (LEGACY_V1_FILE.test(name)) {
    await drain(entry);
  } else {
    seen.files.set(name, await storeUnnamed(content, entry));
  }
}

async function isGzipFile(file: string): Promise<boolean> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

async function readMembers(content: ContentStore, file: string, seen: Seen): Promise<void> {
  const input = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  // `docker save | gzip` is a common way to ship an archive; docker load takes it too.
  const stream: Readable = (await isGzipFile(file)) ? input.pipe(zlib.createGunzip()) : input;
  const extract = tar.extract();
  for (const s of new Set([input, stream])) s.on('error', (error: Error) => extract.destroy(error));
  stream.pipe(extract);
  try {
    for await (const entry of extract) await storeMember(content, file, entry as Entry, seen);
  } catch (error) {
    if (isSkerryError(error)) throw error;
    throw new SkerryError('IMAGE_INVALID', `${file} is not a readable tar archive: ${(error as Error).message}`, { file }, { cause: error });
  } finally {
    for (const s of new Set([input, stream])) s.destroy();
  }
}

/** Streams the tar at `file` into the content store and answers for its members. */
export async function readTarArchive(content: ContentStore, file: string): Promise<ArchiveSource> {
  const seen: Seen = { meta: new Map(), files: new Map(), links: new Map() };
  const started = performance.now();
  await readMembers(content, file, seen);
  log.debug({ file, files: seen.files.size, ms: Math.round(performance.now() - started) }, 'read archive');
  const resolve = (name: string): StoredFile | undefined => {
    let current: string | undefined = memberPath(name);
    for (let hop = 0; current !== undefined && hop <= MAX_LINK_HOPS; hop++) {
      const stored = seen.files.get(current);
      if (stored) return stored;
      current = seen.links.get(current);
    }
    return undefined;
  };
  return {
    label: file,
    meta: (name) => seen.meta.get(name),
    async blob(descriptor, field) {
      checkStored(content, descriptor, field, `is not in the archive (no ${blobFileOf(descriptor.digest)})`);
    },
    async file(name, field) {
      const stored = resolve(name);
      if (!stored) throw new SkerryError('IMAGE_INVALID', `${field} names ${JSON.stringify(name)}, which is not a file in the archive`, { field, file: name });
      return stored;
    },
  };
}
