// One COPY is one layer: a tar written with tar-stream, gzip-compressed, streamed into the
// content store while both digests are computed (the blob's, and the uncompressed tar's,
// which is the diff id). Reproducible: entries come sorted, with a fixed mtime, no user or
// group names, and ownership 0:0 unless --chown said otherwise — so the same tree gives the
// same digest every time (on the same zlib).
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { oci } from '../../../common/index.ts';
import { hasher, type ContentStore } from '../../../storage/content/index.ts';
import type { LayerEntry } from './entries.ts';

export interface WrittenLayer {
  descriptor: oci.Descriptor;
  diffId: string;
}

function header(entry: LayerEntry, mtime: Date): tar.Header {
  return {
    name: entry.type === 'directory' ? `${entry.name}/` : entry.name,
    type: entry.type,
    mode: entry.mode,
    uid: entry.uid,
    gid: entry.gid,
    uname: '',
    gname: '',
    mtime,
    size: entry.type === 'file' ? entry.size! : 0,
    linkname: entry.linkname ?? '',
    devmajor: 0,
    devminor: 0,
  };
}

/** Adds one entry, streaming a file's bytes; settles when the pack has taken all of it. */
function addEntry(pack: tar.Pack, entry: LayerEntry, mtime: Date, aborted: Promise<never>): Promise<void> {
  const done = new Promise<void>((resolve, reject) => {
    const callback = (error?: Error | null) => (error ? reject(error) : resolve());
    if (entry.type !== 'file') {
      pack.entry(header(entry, mtime), callback);
      return;
    }
    const sink = pack.entry(header(entry, mtime), callback);
    const input = fs.createReadStream(entry.source!);
    input.on('error', (error) => {
      sink.destroy(error);
      reject(error);
    });
    input.pipe(sink as unknown as NodeJS.WritableStream);
  });
  return Promise.race([done, aborted]);
}

async function* tapHash(source: AsyncIterable<Buffer>, hash: ReturnType<typeof hasher>): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
}

/** Writes the layer of `entries` into `content` and returns its descriptor and diff id. */
export async function writeLayer(content: ContentStore, entries: LayerEntry[], mtime: Date): Promise<WrittenLayer> {
  const pack = tar.pack();
  const diff = hasher('sha256');
  const compressed = hasher('sha256');
  const { ingest } = await content.upload();
  let size = 0;
  let abort!: (error: Error) => void;
  const aborted = new Promise<never>((_, reject) => (abort = reject));
  aborted.catch(() => {});
  const produce = (async () => {
    for (const entry of entries) await addEntry(pack, entry, mtime, aborted);
    pack.finalize();
  })().catch((error: Error) => {
    pack.destroy(error);
    throw error;
  });
  const consume = pipeline(
    Readable.from(tapHash(pack as AsyncIterable<Buffer>, diff)),
    zlib.createGzip({ level: 6 }),
    async (gzipped: AsyncIterable<Buffer>) => {
      for await (const chunk of gzipped) {
        compressed.update(chunk);
        size += chunk.length;
        await ingest.write(chunk);
      }
    },
  ).catch((error: Error) => {
    abort(error);
    throw error;
  });
  const results = await Promise.allSettled([produce, consume]);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await ingest.discard().catch(() => {});
    throw failure.reason;
  }
  const digest = `sha256:${compressed.digest('hex')}`;
  await ingest.commit(digest, size);
  return { descriptor: { mediaType: oci.MEDIA.ociLayerGzip, digest, size }, diffId: `sha256:${diff.digest('hex')}` };
}
