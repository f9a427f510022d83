import test from 'ava';
import { parseQuantity } from './index.ts';
import { compareQuantity, parseQuantityExact, quantityString } from './quantity.ts';

const canonical = (text: string) => {
  const q = parseQuantityExact(text);
  return q ? quantityString(q) : undefined;
};

test('CPU quantities parse to cores and millicores', (t) => {
  t.deepEqual(parseQuantity('100m'), { value: 0.1, milli: 100 });
  t.deepEqual(parseQuantity('1'), { value: 1, milli: 1000 });
  t.deepEqual(parseQuantity('1.5'), { value: 1.5, milli: 1500 });
  t.deepEqual(parseQuantity('0.25'), { value: 0.25, milli: 250 });
  t.deepEqual(parseQuantity('2.5m'), { value: 0.0025, milli: 3 }, 'milli rounds up, as MilliValue does');
  t.deepEqual(parseQuantity('0'), { value: 0, milli: 0 });
});

test('memory quantities parse to bytes with binary and decimal suffixes', (t) => {
  t.is(parseQuantity('128Mi')?.value, 128 * 2 ** 20);
  t.is(parseQuantity('0.5Gi')?.value, 2 ** 29);
  t.is(parseQuantity('1Ki')?.value, 1024);
  t.is(parseQuantity('1G')?.value, 1e9);
  t.is(parseQuantity('1k')?.value, 1000);
  t.is(parseQuantity('1e3')?.value, 1000);
  t.is(parseQuantity('1E3')?.value, 1000);
  t.is(parseQuantity('12e-3')?.value, 0.012);
  t.is(parseQuantity('1E')?.value, 1e18, 'a bare E is exa, not an exponent');
  t.is(parseQuantity('+5')?.value, 5);
  t.is(parseQuantity('-5')?.value, -5);
  t.is(parseQuantity('.5')?.value, 0.5);
  t.is(parseQuantity('5.')?.value, 5);
  t.is(parseQuantity('1n')?.value, 1e-9);
  t.is(parseQuantity('Gi')?.value, 0, 'apimachinery reads a missing number as zero');
});

test('malformed quantities are rejected', (t) => {
  for (const bad of ['', 'abc', '1K', '1ki', '1Mi5', '1e', '1ee3', '1.2.3', ' 1', '1 ', '1Gb', '0x10', '--1', '1e3.5', '1m3', '1/2', '10%']) {
    t.is(parseQuantity(bad), undefined, bad);
  }
  t.is(parseQuantity(42 as unknown as string), undefined, 'not a string');
});

test('quantities print in Kubernetes canonical form', (t) => {
  t.is(canonical('1.5'), '1500m');
  t.is(canonical('1000'), '1k');
  t.is(canonical('100m'), '100m');
  t.is(canonical('1024Mi'), '1Gi');
  t.is(canonical('1.5Gi'), '1536Mi');
  t.is(canonical('1000M'), '1G');
  t.is(canonical('1e3'), '1e3');
  t.is(canonical('0.5Ki'), '512', 'below 1Ki binary values print as decimal');
  t.is(canonical('-1'), '-1');
  t.is(canonical('0.1m'), '100u');
  t.is(canonical('0'), '0');
});

test('comparison is exact, even where floats would round', (t) => {
  const a = parseQuantityExact('1Gi')!;
  const b = parseQuantityExact('1073741824')!;
  t.is(compareQuantity(a, b), 0);
  t.is(compareQuantity(parseQuantityExact('100m')!, parseQuantityExact('0.1')!), 0);
  t.is(compareQuantity(parseQuantityExact('1001m')!, parseQuantityExact('1')!), 1);
  t.is(compareQuantity(parseQuantityExact('999999999n')!, parseQuantityExact('1')!), -1);
});

test('binary quantities saturate at the int64 maximum and huge exponents stay finite', (t) => {
  t.is(canonical('16Ei'), '9223372036854775807', 'capped to 2^63-1, which no binary suffix divides');
  t.true(Number.isFinite(parseQuantity('1e100')!.value));
  t.truthy(parseQuantity('1e2147483647'));
  t.is(parseQuantity('1e2147483648'), undefined, 'the exponent is an int32');
});
