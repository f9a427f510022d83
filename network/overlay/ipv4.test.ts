import test from 'ava';
import { contains, firstHost, formatCidr, formatIpv4, overlaps, parseCidr, parseIpv4, subnetOf, type Cidr } from './ipv4.ts';
import { overlayMtu, podGateway, vtepMac } from './layout.ts';

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
};

test('addresses round-trip and bad ones are refused', (t) => {
  t.is(formatIpv4(parseIpv4('10.42.255.1')!), '10.42.255.1');
  t.is(parseIpv4('255.255.255.255'), 2 ** 32 - 1);
  for (const bad of ['10.42.1', '10.42.1.256', '10.042.1.1', '1.2.3.4.5', '', 'a.b.c.d', '10.42.1.1/24']) t.is(parseIpv4(bad), undefined, bad);
});

test('CIDRs: host bits and prefix lengths are checked', (t) => {
  t.is(formatCidr(cidr('10.42.3.0/24')), '10.42.3.0/24');
  t.regex(parseCidr('10.42.3.1/24') as string, /host bits set \(the network is 10\.42\.3\.0\/24\)/);
  t.regex(parseCidr('10.42.3.0') as string, /no prefix length/);
  t.regex(parseCidr('10.42.3.0/33') as string, /no prefix length/);
  t.regex(parseCidr('nope/24') as string, /not an IPv4 CIDR/);
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

test('the VTEP MAC is 0e:6b: and the pod network address; the gateway is its first host', (t) => {
  t.is(vtepMac('10.42.1.0/24'), '0e:6b:0a:2a:01:00');
  t.is(vtepMac('192.168.255.0/24'), '0e:6b:c0:a8:ff:00');
  t.is(podGateway('10.42.17.0/24'), '10.42.17.1');
  t.throws(() => vtepMac('10.42.1.1/24'), { message: /host bits set/ });
});

test('the overlay MTU is the underlay MTU less the 50 bytes of VXLAN headers', (t) => {
  t.is(overlayMtu(1500), 1450);
  t.is(overlayMtu(9000), 8950);
  t.is(overlayMtu(118), 68);
  t.throws(() => overlayMtu(117), { message: /underlay MTU 117 .* minimum of 68/ });
  t.throws(() => overlayMtu(1500.5), { instanceOf: RangeError });
});
