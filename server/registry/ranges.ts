// Byte ranges: the Range a puller sends to resume a blob (RFC 9110 §14) and the
// Content-Range a pusher sends with each chunk of an upload (distribution spec).
import { RegistryError } from './errors.ts';

/** Inclusive byte positions, as HTTP writes them. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The part of a `size`-byte blob a Range header asks for: undefined for the whole blob
 * (no header, or one we may ignore: other units, several ranges, bad syntax — RFC 9110
 * lets a server answer those with 200), 'unsatisfiable' when it starts past the end (416).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const last = match[2] === '' ? Infinity : Number(match[2]);
  if (last < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(last, size - 1) };
}

/** The Content-Range of an upload chunk, "<start>-<end>"; undefined when absent. */
export function parseChunkRange(header: string | undefined): ByteRange | undefined {
  if (header === undefined) return undefined;
  // distribution writes "0-99"; HTTP's own form "bytes 0-99/*" is taken too.
  const match = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  const range = match ? { start: Number(match[1]), end: Number(match[2]) } : undefined;
  if (!range || range.end < range.start || !Number.isSafeInteger(range.end)) {
    throw new RegistryError('BLOB_UPLOAD_INVALID', `Content-Range ${JSON.stringify(header.slice(0, 100))} must be <start>-<end> with end >= start`);
  }
  return range;
}

/** The Range header of an upload holding `size` bytes; distribution writes 0-0 when empty. */
export function uploadRangeHeader(size: number): string {
  return `0-${Math.max(0, size - 1)}`;
}
