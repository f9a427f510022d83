import test from 'ava';
import { createSchedulerCache } from './cache.ts';
import { node, pod } from './fixtures.test-helper.ts';
import { podInfoOf } from './pod-info.ts';

const usage = (cache: ReturnType<typeof createSchedulerCache>) =>
  Object.fromEntries([...cache.nodeInfos()].map((n) => [n.name, `${n.pods.size} pods, ${n.requested.cpu ?? 0}m`]));

test('an assumed pod counts at once, survives stale events, and is confirmed or forgotten', (t) => {
  const cache = createSchedulerCache();
  cache.setNode('node-a', node('node-a'));
  const p = pod('p', { cpu: '500m' });
  cache.assume(podInfoOf(p), 'node-a');
  t.deepEqual(usage(cache), { 'node-a': '1 pods, 500m' });
  cache.updatePod('default/p', p);
  t.true(cache.isAssumed('default/p'), 'an event from before the binding does not undo the assumption');
  t.deepEqual(usage(cache), { 'node-a': '1 pods, 500m' });
  cache.updatePod('default/p', pod('p', { cpu: '500m', nodeName: 'node-a' }));
  t.false(cache.isAssumed('default/p'));
  cache.forget('default/p');
  t.deepEqual(usage(cache), { 'node-a': '1 pods, 500m' }, 'forgetting a confirmed pod changes nothing');
  cache.assume(podInfoOf(pod('q', { cpu: '1' })), 'node-a');
  cache.forget('default/q');
  t.deepEqual(usage(cache), { 'node-a': '1 pods, 500m' }, 'a failed binding gives the room back');
});

test('finished and deleted pods give their room back; a deleted node keeps counting its pods if it returns', (t) => {
  const cache = createSchedulerCache();
  cache.setNode('node-a', node('node-a'));
  cache.updatePod('default/x', pod('x', { cpu: '1', nodeName: 'node-a' }));
  cache.updatePod('default/y', pod('y', { cpu: '1', nodeName: 'node-a' }));
  cache.updatePod('default/x', pod('x', { cpu: '1', nodeName: 'node-a', phase: 'Succeeded' }));
  t.deepEqual(usage(cache), { 'node-a': '1 pods, 1000m' });
  cache.setNode('node-a', undefined);
  t.deepEqual(usage(cache), {}, 'a node that is gone is no candidate');
  cache.setNode('node-a', node('node-a'));
  t.deepEqual(usage(cache), { 'node-a': '1 pods, 1000m' });
  cache.updatePod('default/y', undefined);
  t.deepEqual(usage(cache), { 'node-a': '0 pods, 0m' });
});
