import test from 'ava';
import { RecentValues } from './recent-values.ts';

test('keeps the newest values within its byte budget and forgets the oldest first', (t) => {
  const recent = new RecentValues(10);
  recent.add(1, Buffer.from('aaaa'));
  recent.add(2, Buffer.from('bbbb'));
  t.deepEqual(recent.get(1), Buffer.from('aaaa'));
  recent.add(3, Buffer.from('cccc'));
  t.is(recent.get(1), undefined);
  t.deepEqual(recent.get(2), Buffer.from('bbbb'));
  t.deepEqual(recent.get(3), Buffer.from('cccc'));
  recent.add(4, Buffer.alloc(11));
  t.is(recent.get(4), undefined, 'a value larger than the budget is not kept');
  t.deepEqual(recent.get(3), Buffer.from('cccc'));
});

test('stays within budget over many additions', (t) => {
  const recent = new RecentValues(1000);
  for (let rev = 1; rev <= 20_000; rev++) recent.add(rev, Buffer.alloc(100, rev % 256));
  t.deepEqual(recent.get(20_000), Buffer.alloc(100, 20_000 % 256));
  t.is(recent.get(19_990), undefined);
  t.truthy(recent.get(19_991));
});
