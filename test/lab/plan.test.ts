import test from 'ava';
import { dropRuleset, wireRules } from './faults.ts';
import { labIdOf, labPlan } from './plan.ts';

test('names and addresses: every namespace under the lab prefix, subnets clear of 10.42 and 10.43', (t) => {
  const plan = labPlan('a1b2c3', { nodes: [{}, { wire: true, segment: 2 }] });
  t.is(plan.underlay, 'skerry-lab-a1b2c3-underlay');
  t.deepEqual(plan.segments, [0, 2]);
  t.like(plan.server, { name: 'server', netns: 'skerry-lab-a1b2c3-server', ip: '10.99.0.1', gateway: '10.99.0.254', port: 'p-server' });
  t.like(plan.nodes[0], { netns: 'skerry-lab-a1b2c3-n0', ip: '10.99.0.10', wire: false, segment: 0 });
  t.like(plan.nodes[1], { netns: 'skerry-lab-a1b2c3-n1', ip: '10.99.2.11', gateway: '10.99.2.254', wire: true, port: 'p-n1' });
  t.is(labPlan('a1b2c3', { nodes: 1, server: false }).server, undefined);
  t.is(labPlan('a1b2c3', { nodes: 3 }).nodes.length, 3);
});

test('bad lab options are refused with the field and the reason', (t) => {
  t.throws(() => labPlan('a1b2c3', { nodes: -1 }), { message: /nodes: -1 is not a whole number/ });
  t.throws(() => labPlan('a1b2c3', { nodes: 201 }), { message: /nodes: 201 is more than the 200/ });
  t.throws(() => labPlan('a1b2c3', { nodes: [{ segment: 256 }] }), { message: /nodes\[0\]\.segment: 256 is not an integer between 0 and 255/ });
  t.throws(() => labPlan('a1b2c3', { nodes: [{}, { wire: 'yes' as unknown as boolean }] }), { message: /nodes\[1\]\.wire: "yes" is not a boolean/ });
  t.throws(() => labPlan('a1b2c3', { nodes: 1, mtu: 100 }), { message: /mtu: 100 is not an integer between 576 and 9000/ });
  t.throws(() => labPlan('../x', { nodes: 1 }), { message: /lab id/ });
});

test('lab ids are read back only from skerry-lab- names', (t) => {
  t.is(labIdOf('skerry-lab-a1b2c3-n0'), 'a1b2c3');
  t.is(labIdOf('skerry-lab-a1b2c3'), 'a1b2c3');
  t.is(labIdOf('skerry-a1b2-n0'), undefined);
  t.is(labIdOf('skerry-lab-xyz-n0'), undefined);
  t.is(labIdOf('tmpfs'), undefined);
});

test('the drop table names each cut port in forward, input and output; no ports: just removed', (t) => {
  const rules = dropRuleset(['p-n0', 'p-server']);
  t.regex(rules, /^table bridge skerry-lab\ndelete table bridge skerry-lab\n/);
  t.regex(rules, /hook forward .* iifname \{ "p-n0", "p-server" \} drop; oifname \{ "p-n0", "p-server" \} drop;/);
  t.regex(rules, /hook input .* iifname \{ "p-n0", "p-server" \} drop;/);
  t.regex(rules, /hook output .* oifname \{ "p-n0", "p-server" \} drop;/);
  t.is(dropRuleset([]), 'table bridge skerry-lab\ndelete table bridge skerry-lab\n');
});

test('impairments become wire rules per direction; bad values are named', (t) => {
  t.deepEqual(wireRules({ delayMs: 40, lossPercent: 5 }), [
    { direction: 'up', rule: { delay: 40, jitter: 0, loss: 5, rate: 0 } },
    { direction: 'down', rule: { delay: 40, jitter: 0, loss: 5, rate: 0 } },
  ]);
  t.deepEqual(wireRules({ rateKbit: 512, direction: 'down' }), [{ direction: 'down', rule: { delay: 0, jitter: 0, loss: 0, rate: 512 } }]);
  t.throws(() => wireRules({ lossPercent: 101 }), { message: /lossPercent 101 is not a number between 0 and 100/ });
  t.throws(() => wireRules({ delayMs: -1 }), { message: /delayMs -1 is not a number between 0/ });
  t.throws(() => wireRules({ direction: 'sideways' as 'up' }), { message: /direction "sideways"/ });
});
