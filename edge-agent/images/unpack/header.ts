// One tar header, as tar-reader.ts read it, checked and reduced to what the unpacker acts on.
// Every name arrives here after the reader has applied PAX path/linkpath records and GNU
// long names, so overrides go through exactly the checks a plain header name does.
import { SkerryError } from '../../../common/index.ts';
import { decodeName, splitName } from './names.ts';
import type { RawHeader } from './tar-block.ts';

export type EntryType = 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device' | 'block-device';

export interface Entry {
  /** 1-based position in the tar, for messages. */
  index: number;
  /** The decoded name, for messages and skip records. */
  name: string;
  /** Components below the layer root; [] is the root itself. */
  path: string[];
  type: EntryType;
  size: number;
  /** Permission bits with setuid, setgid and sticky: kept, since we never execute them. */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch, fractional from a PAX mtime record. */
  mtime: number;
  /** Symlink target text, or a hard link's name; undefined for other types. */
  link: string | undefined;
  /** Names of xattrs in PAX records: counted and reported, never applied (see unpack.ts). */
  xattrs: string[];
}

/** A LAYER_UNSAFE error naming the entry by position and name. */
export function unsafe(index: number, name: string | undefined, why: string): SkerryError {
  const label = name === undefined ? `entry #${index}` : `entry #${index} ${JSON.stringify(name)}`;
  return new SkerryError('LAYER_UNSAFE', `${label}: ${why}`, { entry: index, name });
}

/** Types that carry no data; a size on one would make tar parsers disagree on where the next header is. */
const HEADER_ONLY = new Set<EntryType>(['directory', 'symlink', 'link', 'fifo', 'character-device', 'block-device']);

const TYPES: Record<string, EntryType> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'directory',
  symlink: 'symlink',
  link: 'link',
  fifo: 'fifo',
  'character-device': 'character-device',
  'block-device': 'block-device',
};

const NO_XATTRS: string[] = [];
const XATTR_RECORD = /^(SCHILY|LIBARCHIVE)\.xattr\./;
const DECIMAL = /^\d{1,15}$/;
const SECONDS = /^-?\d{1,15}(\.\d{1,9})?$/;
/** uid -1 means "leave unchanged" to chown(2); no image means that. */
const MAX_ID = 0xfffffffe;
/** Linux symlink targets are at most PATH_MAX - 1 bytes. */
const MAX_SYMLINK_BYTES = 4095;

export function readEntry(header: RawHeader, index: number, maxNameBytes: number): Entry {
  const pax = header.pax ?? undefined;
  const fromPaxPath = header.nameFromPax;
  const name = decodeName(header.name ?? '', fromPaxPath);
  if (name === undefined) {
    // Refused rather than kept as raw bytes: Node's path handling, our logs, the content
    // store and the Kubernetes API are all text, and a lossy decode could turn two names
    // (or a whiteout and its target) into one. Images with such names are vanishingly rare.
    throw unsafe(index, Buffer.from(header.name, fromPaxPath ? 'utf8' : 'latin1').toString('utf8'), `the name is not valid UTF-8${fromPaxPath ? ' (PAX path record)' : ''}`);
  }

  const rawType = header.type ?? null;
  let type = rawType === null ? undefined : TYPES[rawType];
  if (type === undefined) {
    throw unsafe(index, name, 'its type is not one a layer may hold: GNU sparse files, volume labels, multi-volume parts and vendor types are refused');
  }
  if (pax) {
    for (const key in pax) {
      // PAX sparse files keep a map in the data and the real name elsewhere: written as-is
      // they would be wrong files under a made-up name.
      if (key.startsWith('GNU.sparse.')) throw unsafe(index, name, `it is a sparse file (PAX record ${key}), which skerry does not unpack`);
    }
  }

  const path = splitName(name, maxNameBytes);
  if (typeof path === 'string') throw unsafe(index, name, path);
  // The V7 convention for directories, which GNU tar and Go still read.
  if (type === 'file' && name.endsWith('/')) type = 'directory';

  const size = header.size ?? 0;
  if (!Number.isSafeInteger(size) || size < 0) throw unsafe(index, name, `its size ${String(size)} is not a byte count`);
  if (size > 0 && HEADER_ONLY.has(type)) throw unsafe(index, name, `a ${type} entry declares ${size} bytes of data`);

  const mode = header.mode;
  if (mode === undefined || !Number.isSafeInteger(mode) || mode < 0) throw unsafe(index, name, 'its mode is not a number');
  const uid = paxNumber(pax?.uid, DECIMAL) ?? header.uid;
  const gid = paxNumber(pax?.gid, DECIMAL) ?? header.gid;
  if (!validId(uid)) throw unsafe(index, name, `its uid ${String(uid)} is not a valid id`);
  if (!validId(gid)) throw unsafe(index, name, `its gid ${String(gid)} is not a valid id`);
  let mtime = paxNumber(pax?.mtime, SECONDS) ?? header.mtime;
  // A garbage time is harmless metadata: the epoch, rather than refusing the layer. So is
  // one before it, which Node's utimes would take as "now" and the writer threads would set.
  if (!Number.isFinite(mtime) || mtime < 0) mtime = 0;

  const xattrs = pax ? Object.keys(pax).filter((key) => XATTR_RECORD.test(key)).map((key) => key.replace(XATTR_RECORD, '')) : NO_XATTRS;
  const entry: Entry = { index, name, path, type, size, mode: mode & 0o7777, uid, gid, mtime, xattrs, link: undefined };

  if (type === 'symlink' || type === 'link') {
    const fromPaxLink = header.linkFromPax;
    const rawLink = header.linkname ?? '';
    const link = decodeName(rawLink, fromPaxLink);
    if (link === undefined) throw unsafe(index, name, `its link target is not valid UTF-8${fromPaxLink ? ' (PAX linkpath record)' : ''}`);
    if (link.includes('\0')) throw unsafe(index, name, 'its link target holds a NUL byte');
    const limit = type === 'symlink' ? Math.min(MAX_SYMLINK_BYTES, maxNameBytes) : maxNameBytes;
    const bytes = Buffer.byteLength(link);
    if (bytes > limit) throw unsafe(index, name, `its link target is ${bytes} bytes long, more than the limit of ${limit}`);
    entry.link = link;
  }
  return entry;
}

function validId(id: number | undefined): id is number {
  return id !== undefined && Number.isSafeInteger(id) && id >= 0 && id <= MAX_ID;
}

function paxNumber(value: string | undefined, pattern: RegExp): number | undefined {
  return value !== undefined && pattern.test(value) ? Number(value) : undefined;
}
