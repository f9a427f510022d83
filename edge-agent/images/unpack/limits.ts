// How much one layer may make us write. Every check runs before the bytes or inodes it
// guards exist on disk, so a hostile layer is stopped at the limit, never after it.
import { SkerryError } from '../../../common/index.ts';

export interface UnpackLimits {
  /** File content bytes, summed from the sizes the tar declares, checked before a byte is written. */
  maxBytes: number;
  /** Tar entries plus the parent directories the unpacker makes for names whose parents the tar omits. */
  maxEntries: number;
  /** Longest entry or link name in UTF-8 bytes; 4096 when absent. */
  maxNameBytes?: number;
}

const GiB = 2 ** 30;

/**
 * 16 GiB: the largest public layers (CUDA and ML framework layers) are 5–10 GiB unpacked,
 * and an edge node rarely has more disk than this to give one layer. 1,000,000 entries:
 * full distribution images hold 100,000–300,000 files, and each inode costs the kernel
 * and our directory index memory. 4096 bytes is PATH_MAX: the kernel refuses longer paths.
 */
export const DEFAULT_UNPACK_LIMITS: Readonly<Required<UnpackLimits>> = Object.freeze({
  maxBytes: 16 * GiB,
  maxEntries: 1_000_000,
  maxNameBytes: 4096,
});

/**
 * Headers, PAX records, GNU long names and padding the tar stream may carry beyond its
 * declared file sizes: this much per entry (an xattr may be 64 KiB) plus a fixed slack for
 * the archive's end blocks and one entry's worth of oversized headers. It is what stops a
 * stream of zero blocks (a gzip bomb that declares nothing) without a size to check.
 */
const STREAM_OVERHEAD_PER_ENTRY = 64 * 1024;
const STREAM_OVERHEAD_SLACK = 16 * 1024 * 1024;

/** Counts what a layer has declared and streamed against its limits. */
export class Budget {
  readonly limits: Required<UnpackLimits>;
  entries = 0;
  declaredBytes = 0;
  streamBytes = 0;

  constructor(limits: UnpackLimits | undefined) {
    const merged = { ...DEFAULT_UNPACK_LIMITS, ...limits };
    merged.maxNameBytes ??= DEFAULT_UNPACK_LIMITS.maxNameBytes;
    for (const [key, value] of Object.entries(merged)) {
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`unpack limit ${key} must be a non-negative integer, not ${String(value)}`);
    }
    this.limits = merged;
  }

  /** One more inode: tar entry number `what`, or a parent directory (by name) the tar left out. */
  countEntry(what: number | string): void {
    if (++this.entries > this.limits.maxEntries) {
      const label = typeof what === 'number' ? `entry #${what}` : `the parent directory "${what}" (not in the tar)`;
      throw new SkerryError('LAYER_TOO_LARGE', `${label} is past the limit of ${this.limits.maxEntries} entries`, { limit: 'maxEntries', value: this.limits.maxEntries });
    }
  }

  /** Charges an entry's declared size before any of it is written. */
  declare(size: number, entry: { index: number; name: string }): void {
    if (size > this.limits.maxBytes - this.declaredBytes) {
      throw new SkerryError('LAYER_TOO_LARGE', `entry #${entry.index} ${JSON.stringify(entry.name)} declares ${size} bytes, which with the ${this.declaredBytes} before it is past the limit of ${this.limits.maxBytes} bytes`, {
        limit: 'maxBytes',
        value: this.limits.maxBytes,
        entry: entry.index,
      });
    }
    this.declaredBytes += size;
  }

  /** Charges decompressed tar bytes as they arrive, before the parser sees them. */
  stream(bytes: number): void {
    this.streamBytes += bytes;
    const allowed = this.declaredBytes + (this.entries + 1) * STREAM_OVERHEAD_PER_ENTRY + STREAM_OVERHEAD_SLACK;
    if (this.streamBytes > allowed) {
      throw new SkerryError('LAYER_TOO_LARGE', `the tar stream has ${this.streamBytes} bytes, more than its ${this.entries} entries' ${this.declaredBytes} declared bytes and headers can explain (a decompression bomb or padding)`, { limit: 'stream', value: allowed });
    }
  }
}
