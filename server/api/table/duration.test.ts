import test from 'ava';
import { humanDuration, since } from './duration.ts';
import { DAY, HOUR, MINUTE, NOW, SECOND, ago } from './fixtures.ts';

const YEAR = 365 * DAY;

test('up to two minutes reads in seconds, and clock skew under two seconds reads as now', (t) => {
  t.is(humanDuration(0), '0s');
  t.is(humanDuration(1500), '1s');
  t.is(humanDuration(-SECOND), '0s');
  t.is(humanDuration(-1999), '0s');
  t.is(humanDuration(-2 * SECOND), '<invalid>');
  t.is(humanDuration(2 * MINUTE - 1), '119s');
});

test('minutes carry their seconds below ten minutes, then stand alone up to three hours', (t) => {
  t.is(humanDuration(2 * MINUTE), '2m');
  t.is(humanDuration(3 * MINUTE + 2 * SECOND), '3m2s');
  t.is(humanDuration(10 * MINUTE - 1), '9m59s');
  t.is(humanDuration(10 * MINUTE), '10m');
  t.is(humanDuration(60 * MINUTE), '60m');
  t.is(humanDuration(3 * HOUR - 1), '179m');
});

test('hours carry their minutes below eight hours, then stand alone up to two days', (t) => {
  t.is(humanDuration(3 * HOUR), '3h');
  t.is(humanDuration(3 * HOUR + 30 * MINUTE), '3h30m');
  t.is(humanDuration(8 * HOUR - 1), '7h59m');
  t.is(humanDuration(8 * HOUR), '8h');
  t.is(humanDuration(48 * HOUR - 1), '47h');
});

test('days carry their hours below eight days, then stand alone up to two years', (t) => {
  t.is(humanDuration(2 * DAY), '2d');
  t.is(humanDuration(2 * DAY + 5 * HOUR), '2d5h');
  t.is(humanDuration(8 * DAY - 1), '7d23h');
  t.is(humanDuration(8 * DAY), '8d');
  t.is(humanDuration(2 * YEAR - 1), '729d');
});

test('years carry their days below eight years', (t) => {
  t.is(humanDuration(2 * YEAR), '2y');
  t.is(humanDuration(3 * YEAR + 45 * DAY), '3y45d');
  t.is(humanDuration(8 * YEAR - 1), '7y364d');
  t.is(humanDuration(8 * YEAR), '8y');
  t.is(humanDuration(10 * YEAR + 100 * DAY), '10y');
});

test('an age is "<unknown>" when the timestamp is absent, unparsable or Go\'s zero time', (t) => {
  t.is(since(ago(5 * MINUTE), NOW), '5m');
  t.is(since('2024-05-01T11:59:30.123456Z', NOW), '29s');
  t.is(since(undefined, NOW), '<unknown>');
  t.is(since('yesterday', NOW), '<unknown>');
  t.is(since('0001-01-01T00:00:00Z', NOW), '<unknown>');
});
