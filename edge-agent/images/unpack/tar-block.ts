// One 512-byte tar header block, a PAX record set and a GNU long name, decoded from their
// bytes. The fields are read as Go's archive/tar reads them (it writes and reads the layers
// Docker, BuildKit and containerd handle): ustar and GNU magic, the checksum as an unsigned
// or a signed byte sum, octal numbers padded with spaces and NULs, GNU base-256 numbers.
// Anything else is an error naming the field; nothing is guessed.

/** A header as read from the block, before the checks of header.ts. */
export interface RawHeader {
  /** Header and GNU long names: latin1, one character per byte. PAX names: UTF-8 text. */
  name: string;
  linkname: string | null;
  /** The entry type's name, or null for a typeflag no layer may hold. */
  type: string | null;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** The entry's PAX records, if a PAX header came before it. */
  pax: Record<string, string> | null;
  /** Whether name (and linkname) came from a PAX record, as UTF-8 text, rather than as bytes. */
  nameFromPax: boolean;
  linkFromPax: boolean;
}

/** A tar stream that is not one: the unpacker reports it as LAYER_UNSAFE. */
export class TarFormatError extends Error {}

const TYPES: Record<number, string> = {
  0: 'file',
  0x30: 'file',
  0x31: 'link',
  0x32: 'symlink',
  0x33: 'character-device',
  0x34: 'block-device',
  0x35: 'directory',
  0x36: 'fifo',
  0x37: 'contiguous-file',
  0x78: 'pax-header',
  0x67: 'pax-global-header',
  0x4c: 'gnu-long-path',
  0x4b: 'gnu-long-link-path',
};

/** True for the all-zero blocks that end an archive. */
export function isZeroBlock(block: Buffer, at: number): boolean {
  for (let i = at; i < at + 512; i += 4) {
    if (block.readInt32LE(i) !== 0) return false;
  }
  return true;
}

/** Decodes the header block at `at` (512 bytes, not all zero). */
export function decodeHeader(block: Buffer, at: number): RawHeader {
  const magic = formatOf(block, at);
  if (magic === undefined) throw new TarFormatError('Invalid tar header: unknown format (no ustar or GNU magic)');
  checkSum(block, at);
  let name = text(block, at, 100);
  if (magic === 'ustar' && block[at + 345] !== 0) name = `${text(block, at + 345, 155)}/${name}`;
  return {
    name,
    linkname: block[at + 157] === 0 ? null : text(block, at + 157, 100),
    type: TYPES[block[at + 156]!] ?? null,
    mode: number(block, at + 100, 8, 'mode'),
    uid: number(block, at + 108, 8, 'uid'),
    gid: number(block, at + 116, 8, 'gid'),
    size: number(block, at + 124, 12, 'size'),
    mtime: number(block, at + 136, 12, 'mtime'),
    pax: null,
    nameFromPax: false,
    linkFromPax: false,
  };
}

/**
 * PAX records ("<length> <key>=<value>\n" each, the length counting the whole record).
 * Values are UTF-8 text, as POSIX says; bad bytes become U+FFFD, which names.ts refuses.
 */
export function decodePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = Object.create(null);
  let at = 0;
  while (at < data.length) {
    let space = at;
    let length = 0;
    while (space < data.length && data[space]! >= 0x30 && data[space]! <= 0x39 && space - at < 8) length = length * 10 + data[space++]! - 0x30;
    if (space === at || data[space] !== 0x20 || length <= space - at + 1 || at + length > data.length || data[at + length - 1] !== 0x0a) {
      throw new TarFormatError(`Invalid tar header: a PAX record at byte ${at} of its header is malformed`);
    }
    const equals = data.indexOf(0x3d, space + 1);
    if (equals < 0 || equals >= at + length - 1 || equals === space + 1) {
      throw new TarFormatError(`Invalid tar header: the PAX record at byte ${at} of its header has no key=value`);
    }
    const key = data.toString('utf8', space + 1, equals);
    records[key] = data.toString('utf8', equals + 1, at + length - 1);
    at += length;
  }
  return records;
}

/** A GNU long name or long link name: the bytes up to the first NUL, as latin1. */
export function decodeLongName(data: Buffer): string {
  const end = data.indexOf(0);
  return data.toString('latin1', 0, end < 0 ? data.length : end);
}

function formatOf(block: Buffer, at: number): 'ustar' | 'gnu' | undefined {
  const m = at + 257;
  if (block[m] !== 0x75 || block[m + 1] !== 0x73 || block[m + 2] !== 0x74 || block[m + 3] !== 0x61 || block[m + 4] !== 0x72) return undefined;
  if (block[m + 5] === 0) return 'ustar';
  // GNU: "ustar " then " \0".
  if (block[m + 5] === 0x20 && block[m + 6] === 0x20 && block[m + 7] === 0) return 'gnu';
  return undefined;
}

function checkSum(block: Buffer, at: number): void {
  // The checksum field counts as eight spaces.
  const unsigned = 8 * 0x20 + byteSum(block, at);
  const stored = number(block, at + 148, 8, 'checksum');
  if (stored === unsigned) return;
  // Some old tars summed the bytes as signed chars.
  let signed = unsigned;
  for (let i = at; i < at + 512; i++) {
    if (i === at + 148) i = at + 156;
    if (block[i]! >= 128) signed -= 256;
  }
  if (stored !== signed) throw new TarFormatError('Invalid tar header: the checksum does not match (a corrupt tar, or one that needs gunzip?)');
}

/**
 * The unsigned sum of the header's bytes but its checksum field (bytes 148–155). Summed a
 * 32-bit word at a time where the block is aligned (it nearly always is: whole blocks of a
 * read buffer), two bytes per 16-bit lane: it was the reader's largest cost per entry.
 */
function byteSum(block: Buffer, at: number): number {
  const offset = block.byteOffset + at;
  if ((offset & 3) !== 0) {
    let sum = 0;
    for (let i = at; i < at + 148; i++) sum += block[i]!;
    for (let i = at + 156; i < at + 512; i++) sum += block[i]!;
    return sum;
  }
  const words = new Uint32Array(block.buffer, offset, 128);
  // 126 words of at most 2 × 255 per lane stay below 2^16: no lane carries into the next.
  let lanes = 0;
  for (let i = 0; i < 128; i++) {
    if (i === 37) i = 39;
    const w = words[i]!;
    lanes += (w & 0x00ff00ff) + ((w >>> 8) & 0x00ff00ff);
  }
  return (lanes & 0xffff) + (lanes >>> 16);
}

/** Bytes up to the first NUL within the field, as latin1. */
function text(block: Buffer, at: number, length: number): string {
  let end = at;
  while (end < at + length && block[end] !== 0) end++;
  return block.toString('latin1', at, end);
}

/**
 * A numeric field: GNU base-256 when the top bit of its first byte is set, else octal
 * digits with spaces and NULs trimmed from both ends and the text cut at its first NUL.
 */
function number(block: Buffer, at: number, length: number, field: string): number {
  const first = block[at]!;
  if (first & 0x80) return base256(block, at, length, field);
  let start = at;
  let end = at + length;
  while (start < end && (block[start] === 0x20 || block[start] === 0)) start++;
  while (end > start && (block[end - 1] === 0x20 || block[end - 1] === 0)) end--;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = block[i]!;
    if (c === 0) break;
    if (c < 0x30 || c > 0x37) throw new TarFormatError(`Invalid tar header: its ${field} field is not an octal number`);
    value = value * 8 + (c - 0x30);
  }
  return value;
}

function base256(block: Buffer, at: number, length: number, field: string): number {
  // 0x80 starts a positive number, 0xff a negative one (two's complement).
  const negative = block[at] === 0xff;
  if (!negative && block[at] !== 0x80) throw new TarFormatError(`Invalid tar header: its ${field} field is not a number`);
  let value = 0;
  for (let i = at + 1; i < at + length; i++) {
    value = value * 256 + (negative ? 0xff - block[i]! : block[i]!);
    if (value > Number.MAX_SAFE_INTEGER) throw new TarFormatError(`Invalid tar header: its ${field} field is too large`);
  }
  return negative ? -value - 1 : value;
}
