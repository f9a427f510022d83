// unpackLayer: one layer blob into one fresh directory, all or nothing. The blob is hostile
// input: every entry is checked (header.ts, names.ts, whiteout.ts), charged against the
// limits before it is written (limits.ts), and made only inside the directory
// (tree.ts, materialize.ts). On any failure the directory is removed.
import fs from 'node:fs';
import path from 'node:path';
import { componentLogger, isSkerryError, SkerryError } from '../../../common/index.ts';
import { tarStream, type Compression, type LayerSource } from './decompress.ts';
import { DiffIdDigest } from './diffid.ts';
import { readEntry } from './header.ts';
import { ReadAhead } from './readahead.ts';
import { Budget, type UnpackLimits } from './limits.ts';
import { Materializer, type Skip } from './materialize.ts';
import { acquireFileWriter, type FileWriter } from './filewriter.ts';
import { APPLIES_OWNERS } from './ownership.ts';
import { TarFormatError } from './tar-block.ts';
import { TarReader } from './tar-reader.ts';
import { LayerTree } from './tree.ts';

const log = componentLogger('images');

export interface UnpackOptions {
  limits?: UnpackLimits;
  /** 'auto' (the default) tells gzip by its magic bytes; zstd, xz and bzip2 are refused. */
  compression?: Compression;
  /** sha256:<hex> the uncompressed tar must hash to (the image config's rootfs.diff_ids). */
  expectedDiffId?: string;
}

export interface UnpackResult {
  /** sha256:<hex> of the uncompressed tar stream. */
  diffId: string;
  /** File content bytes written. */
  bytes: number;
  /** Tar entries read, skipped ones included. */
  entries: number;
  /** Entries (or parts of them) deliberately not unpacked, and why. */
  skipped: Skip[];
}

const DIFF_ID = /^sha256:[0-9a-f]{64}$/;

/**
 * The reader gets at most this much at once, so that the bytes charged to the stream limit
 * before the reader declares their sizes stay far below the limit's slack.
 */
const FEED_BYTES = 1024 * 1024;

/**
 * Unpacks a layer blob into `targetDir`, which must not exist (or be an empty directory):
 * it is made 0700 while the layer is written and gets the layer root's mode (0755 when the
 * tar has no root entry) at the end. Whiteouts become overlayfs whiteouts, for stacking
 * each layer's directory with overlayfs. On any error the directory is removed and the
 * error rethrown: LAYER_UNSAFE, LAYER_TOO_LARGE, MEDIA_TYPE_UNSUPPORTED, DIGEST_MISMATCH,
 * DIGEST_INVALID, DATA_DIR_UNUSABLE, or a system error (ENOSPC, EIO) as Node raised it;
 * a DATA_DIR_UNUSABLE target is left as it was, since it was not ours.
 *
 * For a blob on disk pass fs.createReadStream(file, { highWaterMark: 1 << 20 }): each read
 * is a thread-pool round trip, and with the default 64 KiB a layer of big files unpacked
 * 2–3x slower on the bench.
 */
export async function unpackLayer(source: LayerSource, targetDir: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  const root = path.resolve(targetDir);
  const started = performance.now();
  let budget: Budget;
  try {
    budget = new Budget(options.limits);
    const expected = options.expectedDiffId;
    if (expected !== undefined && !DIFF_ID.test(expected)) {
      throw new SkerryError('DIGEST_INVALID', `expected diffId ${JSON.stringify(expected)} is not sha256:<64 hex digits>`);
    }
    prepareTarget(root);
  } catch (error) {
    release(source);
    throw error;
  }

  try {
    const result = await extract(source, options.compression ?? 'auto', root, budget);
    if (options.expectedDiffId !== undefined && result.diffId !== options.expectedDiffId) {
      throw new SkerryError('DIGEST_MISMATCH', `layer unpacked into ${root} hashes to ${result.diffId}, not the expected ${options.expectedDiffId}`, {
        expected: options.expectedDiffId,
        got: result.diffId,
      });
    }
    const ms = performance.now() - started;
    log.info({ dir: root, diffId: result.diffId, entries: result.entries, bytes: result.bytes, skipped: result.skipped.length, ms: Math.round(ms) }, 'layer unpacked');
    return result;
  } catch (error) {
    try {
      await fs.promises.rm(root, { recursive: true, force: true });
    } catch (rmError) {
      log.error({ dir: root, err: rmError }, 'could not remove the directory of a failed layer unpack');
    }
    log.warn({ dir: root, code: isSkerryError(error) ? error.code : (error as NodeJS.ErrnoException).code, err: error }, 'layer unpack failed; its directory was removed');
    throw error;
  }
}

/** Makes the target directory, private to us while we write, or adopts an empty one. */
function prepareTarget(root: string): void {
  try {
    fs.mkdirSync(root, 0o700);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new SkerryError('DATA_DIR_UNUSABLE', `cannot make layer directory ${root}: ${(error as Error).message}`, {}, { cause: error });
    }
  }
  const stat = fs.lstatSync(root);
  if (!stat.isDirectory()) throw new SkerryError('DATA_DIR_UNUSABLE', `layer directory ${root} exists and is not a directory`);
  if (fs.readdirSync(root).length > 0) throw new SkerryError('DATA_DIR_UNUSABLE', `layer directory ${root} is not empty`);
  // As if we had made it: ours, private, no setgid bit handing its group to what we make.
  if (APPLIES_OWNERS) fs.lchownSync(root, process.geteuid!(), process.getegid!());
  fs.chmodSync(root, 0o700);
}

/** Lets go of a source we will not read. */
function release(source: LayerSource): void {
  const stream = source as { destroy?: () => void };
  if (typeof stream.destroy === 'function') stream.destroy();
}

async function extract(source: LayerSource, compression: Compression, root: string, budget: Budget): Promise<UnpackResult> {
  const writer = acquireFileWriter();
  try {
    return await extractWith(source, compression, root, budget, writer);
  } finally {
    // Before the caller removes a failed layer's directory: the writer threads must be done with it.
    writer?.release();
  }
}

async function extractWith(source: LayerSource, compression: Compression, root: string, budget: Budget, writer: FileWriter | undefined): Promise<UnpackResult> {
  const tree = new LayerTree(root, (relative) => budget.countEntry(relative), writer);
  const materializer = new Materializer(tree, budget.limits.maxNameBytes, writer);
  let entries = 0;
  const reader = new TarReader({
    entry(header) {
      const index = ++entries;
      budget.countEntry(index);
      const entry = readEntry(header, index, budget.limits.maxNameBytes);
      budget.declare(entry.size, entry);
      materializer.apply(entry);
    },
    data: (piece) => materializer.data(piece),
    end: () => materializer.end(),
  });
  const hash = new DiffIdDigest();
  let input: ReadAhead;
  try {
    input = new ReadAhead(tarStream(source, compression));
  } catch (error) {
    hash.stop();
    throw error;
  }
  try {
    for (let chunk = await input.next(); chunk !== undefined; chunk = await input.next()) {
      for (let offset = 0; offset < chunk.length; offset += FEED_BYTES) {
        const piece = chunk.length <= FEED_BYTES ? chunk : chunk.subarray(offset, offset + FEED_BYTES);
        budget.stream(piece.length);
        hash.add(piece);
        reader.write(piece);
      }
      // Files read so far go to the writer now, not only once a slot fills up.
      writer?.kick();
    }
    reader.end();
    tree.finish();
  } catch (error) {
    let failure = error;
    try {
      // Files queued before the failing entry come first: their failure, if any, is the layer's first.
      writer?.settle();
    } catch (writeError) {
      failure = writeError;
    }
    try {
      materializer.stop();
    } catch (closeError) {
      log.warn({ dir: root, err: closeError }, 'could not close the file of a failed layer unpack');
    }
    hash.stop();
    throw failure instanceof TarFormatError ? new SkerryError('LAYER_UNSAFE', `the tar stream is not valid: ${failure.message}`, {}, { cause: failure }) : failure;
  } finally {
    input.stop();
  }
  return { diffId: hash.diffId(), bytes: materializer.bytes, entries, skipped: materializer.skips() };
}

