import test from 'ava';
import { backoffDelay } from './index.ts';

test('back-off grows, is capped, and spreads with jitter', (t) => {
  const b = { initialMs: 500, maxMs: 30_000 };
  t.is(backoffDelay(0, b, () => 0), 250);
  t.is(backoffDelay(0, b, () => 1), 500);
  t.is(backoffDelay(3, b, () => 1), 4_000);
  t.is(backoffDelay(50, b, () => 1), 30_000);
  const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(5, b)));
  t.true(spread.size > 10);
});
