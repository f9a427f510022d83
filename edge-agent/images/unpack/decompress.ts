// From the layer blob to the tar stream: compression is told by the caller or by the first
// bytes; gzip is undone by node:zlib (on the thread pool, so it overlaps with our writes).
import { Readable, pipeline } from 'node:stream';
import zlib from 'node:zlib';
import { SkerryError } from '../../../common/index.ts';

export type Compression = 'gzip' | 'none' | 'auto';

/** A readable stream, or any (async) iterable of byte chunks, such as [buffer]. */
export type LayerSource = NodeJS.ReadableStream | AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>;

// Long enough that an uncompressed tar, which starts with its first entry's name, cannot be
// taken for one of these: bzip2's "BZh" is followed by a level digit and the block magic.
const MAGIC: Array<{ name: string; bytes: Array<number | [number, number]> }> = [
  { name: 'gzip', bytes: [0x1f, 0x8b, 0x08] },
  { name: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'bzip2', bytes: [0x42, 0x5a, 0x68, [0x31, 0x39], 0x31, 0x41, 0x59, 0x26, 0x53, 0x59] },
];
const SNIFF_BYTES = 10;

/**
 * Output chunks of gunzip. Each chunk is a round trip to the thread pool, which costs the
 * main thread tens of microseconds on a busy machine: on the unpack bench 1 MiB chunks
 * unpacked a gzip layer of big files 1.5x faster than 128 KiB ones.
 */
const GUNZIP_CHUNK = 1048576;

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`a layer source must yield bytes, not ${typeof chunk} (is an encoding set on the stream?)`);
}

function iterate(source: LayerSource): AsyncIterator<unknown> {
  if (Symbol.asyncIterator in source) return (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  if (Symbol.iterator in source && !Buffer.isBuffer(source)) {
    const sync = (source as Iterable<unknown>)[Symbol.iterator]();
    return { next: async () => sync.next(), return: async () => sync.return?.() ?? { done: true, value: undefined } };
  }
  throw new TypeError('a layer source must be a readable stream or an iterable of byte chunks');
}

function sniff(head: Buffer): string | undefined {
  const matches = (expected: number | [number, number], byte: number | undefined) =>
    byte !== undefined && (typeof expected === 'number' ? byte === expected : byte >= expected[0] && byte <= expected[1]);
  return MAGIC.find((m) => m.bytes.every((b, i) => matches(b, head[i])))?.name;
}

/**
 * The decompressed tar stream of a layer blob. Ending the iteration early (an error, a
 * limit) destroys the decompressor and the source.
 */
export async function* tarStream(source: LayerSource, compression: Compression): AsyncGenerator<Buffer> {
  const input = iterate(source);
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  try {
    while (headBytes < SNIFF_BYTES) {
      const next = await input.next();
      if (next.done) {
        ended = true;
        break;
      }
      const chunk = toBuffer(next.value);
      head.push(chunk);
      headBytes += chunk.length;
    }
  } catch (error) {
    input.return?.()?.catch(() => {});
    throw error;
  }
  const first = Buffer.concat(head, headBytes);
  const found = sniff(first);
  let gzip: boolean;
  if (compression === 'none') gzip = false;
  else if (compression === 'gzip') {
    if (found !== 'gzip') {
      input.return?.()?.catch(() => {});
      throw new SkerryError('LAYER_UNSAFE', `the layer was declared gzip-compressed but does not start with the gzip magic bytes (it starts ${first.subarray(0, 4).toString('hex') || 'empty'})`);
    }
    gzip = true;
  } else {
    if (found !== undefined && found !== 'gzip') {
      input.return?.()?.catch(() => {});
      throw new SkerryError('MEDIA_TYPE_UNSUPPORTED', `the layer is ${found}-compressed; skerry unpacks gzip and uncompressed layers`, { compression: found });
    }
    gzip = found === 'gzip';
  }

  async function* rest(): AsyncGenerator<Buffer> {
    if (headBytes > 0) yield first;
    while (!ended) {
      const next = await input.next();
      if (next.done) ended = true;
      else yield toBuffer(next.value);
    }
  }

  try {
    if (!gzip) {
      yield* rest();
      return;
    }
    const gunzip = zlib.createGunzip({ chunkSize: GUNZIP_CHUNK });
    // pipeline destroys both sides when either fails or the consumer stops early.
    pipeline(Readable.from(rest(), { objectMode: false }), gunzip, () => {});
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && code.startsWith('Z_')) {
        throw new SkerryError('LAYER_UNSAFE', `the gzip stream is corrupt: ${(error as Error).message}`, {}, { cause: error });
      }
      throw error;
    }
  } finally {
    // Stopped early (an error, a limit): release the source, whatever it is; not awaited,
    // since a source stuck in a read must not hold up the error.
    if (!ended) input.return?.()?.catch(() => {});
  }
}
