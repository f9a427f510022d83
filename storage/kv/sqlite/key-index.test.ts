import test from 'ava';
import { KeyIndex } from './key-index.ts';
import { RowKind } from './schema.ts';

function indexOf(rows: Array<[string, number, RowKind]>): KeyIndex {
  const index = new KeyIndex();
  for (const [key, rev, kind] of rows) index.add(key, { rev, kind, createRev: rev });
  return index;
}

test('keys come out in order within a range, after a given key', (t) => {
  const index = indexOf([['/b', 1, RowKind.Create], ['/a/2', 2, RowKind.Create], ['/a/1', 3, RowKind.Create], ['/a0', 4, RowKind.Create]]);
  t.deepEqual([...index.keysInRange('/a/', '/a0')], ['/a/1', '/a/2']);
  t.deepEqual([...index.keysInRange('/a/', '/a0', '/a/1')], ['/a/2']);
  t.deepEqual([...index.keysInRange('', '\x7f')], ['/a/1', '/a/2', '/a0', '/b']);
});

test('at() finds the newest entry at or below a revision', (t) => {
  const index = indexOf([['/k', 1, RowKind.Create], ['/k', 5, RowKind.Update], ['/k', 9, RowKind.Delete]]);
  t.is(index.at('/k', 4)!.rev, 1);
  t.is(index.at('/k', 5)!.rev, 5);
  t.is(index.latest('/k')!.kind, RowKind.Delete);
  t.is(index.at('/k', 0), undefined);
});

test('compact drops superseded entries and tombstones at or below the revision, and empty keys', (t) => {
  const index = indexOf([
    ['/a', 1, RowKind.Create], ['/a', 3, RowKind.Update], ['/a', 8, RowKind.Update],
    ['/gone', 2, RowKind.Create], ['/gone', 4, RowKind.Delete],
    ['/late', 5, RowKind.Create], ['/late', 6, RowKind.Delete], ['/late', 9, RowKind.Create],
  ]);
  index.compact(6);
  t.deepEqual([...index.keysInRange('', '\x7f')], ['/a', '/late']);
  t.is(index.at('/a', 6)!.rev, 3);
  t.is(index.at('/late', 6), undefined);
  t.is(index.latest('/late')!.rev, 9);
  t.is(index.size, 2);
});

test('keys added after a range query, and keys a compaction emptied, keep the order right', (t) => {
  const index = indexOf([['/m', 1, RowKind.Create], ['/c', 2, RowKind.Create]]);
  t.deepEqual([...index.keysInRange('', '\x7f')], ['/c', '/m']);
  index.add('/a', { rev: 3, kind: RowKind.Create, createRev: 3 });
  index.add('/z', { rev: 4, kind: RowKind.Create, createRev: 4 });
  index.add('/c', { rev: 5, kind: RowKind.Delete, createRev: 2 });
  index.add('/d', { rev: 6, kind: RowKind.Create, createRev: 6 });
  t.deepEqual([...index.keysInRange('', '\x7f')], ['/a', '/c', '/d', '/m', '/z']);
  index.compact(5);
  index.add('/b', { rev: 7, kind: RowKind.Create, createRev: 7 });
  index.add('/c', { rev: 8, kind: RowKind.Create, createRev: 8 });
  t.deepEqual([...index.keysInRange('', '\x7f')], ['/a', '/b', '/c', '/d', '/m', '/z']);
  t.deepEqual([...index.keysInRange('/b', '/m', '/b')], ['/c', '/d']);
});
