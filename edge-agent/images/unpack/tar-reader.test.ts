// The tar reader against tar-stream's extractor (which the image import uses) and GNU tar's
// own archives, cut into pieces of every size; and the places where tar readers differ,
// where it reads as Go's archive/tar (Docker, containerd) does.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tar from 'tar-stream';
import { END, gnuLong, packTar, paxHeader, rawEntry, rawTar } from './fixtures.ts';
import type { RawHeader } from './tar-block.ts';
import { MAX_META_BYTES, TarReader } from './tar-reader.ts';

/** An entry's header fields, and the start of its data's hash. */
type Seen = Pick<RawHeader, 'name' | 'type' | 'size' | 'mode' | 'uid' | 'gid' | 'mtime' | 'linkname'> & { data: string };

/** Every entry as the reader hands it over, with a hash of its data; input cut into `piece`-byte parts. */
function read(archive: Buffer, piece = archive.length): Seen[] {
  const seen: Seen[] = [];
  let hash: crypto.Hash | undefined;
  let current: Omit<Seen, 'data'> | undefined;
  let ends = 0;
  const reader = new TarReader({
    entry(header: RawHeader) {
      current = { name: header.name, type: header.type, size: header.size, mode: header.mode, uid: header.uid, gid: header.gid, mtime: header.mtime, linkname: header.linkname };
      hash = crypto.createHash('sha256');
    },
    data(bytes) {
      hash!.update(bytes);
    },
    end() {
      ends++;
      seen.push({ ...current!, data: hash!.digest('hex').slice(0, 16) });
    },
  });
  for (let at = 0; at < archive.length; at += piece) reader.write(archive.subarray(at, at + piece));
  reader.end();
  if (ends !== seen.length) throw new Error('end() without entry()');
  return seen;
}

/** The same, as tar-stream's extractor reads it (latin1 names, as the unpacker asks for). */
async function readWithTarStream(archive: Buffer): Promise<Seen[]> {
  const extract = tar.extract({ filenameEncoding: 'latin1' } as Parameters<typeof tar.extract>[0]);
  const seen: Seen[] = [];
  extract.on('entry', (header, stream, next) => {
    const hash = crypto.createHash('sha256');
    stream.on('data', (chunk: unknown) => hash.update(chunk as Buffer));
    stream.on('end', () => {
      seen.push({
        name: header.name,
        type: header.type ?? null,
        size: header.size ?? 0,
        mode: header.mode ?? 0,
        uid: header.uid ?? 0,
        gid: header.gid ?? 0,
        mtime: header.mtime!.getTime() / 1000,
        linkname: header.linkname ?? null,
        data: hash.digest('hex').slice(0, 16),
      });
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(archive);
  await done;
  return seen;
}

function gnuTar(t: { teardown(fn: () => void): void }, format: 'gnu' | 'posix'): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-tar-reader-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const root = path.join(dir, 'root');
  const deep = path.join(root, 'a'.repeat(90), 'b'.repeat(90));
  fs.mkdirSync(deep, { recursive: true });
  fs.writeFileSync(path.join(deep, `${'c'.repeat(120)}.txt`), 'long name\n');
  fs.writeFileSync(path.join(root, 'empty'), '');
  fs.writeFileSync(path.join(root, 'block'), crypto.randomBytes(512));
  fs.writeFileSync(path.join(root, 'odd'), crypto.randomBytes(70_001));
  fs.writeFileSync(path.join(root, 'naïve'), 'utf-8 name\n');
  fs.chmodSync(path.join(root, 'odd'), 0o4755);
  fs.symlinkSync(`../${'l'.repeat(150)}`, path.join(root, 'long-link'));
  fs.linkSync(path.join(root, 'odd'), path.join(root, 'odd-hard'));
  const file = path.join(dir, `${format}.tar`);
  execFileSync('tar', [`--format=${format}`, '--sort=name', '--numeric-owner', '--owner=1234', '--group=5678', '--mtime=@1700000000', '-C', root, '-cf', file, '.']);
  return fs.readFileSync(file);
}

test('GNU tar archives (GNU long names, POSIX PAX records) read as tar-stream reads them, in pieces of any size', async (t) => {
  for (const format of ['gnu', 'posix'] as const) {
    const archive = gnuTar(t, format);
    const expected = await readWithTarStream(archive);
    t.true(expected.some((e) => e.name.includes('c'.repeat(120))), 'the long name is there');
    t.true(expected.some((e) => e.linkname === `../${'l'.repeat(150)}`), 'the long link target is there');
    for (const piece of [archive.length, 65536, 4096, 513, 511, 100, 7, 1]) {
      t.deepEqual(read(archive, piece), expected, `${format}, pieces of ${piece} bytes`);
    }
  }
});

test('tar-stream pack() output with PAX records (long and UTF-8 names) reads the same as with tar-stream', async (t) => {
  const archive = await packTar([
    { name: 'dir/', type: 'directory', mode: 0o750, uid: 7, gid: 8 },
    { name: `dir/${'x'.repeat(150)}`, data: 'pax path', mode: 0o600 },
    { name: 'über/naïve', data: 'utf-8 via pax' },
    { name: 'link', type: 'symlink', linkname: 'y'.repeat(130) },
    { name: 'fifo', type: 'fifo' },
    { name: 'big', data: crypto.randomBytes(100_000) },
  ]);
  const expected = await readWithTarStream(archive);
  for (const piece of [archive.length, 1000, 512, 3]) t.deepEqual(read(archive, piece), expected);
  t.is(expected.length, 6);
});

test('the archive ends at two zero blocks: what follows is never read as entries', (t) => {
  const hidden = rawEntry({ name: 'hidden', data: Buffer.from('after the end') });
  const archive = Buffer.concat([rawEntry({ name: 'shown', data: Buffer.from('x') }), END, hidden, END]);
  t.deepEqual(read(archive).map((e) => e.name), ['shown']);
  t.deepEqual(read(archive, 100).map((e) => e.name), ['shown']);
});

test('a lone zero block before more headers is refused; one at the very end is an end', (t) => {
  const lone = Buffer.concat([rawEntry({ name: 'a', data: Buffer.from('x') }), Buffer.alloc(512), rawEntry({ name: 'b', data: Buffer.from('y') }), END]);
  t.throws(() => read(lone), { message: /lone zero block/ });
  const short = Buffer.concat([rawEntry({ name: 'a', data: Buffer.from('x') }), Buffer.alloc(512)]);
  t.deepEqual(read(short).map((e) => e.name), ['a']);
  t.deepEqual(read(rawEntry({ name: 'a', data: Buffer.from('x') })).map((e) => e.name), ['a'], 'no end blocks at all: ends between entries');
});

test('global PAX headers are ignored; a GNU long name wins over a PAX path, as in Go', (t) => {
  const globalRecords = Buffer.from('20 path=from-global\n');
  const archive = rawTar(
    rawEntry({ name: 'global', typeflag: 'g', data: globalRecords }),
    rawEntry({ name: 'plain', data: Buffer.from('x') }),
    paxHeader({ path: 'from-pax' }),
    gnuLong('L', 'from-gnu'),
    rawEntry({ name: 'short', data: Buffer.from('y'), magic: 'gnu' }),
  );
  t.deepEqual(read(archive).map((e) => e.name), ['plain', 'from-gnu']);
});

test('a global header drops the PAX records and long names before it; an empty long name overrides nothing', (t) => {
  const globalRecords = Buffer.from('20 path=from-global\n');
  const archive = rawTar(
    paxHeader({ path: 'evil-pax' }),
    gnuLong('L', 'evil-gnu'),
    rawEntry({ name: 'global', typeflag: 'g', data: globalRecords }),
    rawEntry({ name: 'good', data: Buffer.from('x') }),
    gnuLong('L', ''),
    gnuLong('K', ''),
    rawEntry({ name: 'kept', typeflag: '2', linkname: 'target', magic: 'gnu' }),
  );
  t.deepEqual(read(archive).map((e) => [e.name, e.linkname]), [['good', null], ['kept', 'target']]);
});

test('a stream ending in a zero block and part of another is refused', (t) => {
  const archive = Buffer.concat([rawEntry({ name: 'a', data: Buffer.from('x') }), Buffer.alloc(512), Buffer.alloc(100)]);
  t.throws(() => read(archive), { message: /Unexpected end of data/ });
});

test('PAX records override size, uid, gid and mtime; a bad PAX size or record is refused', (t) => {
  const archive = rawTar(paxHeader({ size: '3', uid: '4000000000', mtime: '1700000000.5' }), rawEntry({ name: 'f', size: 0, data: Buffer.alloc(0) }), Buffer.from('abc'.padEnd(512, '\0')));
  const seen = new TarReader({ entry: (h) => t.deepEqual([h.size, h.pax?.uid, h.pax?.mtime], [3, '4000000000', '1700000000.5']), data: () => {}, end: () => {} });
  seen.write(archive);
  seen.end();
  t.throws(() => read(rawTar(paxHeader({ size: '-1' }), rawEntry({ name: 'f', data: Buffer.from('x') }))), { message: /PAX size record "-1" is not a byte count/ });
  const malformed = rawEntry({ name: 'PaxHeader', typeflag: 'x', data: Buffer.from('99 path=x\n') });
  t.throws(() => read(rawTar(malformed, rawEntry({ name: 'f', data: Buffer.from('x') }))), { message: /PAX record at byte 0 .* is malformed/ });
  const noKey = rawEntry({ name: 'PaxHeader', typeflag: 'x', data: Buffer.from('9 nokey\n') });
  t.throws(() => read(rawTar(noKey, rawEntry({ name: 'f', data: Buffer.from('x') }))), { message: /malformed|no key=value/ });
});

test('header fields: octal padded with spaces and NULs, base-256 sizes, signed checksums; garbage is refused naming the field', (t) => {
  const header = rawEntry({ name: 'f', data: Buffer.from('x') }).subarray(0, 512);
  const withField = (at: number, field: string | Buffer) => {
    const h = Buffer.from(header);
    (typeof field === 'string' ? Buffer.from(field, 'latin1') : field).copy(h, at);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of h) sum += byte;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    return h;
  };
  const decode = (h: Buffer) => {
    let got: RawHeader | undefined;
    new TarReader({ entry: (e) => (got = e), data: () => {}, end: () => {} }).write(h);
    return got!;
  };
  t.is(decode(withField(100, '  644 \0\0')).mode, 0o644);
  t.is(decode(withField(100, '\0\0\0\0\0\0\0\0')).mode, 0);
  t.is(decode(withField(100, '0000644\0')).mode, 0o644);
  t.throws(() => decode(withField(100, '0000694\0')), { message: /its mode field is not an octal number/ });
  t.throws(() => decode(withField(108, '12a4567\0')), { message: /its uid field is not an octal number/ });
  const big = Buffer.alloc(12);
  big[0] = 0x80;
  big.writeUIntBE(2 ** 40, 6, 6);
  t.is(decode(withField(124, big)).size, 2 ** 40);
  const negative = Buffer.alloc(12, 0xff);
  t.throws(() => decode(withField(124, negative)), { message: /its size field is negative/ });

  // A checksum summed over signed bytes (old tars) is accepted, a wrong one is not.
  const high = Buffer.from(header);
  high.write('\xe9t\xe9', 0, 'latin1');
  high.fill(0x20, 148, 156);
  let signed = 0;
  for (const byte of high) signed += byte < 128 ? byte : byte - 256;
  high.write(`${signed.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  t.is(decode(high).name, '\xe9t\xe9');
  high[153] = high[153]! ^ 1;
  t.throws(() => decode(high), { message: /checksum does not match/ });

  const noMagic = withField(257, '\0\0\0\0\0\0\0\0');
  t.throws(() => decode(noMagic), { message: /unknown format/ });
});

test('the checksum is the same sum wherever the header lies in memory; one changed byte anywhere but its field is refused', (t) => {
  // Bytes that reach every 16-bit lane's limit: 0xff everywhere a header may hold it.
  const header = rawEntry({ name: 'f', data: Buffer.from('x') }).subarray(0, 512);
  header.fill(0xff, 0, 100);
  header.fill(0xff, 345, 500);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  for (let shift = 0; shift < 8; shift++) {
    const memory = Buffer.alloc(512 + 8);
    header.copy(memory, shift);
    const at = memory.subarray(shift, shift + 512);
    let got: RawHeader | undefined;
    new TarReader({ entry: (e) => (got = e), data: () => {}, end: () => {} }).write(at);
    t.is(got?.size, 1, `header at byte ${shift}`);
    t.is(got?.name.length, 155 + 1 + 100);
    for (const changed of [0, 147, 156, 256, 511]) {
      const bad = Buffer.from(memory);
      bad[shift + changed] = bad[shift + changed]! ^ 0x10;
      t.throws(() => new TarReader({ entry: () => {}, data: () => {}, end: () => {} }).write(bad.subarray(shift, shift + 512)), { message: /checksum does not match/ }, `byte ${changed} at shift ${shift}`);
    }
  }
});

test('a stream that stops inside a header, inside data, or after a PAX header is refused', (t) => {
  const entry = rawEntry({ name: 'f', data: Buffer.from('x'.repeat(1000)) });
  t.throws(() => read(entry.subarray(0, 300)), { message: /Unexpected end of data: .* inside a header/ });
  t.throws(() => read(entry.subarray(0, 900)), { message: /Unexpected end of data: .* inside an entry's data/ });
  t.throws(() => read(entry.subarray(0, 1520)), { message: /Unexpected end of data: .* inside an entry's data/ }, 'in the padding');
  t.throws(() => read(paxHeader({ path: 'x' })), { message: /Unexpected end of data/ });
});

test('a PAX header or GNU long name larger than 4 MiB is refused before it is gathered', (t) => {
  const huge = rawEntry({ name: '././@LongLink', typeflag: 'L', size: MAX_META_BYTES + 1, magic: 'gnu' });
  t.throws(() => read(huge), { message: /gnu-long-path of 4194305 bytes is larger than the limit/ });
});

test('a throw from the handler stops the reader at that entry', (t) => {
  const archive = rawTar(rawEntry({ name: 'a', data: Buffer.from('x') }), rawEntry({ name: 'b', data: Buffer.from('y') }), rawEntry({ name: 'c' }));
  const names: string[] = [];
  const reader = new TarReader({
    entry(h) {
      if (h.name === 'b') throw new Error('refused b');
      names.push(h.name);
    },
    data: () => {},
    end: () => {},
  });
  t.throws(() => reader.write(archive), { message: 'refused b' });
  t.deepEqual(names, ['a']);
});
