import test from 'ava';
import { RegistryError } from './errors.ts';
import { paginate } from './listing.ts';

const items = ['a', 'b', 'c', 'd', 'e'];

test('pages follow n and last, and say where the next one starts', (t) => {
  t.deepEqual(paginate(items, null, null), { items });
  t.deepEqual(paginate(items, '2', null), { items: ['a', 'b'], next: 'b' });
  t.deepEqual(paginate(items, '2', 'b'), { items: ['c', 'd'], next: 'd' });
  t.deepEqual(paginate(items, '2', 'd'), { items: ['e'] });
  t.deepEqual(paginate(items, '5', null), { items });
  t.deepEqual(paginate(items, null, 'c'), { items: ['d', 'e'] });
  t.deepEqual(paginate(items, '0', null), { items: [] });
  t.deepEqual(paginate(items, '3', 'zz'), { items: [] });
});

test('n must be a non-negative integer', (t) => {
  for (const n of ['-1', 'x', '1.5', '']) t.is((t.throws(() => paginate(items, n, null)) as RegistryError).code, 'SIZE_INVALID', n);
});
