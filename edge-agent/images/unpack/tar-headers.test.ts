// tar-stream's header decoder is patched (patches/tar-stream+3.2.2.patch, applied by
// patch-package at npm install) to read the usual numeric fields straight from the bytes.
// The patch must be in place, and every field must read as tar-stream's own code reads it.
import test from 'ava';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
// Not in tar-stream's export map: loaded by its file, the same module its extractor uses.
const headersFile = path.join(path.dirname(require.resolve('tar-stream')), 'headers.js');
const headers = require(headersFile) as { decode(buf: Buffer, encoding?: string, allowUnknownFormat?: boolean): Record<string, unknown> | null };

/** A ustar header with `mode` (8 bytes) as given and a valid checksum. */
function headerWithMode(mode: Buffer, magic = 'ustar\x0000'): Buffer {
  const h = Buffer.alloc(512);
  h.write('file', 0, 'latin1');
  mode.copy(h, 100);
  for (const [at, field] of [[108, '0000000\0'], [116, '0000000\0'], [124, '00000000017\0'], [136, '14707065524\0']] as const) h.write(field, at, 'latin1');
  h.write('0', 156, 'latin1');
  h.write(magic, 257, 'latin1');
  h.fill(32, 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

test('the faster header decoder is installed in tar-stream (patch-package ran)', (t) => {
  t.true(fs.readFileSync(headersFile, 'utf8').includes('function decodeOctDigits'), `${headersFile} is not patched: run npm install (postinstall: patch-package)`);
});

test('numeric fields read as tar-stream reads them: spaces, NULs, trailing bytes, signs, base-256, garbage', (t) => {
  const mode = (bytes: number[] | string) => headers.decode(headerWithMode(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes)), 'latin1')!.mode;
  t.is(mode('0000755\0'), 0o755);
  t.is(mode('  0644 \0'), 0o644, 'leading spaces skipped, the first space after the digits ends the field');
  t.is(mode('\0\0\0\x30644'), 0o644, 'leading NULs skipped');
  t.is(mode('0644\0xyz'), 0o644, 'digits up to the first other byte');
  t.is(mode('\0\0\0\0\0\0\0\0'), 0, 'an empty field is 0');
  t.is(mode('+17\0\0\0\0\0'), 0o17, 'a sign takes the general path, as parseInt reads it');
  t.is(mode('-17\0\0\0\0\0'), -0o17);
  t.true(Number.isNaN(mode('8\0\0\0\0\0\0\0')), 'no octal digit: NaN, as tar-stream gives');
  t.is(mode([0x20, 0xc2, 0xa0, 0x31, 0x37, 0, 0, 0]), 0o17, 'after a space, a UTF-8 no-break space before the digits is skipped by parseInt');
  t.is(mode([0xc2, 0xa0, 0x31, 0x37, 0, 0, 0, 0]), null, 'a first byte with the high bit set is base-256, and 0xc2 is no valid lead: null');
  t.is(mode([0x80, 0, 0, 0, 0, 0, 0x01, 0x02]), 0x0102, 'base-256');
  t.is(mode([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]), -1, 'negative base-256');
});

test('formats: ustar joins the prefix, GNU magic needs its version, anything else is refused unless allowed', (t) => {
  const ustar = headerWithMode(Buffer.from('0000644\0', 'latin1'), 'ustar\x00xx');
  t.is(headers.decode(ustar, 'latin1')!.name, 'file', 'ustar is its magic alone; the version is not checked');
  const gnu = headerWithMode(Buffer.from('0000644\0', 'latin1'), 'ustar  \0');
  t.is(headers.decode(gnu, 'latin1')!.name, 'file');
  const gnuWrongVersion = headerWithMode(Buffer.from('0000644\0', 'latin1'), 'ustar \0\0');
  t.throws(() => headers.decode(gnuWrongVersion, 'latin1'), { message: /unknown format/ });
  t.is(headers.decode(gnuWrongVersion, 'latin1', true)!.name, 'file');
  t.is(headers.decode(Buffer.alloc(512), 'latin1'), null, 'an all-zero block ends the archive');
});
