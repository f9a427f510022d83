import test from 'ava';
import { nextNodeCidr } from './node-ipam.ts';

const defaults = { clusterCidr: '10.42.0.0/16', nodeMaskSize: 24 };

test('the first node gets the first /24 of the cluster CIDR', (t) => {
  t.is(nextNodeCidr(defaults, []), '10.42.0.0/24');
});

test('a CIDR in use is never handed out again, and a freed one is reused', (t) => {
  t.is(nextNodeCidr(defaults, ['10.42.0.0/24', '10.42.1.0/24']), '10.42.2.0/24');
  t.is(nextNodeCidr(defaults, ['10.42.0.0/24', '10.42.2.0/24']), '10.42.1.0/24');
});

test('a full cluster CIDR gives nothing, and a mask that does not fit is refused', (t) => {
  const small = { clusterCidr: '10.42.0.0/23', nodeMaskSize: 24 };
  t.is(nextNodeCidr(small, ['10.42.0.0/24', '10.42.1.0/24']), undefined);
  t.throws(() => nextNodeCidr({ clusterCidr: '10.42.0.0/24', nodeMaskSize: 16 }, []), { message: /does not fit/ });
});
