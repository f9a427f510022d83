import test from 'ava';
import { parseQuantity } from './quantity.ts';

const milli = (text: unknown) => parseQuantity(text)?.milli;
const value = (text: unknown) => parseQuantity(text)?.value;

test('cpu quantities in millicores, rounded up', (t) => {
  t.is(milli('2'), 2000);
  t.is(milli('500m'), 500);
  t.is(milli('0.1'), 100, 'no float drift: 0.1 is exactly 100m');
  t.is(milli('1.5'), 1500);
  t.is(milli('.5'), 500);
  t.is(milli('100u'), 1, 'a fraction of a millicore rounds up');
  t.is(milli('1e3'), 1_000_000);
  t.is(milli('2E-3'), 2);
  t.is(milli(2), 2000, 'a bare number from YAML');
  t.is(milli(0.25), 250);
});

test('memory quantities in bytes', (t) => {
  t.is(value('4Gi'), 4 * 1024 ** 3);
  t.is(value('128Mi'), 128 * 1024 ** 2);
  t.is(value('1Ki'), 1024);
  t.is(value('1.5Gi'), 1.5 * 1024 ** 3);
  t.is(value('1k'), 1000);
  t.is(value('1K'), 1000);
  t.is(value('1M'), 1_000_000);
  t.is(value('1G'), 1_000_000_000);
  t.is(value('2T'), 2e12);
  t.is(value('128974848'), 128974848);
  t.is(value('129e6'), 129_000_000);
  t.is(value('123Mi'), 128974848);
  t.is(value('1m'), 1, 'one thousandth of a byte is still a byte');
  t.is(value('-1Gi'), -(1024 ** 3));
  t.is(value('+5'), 5);
});

test('malformed quantities are undefined', (t) => {
  for (const bad of ['', 'abc', '1Qi', '1.2.3', 'Mi', '1 Gi', '1e', '1e999', null, undefined, {}, Number.NaN, '--1']) {
    t.is(parseQuantity(bad), undefined, String(bad));
  }
});
