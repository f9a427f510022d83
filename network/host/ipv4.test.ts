import net from 'node:net';
import test from 'ava';
import { contains, firstHost, formatCidr, formatIpv4, ipv4Mac, overlaps, parseCidr, parseIpv4, parsePrefixedAddress, subnetOf, type Cidr } from './ipv4.ts';

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
};

test('addresses round-trip and bad ones are refused', (t) => {
  t.is(formatIpv4(parseIpv4('10.42.255.1')!), '10.42.255.1');
  t.is(parseIpv4('255.255.255.255'), 2 ** 32 - 1);
  for (const bad of ['10.42.1', '10.42.1.256', '10.042.1.1', '1.2.3.4.5', '', 'a.b.c.d', '10.42.1.1/24', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.4.', '00.1.2.3', '1.2.3.0004', ' 1.2.3.4', '1.2.3.4 ', '+1.2.3.4', '1.2.3.-4', '１.2.3.4']) {
    t.is(parseIpv4(bad), undefined, bad);
  }
  for (const good of ['0.0.0.0', '1.0.0.1', '100.200.250.255', '10.0.10.100']) t.is(formatIpv4(parseIpv4(good)!), good);
});

test('an address is parsed exactly when net.isIPv4 takes it, to the same value as octet arithmetic', (t) => {
  const octets = ['0', '00', '01', '1', '9', '10', '99', '100', '199', '200', '249', '250', '255', '256', '300', '999', '1000', '', 'x', '-1'];
  let seed = 7;
  const pick = () => octets[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % octets.length]!;
  for (let i = 0; i < 20000; i++) {
    const text = Array.from({ length: 3 + (i % 3) }, pick).join('.');
    const value = parseIpv4(text);
    t.is(value !== undefined, net.isIPv4(text), text);
    if (value !== undefined) t.is(value, text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0), text);
  }
});

test('CIDRs: host bits and prefix lengths are checked', (t) => {
  t.is(formatCidr(cidr('10.42.3.0/24')), '10.42.3.0/24');
  t.regex(parseCidr('10.42.3.1/24') as string, /host bits set \(the network is 10\.42\.3\.0\/24\)/);
  t.regex(parseCidr('10.42.3.0') as string, /no prefix length/);
  t.regex(parseCidr('10.42.3.0/33') as string, /no prefix length/);
  t.regex(parseCidr('nope/24') as string, /not an IPv4 CIDR/);
  t.is(parseCidr('10.42.3.0/24/1'), '"10.42.3.0/24/1" is not an IPv4 CIDR (a.b.c.d/n)');
  t.is(parseCidr('10.42.3.0/024'), '"10.42.3.0/024" has no prefix length between 0 and 32');
  t.is(formatCidr(cidr('0.0.0.0/0')), '0.0.0.0/0');
});

test('containment, overlap, subnet of an address, first host', (t) => {
  const cluster = cidr('10.42.0.0/16');
  t.true(contains(cluster, parseIpv4('10.42.200.7')!));
  t.false(contains(cluster, parseIpv4('10.43.0.0')!));
  t.true(overlaps(cluster, cidr('10.42.7.0/24')));
  t.true(overlaps(cidr('10.42.7.0/24'), cluster));
  t.false(overlaps(cidr('10.42.7.0/24'), cidr('10.42.8.0/24')));
  t.is(formatCidr(subnetOf(parseIpv4('10.99.1.77')!, 24)), '10.99.1.0/24');
  t.is(formatIpv4(firstHost(cidr('10.42.9.0/24'))), '10.42.9.1');
});


test('an address with a prefix keeps its host bits', (t) => {
  t.deepEqual(parsePrefixedAddress('10.42.3.7/24'), { address: parseIpv4('10.42.3.7')!, prefixLength: 24 });
  t.deepEqual(parsePrefixedAddress('0.0.0.0/0'), { address: 0, prefixLength: 0 });
  t.is(parsePrefixedAddress('10.42.3.7'), '"10.42.3.7" has no prefix length between 0 and 32');
  t.is(parsePrefixedAddress('10.42.3/24'), '"10.42.3/24" is not an IPv4 CIDR (a.b.c.d/n)');
});

test('a MAC made of a prefix and the address bytes', (t) => {
  t.is(ipv4Mac('0a:58', parseIpv4('10.42.3.1')!), '0a:58:0a:2a:03:01');
  t.is(ipv4Mac('0e:6b', parseIpv4('255.0.16.9')!), '0e:6b:ff:00:10:09');
});
