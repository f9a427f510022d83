import test from 'ava';
import { RegistryError } from './errors.ts';
import { parseChunkRange, parseRange, uploadRangeHeader } from './ranges.ts';

test('Range headers resolve against the blob size', (t) => {
  t.is(parseRange(undefined, 100), undefined);
  t.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
  t.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
  t.deepEqual(parseRange('bytes=90-1000', 100), { start: 90, end: 99 });
  t.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  t.deepEqual(parseRange('bytes=-1000', 100), { start: 0, end: 99 });
  t.deepEqual(parseRange('bytes=99-99', 100), { start: 99, end: 99 });
});

test('a range starting past the end is unsatisfiable; ones we may ignore give the whole blob', (t) => {
  t.is(parseRange('bytes=100-', 100), 'unsatisfiable');
  t.is(parseRange('bytes=100-200', 100), 'unsatisfiable');
  t.is(parseRange('bytes=-0', 100), 'unsatisfiable');
  t.is(parseRange('bytes=0-', 0), 'unsatisfiable');
  for (const ignored of ['bytes=0-1,5-6', 'items=0-1', 'bytes=5-1', 'bytes=-', 'bytes=a-b']) t.is(parseRange(ignored, 100), undefined, ignored);
});

test('upload chunk ranges are start-end, inclusive; bad ones are BLOB_UPLOAD_INVALID', (t) => {
  t.is(parseChunkRange(undefined), undefined);
  t.deepEqual(parseChunkRange('0-99'), { start: 0, end: 99 });
  t.deepEqual(parseChunkRange('bytes 100-199/*'), { start: 100, end: 199 });
  for (const bad of ['10-5', 'abc', '-5', '5-']) {
    const error = t.throws(() => parseChunkRange(bad), undefined, bad);
    t.is((error as RegistryError).code, 'BLOB_UPLOAD_INVALID');
  }
  t.is(uploadRangeHeader(0), '0-0');
  t.is(uploadRangeHeader(100), '0-99');
});
