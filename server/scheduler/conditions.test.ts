import test from 'ava';
import { podScheduledCondition, withPodScheduled } from './conditions.ts';
import { pod } from './fixtures.test-helper.ts';

test('PodScheduled: unchanged conditions are not rewritten; the transition time moves only with the status', (t) => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const t1 = new Date('2026-01-01T00:01:00Z');
  const failed = withPodScheduled(pod('p'), { status: 'False', reason: 'Unschedulable', message: 'm1' }, t0)!;
  t.deepEqual(podScheduledCondition(failed), { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'Unschedulable', message: 'm1' });
  t.is(withPodScheduled(failed, { status: 'False', reason: 'Unschedulable', message: 'm1' }, t1), undefined);
  const again = withPodScheduled(failed, { status: 'False', reason: 'Unschedulable', message: 'm2' }, t1)!;
  t.is(podScheduledCondition(again)!.lastTransitionTime, '2026-01-01T00:00:00Z');
  const ready = { ...again, status: { ...(again.status as object), conditions: [...(again.status as { conditions: unknown[] }).conditions, { type: 'Ready', status: 'False' }] } };
  const scheduled = withPodScheduled(ready, { status: 'True' }, t1)!;
  t.deepEqual((scheduled.status as { conditions: unknown[] }).conditions, [
    { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:01:00Z' },
    { type: 'Ready', status: 'False' },
  ], 'replaced in place, other conditions kept');
});
