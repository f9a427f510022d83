import test from 'ava';
import type { Container } from '../../native/index.ts';
import { findContainer } from './find.ts';
import { podPaths } from './record.ts';
import type { LiveSlot } from './slot.ts';
import type { Pod } from './types.ts';

function worker(uid: string, inView: boolean, slots: Array<[string, Partial<LiveSlot>]>) {
  const pod: Pod = { metadata: { name: 'web', namespace: 'shop', uid }, spec: { containers: [] } };
  return {
    pod: inView ? pod : undefined,
    lastSpec: pod,
    paths: podPaths({ podsRoot: '/run/skerry/pods', dataDir: '/var/lib/skerry/agent' }, pod.metadata),
    slots: new Map(slots.map(([key, slot]) => [key, slot as LiveSlot])),
  };
}

test('logs and exec find the newest container, --previous the attempt before it', (t) => {
  const handle = { record: { id: 'c3' } } as unknown as Container;
  const workers = [
    worker('old', false, [['app:app', { record: { restartCount: 9, containerId: 'x' } }]]),
    worker('u1', true, [['app:app', { record: { restartCount: 3, containerId: 'c3' }, handle }], ['init:setup', { record: { restartCount: 0, containerId: 'i0' } }]]),
  ];
  const logs = '/var/lib/skerry/agent/pods/shop_web_u1';
  t.deepEqual(findContainer(workers, 'shop', 'web', 'app'), { logPath: `${logs}/app/3.log`, container: handle });
  t.deepEqual(findContainer(workers, 'shop', 'web', 'app', true), { logPath: `${logs}/app/2.log` });
  t.deepEqual(findContainer(workers, 'shop', 'web', 'setup'), { logPath: `${logs}/setup/0.log` });
  t.is(findContainer(workers, 'shop', 'web', 'setup', true), undefined, 'no attempt before the first');
  t.is(findContainer(workers, 'shop', 'web', 'nope'), undefined);
  t.is(findContainer(workers, 'other', 'web', 'app'), undefined);
});
