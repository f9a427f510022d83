import test from 'ava';
import { checkForwardingConfig, checkOverlayConfig, checkPeers } from './validate.ts';

const self = checkOverlayConfig({ nodeIp: '10.99.0.10', podCidr: '10.42.0.0/24' });
const peer = (name: string, n: number) => ({ name, podCidr: `10.42.${n}.0/24`, nodeIp: `10.99.0.${10 + n}` });

test('a good config and peers pass', (t) => {
  t.is(checkPeers([peer('a', 1), peer('b', 2)], self).length, 2);
  t.notThrows(() => checkOverlayConfig({ nodeIp: '10.99.0.10', podCidr: '10.42.0.0/24', mode: 'vxlan' }));
});

test('each bad config field is named with the reason', (t) => {
  t.throws(() => checkOverlayConfig({ nodeIp: '10.99.0', podCidr: '10.42.0.0/24' }), { message: /nodeIp: "10\.99\.0" is not an IPv4 address/ });
  t.throws(() => checkOverlayConfig({ nodeIp: '10.99.0.1', podCidr: '10.42.0.1/24' }), { message: /podCidr: .*host bits set/ });
  t.throws(() => checkOverlayConfig({ nodeIp: '10.99.0.1', podCidr: '10.42.0.0/31' }), { message: /podCidr: .*smaller than a \/30/ });
  t.throws(() => checkOverlayConfig({ nodeIp: '10.99.0.1', podCidr: '10.42.0.0/24', mode: 'gre' as 'auto' }), { message: /mode: "gre" is not 'auto' or 'vxlan'/ });
  t.throws(() => checkOverlayConfig({ nodeIp: '10.99.0.1', podCidr: '10.42.0.0/24', netns: 'relative' }), { message: /netns: "relative" is not an absolute path/ });
  t.throws(() => checkOverlayConfig({ nodeIp: '10.99.0.1', podCidr: '10.42.0.0/24', netns: '/run/netns/skerry-none-such' }), { message: /netns: \/run\/netns\/skerry-none-such does not exist/ });
});

test('each bad peer field is named by its index', (t) => {
  t.throws(() => checkPeers([peer('a', 1), { ...peer('b', 2), name: '' }], self), { message: /peers\[1\]\.name: is empty/ });
  t.throws(() => checkPeers([{ ...peer('a', 1), nodeIp: 'x' }], self), { message: /peers\[0\]\.nodeIp: "x" is not an IPv4 address/ });
  t.throws(() => checkPeers([{ ...peer('a', 1), podCidr: '10.42.1.0' }], self), { message: /peers\[0\]\.podCidr: .*no prefix length/ });
  t.throws(() => checkPeers([{ ...peer('a', 1), nodeIp: '10.99.0.10' }], self), { message: /peers\[0\]\.nodeIp: 10\.99\.0\.10 is this node's own address/ });
  t.throws(() => checkPeers([{ ...peer('a', 1), podCidr: '10.42.0.0/16' }], self), { message: /peers\[0\]\.podCidr: 10\.42\.0\.0\/16 overlaps this node's pod CIDR/ });
  t.throws(() => checkPeers([peer('a', 1), { ...peer('a', 2) }], self), { message: /peers\[1\]\.name: "a" is also the name of peers\[0\]/ });
  t.throws(() => checkPeers([peer('a', 1), { ...peer('b', 2), nodeIp: '10.99.0.11' }], self), { message: /peers\[1\]\.nodeIp: 10\.99\.0\.11 is also the node IP of peers\[0\] \(a\)/ });
  t.throws(() => checkPeers([peer('a', 1), { ...peer('b', 2), podCidr: '10.42.1.128/25' }], self), { message: /peers\[1\]\.podCidr: .*overlaps the pod CIDR of peers\[0\] \(a\)/ });
  t.throws(() => checkPeers('x' as never, self), { message: /peers: is not an array/ });
});

test('forwarding: the pod CIDR must lie inside the cluster CIDR', (t) => {
  t.notThrows(() => checkForwardingConfig({ clusterCidr: '10.42.0.0/16', podCidr: '10.42.3.0/24' }));
  t.throws(() => checkForwardingConfig({ clusterCidr: '10.42.0.0/16', podCidr: '10.43.3.0/24' }), { message: /podCidr: 10\.43\.3\.0\/24 is not inside the cluster CIDR 10\.42\.0\.0\/16/ });
  t.throws(() => checkForwardingConfig({ clusterCidr: '10.42.0.0/24', podCidr: '10.42.0.0/16' }), { message: /podCidr: .*not inside/ });
  t.throws(() => checkForwardingConfig({ clusterCidr: '10.42.0.1/16', podCidr: '10.42.3.0/24' }), { message: /clusterCidr: .*host bits/ });
});
