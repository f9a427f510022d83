// Test support for the unpacker: layers built with tar-stream's pack(), raw tar headers for
// what pack() refuses to write (hostile names, types and sizes), and a canary tree beside
// the target whose hash must never change. Not imported by the unpacker itself.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import tar from 'tar-stream';
import { isSkerryError, type ErrorCode, type SkerryError } from '../../../common/index.ts';
import { unpackLayer, type UnpackOptions, type UnpackResult } from './unpack.ts';
import type { LayerSource } from './decompress.ts';

export interface PackEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device' | 'block-device';
  data?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  devmajor?: number;
  devminor?: number;
  /** Extra PAX records (pack() then writes the entry with a PAX header). */
  pax?: Record<string, string>;
}

export const MTIME = new Date('2024-01-02T03:04:05Z');

/** A tar built by tar-stream's own pack(). */
export async function packTar(entries: PackEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const header = {
      name: entry.name,
      type,
      mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      mtime: entry.mtime ?? MTIME,
      linkname: entry.linkname,
      devmajor: entry.devmajor,
      devminor: entry.devminor,
      pax: entry.pax,
    } as Parameters<typeof pack.entry>[0];
    await new Promise<void>((resolve, reject) => {
      const data = entry.data === undefined ? undefined : Buffer.from(entry.data);
      if (data) pack.entry(header, data, (error) => (error ? reject(error) : resolve()));
      else pack.entry(header, (error) => (error ? reject(error) : resolve())).end(undefined);
    });
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

export interface RawEntry {
  name: string | Buffer;
  /** The typeflag byte, as a character ('0', '5', 'S', 'L', 'x', ...). */
  typeflag?: string;
  /** Declared size; defaults to the data's length. */
  size?: number;
  /** Data bytes actually written after the header (padded to 512). */
  data?: Buffer;
  linkname?: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  magic?: 'ustar' | 'gnu';
  /** Overwrites the checksum with a wrong one. */
  badChecksum?: boolean;
}

function octal(buf: Buffer, value: number, offset: number, length: number): void {
  buf.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'latin1');
}

/** One tar header (and its padded data) written byte by byte: anything pack() would refuse. */
export function rawEntry(entry: RawEntry): Buffer {
  const header = Buffer.alloc(512);
  Buffer.from(entry.name).copy(header, 0, 0, 100);
  octal(header, entry.mode ?? 0o644, 100, 8);
  octal(header, entry.uid ?? 0, 108, 8);
  octal(header, entry.gid ?? 0, 116, 8);
  const data = entry.data ?? Buffer.alloc(0);
  const size = entry.size ?? data.length;
  if (size >= 8 ** 11) {
    // GNU base-256 for sizes that do not fit 11 octal digits.
    header[124] = 0x80;
    let rest = BigInt(size);
    for (let i = 135; i > 124; i--) {
      header[i] = Number(rest & 0xffn);
      rest >>= 8n;
    }
  } else {
    octal(header, size, 124, 12);
  }
  octal(header, entry.mtime ?? Math.floor(MTIME.getTime() / 1000), 136, 12);
  header.write(entry.typeflag ?? '0', 156, 1, 'latin1');
  if (entry.linkname !== undefined) Buffer.from(entry.linkname).copy(header, 157, 0, 100);
  if (entry.magic === 'gnu') header.write('ustar  \0', 257, 8, 'latin1');
  else header.write('ustar\x0000', 257, 8, 'latin1');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  if (entry.badChecksum) sum += 1;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  const padding = (512 - (data.length % 512)) % 512;
  return Buffer.concat([header, data, Buffer.alloc(padding)]);
}

/** A PAX extended header ('x') carrying `records` for the entry that follows. */
export function paxHeader(records: Record<string, string | Buffer>): Buffer {
  const body = Buffer.concat(
    Object.entries(records).map(([key, value]) => {
      const text = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
      let length = text.length + 1;
      while (String(length).length + text.length !== length) length = String(length).length + text.length;
      return Buffer.concat([Buffer.from(String(length)), text]);
    }),
  );
  return rawEntry({ name: 'PaxHeader', typeflag: 'x', data: body });
}

/** A GNU long name ('L') or long link name ('K') for the entry that follows. */
export function gnuLong(kind: 'L' | 'K', name: string | Buffer): Buffer {
  return rawEntry({ name: '././@LongLink', typeflag: kind, data: Buffer.concat([Buffer.from(name), Buffer.alloc(1)]), magic: 'gnu' });
}

/** The two zero blocks that end an archive. */
export const END = Buffer.alloc(1024);

export function rawTar(...parts: Buffer[]): Buffer {
  return Buffer.concat([...parts, END]);
}

export interface Sandbox {
  /** The temp dir holding everything; only `canary` and (after success) `target` may be in it. */
  base: string;
  /** Where the layer is unpacked (does not exist before). */
  target: string;
  /** A tree outside the target that no layer may change. */
  canary: string;
  /** Hash of the canary tree and of the base dir's listing. */
  fingerprint(): string;
}

/**
 * A fresh temp dir with a canary tree (files, a subdir, a symlink to a file and one to the
 * subdir) beside the target path; removed at teardown.
 */
export function sandbox(t: { teardown(fn: () => void): void }): Sandbox {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-unpack-'));
  t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
  const canary = path.join(base, 'canary');
  fs.mkdirSync(path.join(canary, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(canary, 'file'), 'canary file\n');
  fs.writeFileSync(path.join(canary, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  fs.writeFileSync(path.join(canary, 'sub', 'deep'), 'deep canary\n');
  fs.chmodSync(path.join(canary, 'passwd'), 0o644);
  fs.symlinkSync('file', path.join(canary, 'link-to-file'));
  fs.symlinkSync(path.join(canary, 'sub'), path.join(canary, 'link-to-sub'));
  return { base, target: path.join(base, 'layer'), canary, fingerprint: () => fingerprint(base, canary) };
}

/** What a tree is: every node's path, type, mode, owner, size, mtime, link target and content hash. */
export function hashTree(root: string): string {
  const hash = crypto.createHash('sha256');
  const walk = (dir: string, relative: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const where = path.join(dir, name);
      const rel = `${relative}/${name}`;
      const stat = fs.lstatSync(where);
      hash.update(`${rel} ${stat.mode} ${stat.uid}:${stat.gid} ${stat.size} ${stat.mtimeMs} ${stat.nlink} ${stat.rdev}\n`);
      if (stat.isSymbolicLink()) hash.update(`-> ${fs.readlinkSync(where)}\n`);
      else if (stat.isFile()) hash.update(fs.readFileSync(where));
      else if (stat.isDirectory()) walk(where, rel);
    }
  };
  const stat = fs.lstatSync(root);
  hash.update(`. ${stat.mode} ${stat.uid}:${stat.gid} ${stat.mtimeMs}\n`);
  walk(root, '');
  return hash.digest('hex');
}

function fingerprint(base: string, canary: string): string {
  return `${hashTree(canary)} ${fs.readdirSync(base).sort().join(',')}`;
}

/** A stream of `buffer` in chunks of `size` bytes (to cross header boundaries). */
export async function* chunked(buffer: Buffer, size = 4096): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < buffer.length; offset += size) yield buffer.subarray(offset, offset + size);
}

/** The tar of a directory tree, as pack() writes it: modes, owners, times, symlinks, hard links. */
export async function packDirectory(root: string): Promise<Buffer> {
  const entries: PackEntry[] = [];
  const seen = new Map<string, string>();
  const walk = (dir: string, relative: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const where = path.join(dir, name);
      const rel = relative ? `${relative}/${name}` : name;
      const stat = fs.lstatSync(where);
      const base = { name: rel, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid, mtime: stat.mtime };
      if (stat.isDirectory()) {
        entries.push({ ...base, name: `${rel}/`, type: 'directory' });
        walk(where, rel);
      } else if (stat.isSymbolicLink()) {
        entries.push({ ...base, type: 'symlink', linkname: fs.readlinkSync(where) });
      } else if (stat.isFile()) {
        const inode = `${stat.dev}:${stat.ino}`;
        const first = seen.get(inode);
        if (first !== undefined) entries.push({ ...base, type: 'link', linkname: first });
        else {
          seen.set(inode, rel);
          entries.push({ ...base, type: 'file', data: fs.readFileSync(where) });
        }
      }
    }
  };
  const stat = fs.lstatSync(root);
  entries.push({ name: './', type: 'directory', mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid, mtime: stat.mtime });
  walk(root, '');
  return packTar(entries);
}

export const isRoot = process.getuid?.() === 0;

/** A title suffix saying why a root-only test is skipped. */
export const NEEDS_ROOT = isRoot ? '' : ' (skipped: needs root for mknod, trusted.* xattrs and chown)';

function source(layer: Buffer | LayerSource): LayerSource {
  return Buffer.isBuffer(layer) ? chunked(layer, 64 * 1024) : layer;
}

/**
 * Unpacks a layer that must be accepted; checks that the canary did not change and that
 * nothing but the target appeared beside it.
 */
export async function expectUnpacked(t: ExecutionContext, box: Sandbox, layer: Buffer | LayerSource, options?: UnpackOptions): Promise<UnpackResult> {
  const before = box.fingerprint();
  const result = await unpackLayer(source(layer), box.target, options);
  t.is(box.fingerprint(), before.replace(/ canary$/, ' canary,layer'), 'the canary tree is unchanged and only the target appeared');
  return result;
}

/**
 * Unpacks a layer that must be refused with `code` (and a message matching `message`);
 * checks that the canary did not change and that the target is gone.
 */
export async function expectRefused(
  t: ExecutionContext,
  box: Sandbox,
  layer: Buffer | LayerSource,
  code: ErrorCode,
  message?: RegExp,
  options?: UnpackOptions,
): Promise<SkerryError> {
  const before = box.fingerprint();
  const error = await t.throwsAsync(unpackLayer(source(layer), box.target, options));
  t.true(isSkerryError(error, code), `expected ${code}, got ${String(error)}`);
  if (message) t.regex(error!.message, message);
  t.is(box.fingerprint(), before, 'the canary tree is unchanged and nothing is left beside it');
  t.false(fs.existsSync(box.target), 'the target directory was removed');
  return error as SkerryError;
}
