import test from 'ava';
import { canonicalAddress, formatRange, mergeRanges, parseAddress, parseCidr, parseRange, rangeContains, subtractRanges, type Range } from './addresses.ts';

const cidr = (text: string): Range => {
  const r = parseCidr(text);
  if (typeof r === 'string') throw new Error(r);
  return r;
};

test('addresses of both families read and print back', (t) => {
  t.is(canonicalAddress('10.42.0.5'), '10.42.0.5');
  t.is(canonicalAddress('fd00::5'), 'fd00:0:0:0:0:0:0:5');
  t.is(canonicalAddress('FD00:0::A'), 'fd00:0:0:0:0:0:0:a');
  t.is(canonicalAddress('::ffff:10.0.0.1'), '0:0:0:0:0:ffff:a00:1');
  t.is(canonicalAddress('::'), '0:0:0:0:0:0:0:0');
  t.is(canonicalAddress('1::'), '1:0:0:0:0:0:0:0');
  for (const bad of ['10.42.0', '10.42.0.256', 'fe80::1%eth0', 'x', '', '1:2:3:4:5:6:7:8:9']) t.is(canonicalAddress(bad), undefined, bad);
  t.deepEqual(parseAddress('0.0.0.1'), { family: 4, value: 1n });
});

test('a CIDR is the range it covers; host bits are cleared as the API allows them', (t) => {
  t.is(formatRange(cidr('10.42.0.0/24')), '10.42.0.0-10.42.0.255');
  t.is(formatRange(cidr('10.42.0.77/24')), '10.42.0.0-10.42.0.255');
  t.is(formatRange(cidr('10.0.0.1/32')), '10.0.0.1');
  t.is(formatRange(cidr('0.0.0.0/0')), '0.0.0.0-255.255.255.255');
  t.is(formatRange(cidr('2001:db8::/32')), '2001:db8:0:0:0:0:0:0-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff');
  t.is(parseCidr('10.0.0.0'), '"10.0.0.0" is not a CIDR (address/prefix length)');
  t.is(parseCidr('10.0.0.0/33'), '"10.0.0.0/33" has a prefix length that is not 0-32');
  t.is(parseCidr('::/129'), '"::/129" has a prefix length that is not 0-128');
  t.is(parseCidr('ten/8'), '"ten/8" does not start with an IP address');
  t.is(parseCidr('10.0.0.0/-1'), '"10.0.0.0/-1" has a prefix length that is not 0-32');
});

test('except holes cut a range into the pieces around them', (t) => {
  const pieces = subtractRanges(cidr('10.42.0.0/24'), [cidr('10.42.0.12/30'), cidr('10.42.0.0/32'), cidr('10.42.0.255/32'), cidr('fd00::/8')]);
  t.deepEqual(pieces.map(formatRange), ['10.42.0.1-10.42.0.11', '10.42.0.16-10.42.0.254']);
  t.deepEqual(subtractRanges(cidr('10.0.0.0/8'), [cidr('10.0.0.0/8')]), []);
  t.deepEqual(subtractRanges(cidr('10.0.0.0/8'), [cidr('11.0.0.0/8')]).map(formatRange), ['10.0.0.0-10.255.255.255']);
});

test('overlapping and touching ranges are joined, families kept apart', (t) => {
  const merged = mergeRanges([cidr('10.0.1.0/24'), cidr('10.0.0.0/24'), cidr('10.0.0.128/25'), cidr('10.0.3.0/24'), cidr('::/127'), cidr('::2/127')]);
  t.deepEqual(merged.map(formatRange), ['10.0.0.0-10.0.1.255', '10.0.3.0-10.0.3.255', '0:0:0:0:0:0:0:0-0:0:0:0:0:0:0:3']);
});

test('a printed range reads back and contains its own ends only', (t) => {
  const r = parseRange('10.0.0.4-10.0.0.7')!;
  t.true(rangeContains(r, parseAddress('10.0.0.4')!));
  t.true(rangeContains(r, parseAddress('10.0.0.7')!));
  t.false(rangeContains(r, parseAddress('10.0.0.8')!));
  t.false(rangeContains(r, parseAddress('::a00:5')!));
  t.deepEqual(parseRange('10.0.0.9'), { family: 4, first: 0x0a000009n, last: 0x0a000009n });
  t.is(parseRange('10.0.0.9-10.0.0.1'), undefined);
  t.is(parseRange('10.0.0.1-::1'), undefined);
});
