import test from 'ava';
import { overlayMtu, podGateway, vtepMac } from './layout.ts';

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
