// Controllers started again over a store that already holds their work (a server restart)
// must not act before their caches are full: a ReplicaSet seen before its pods would
// otherwise create replicas that already exist and then delete the surplus.
import test from 'ava';
import { catalog, Pod, podsIn, store } from './controller-fixtures.test-helper.ts';
import { startControllers } from './index.ts';

const ReplicaSet = catalog.byResource('apps', 'v1', 'replicasets')!;

test('a restarted controller set creates no pod that already exists', async (t) => {
  const objects = await store(t);
  const labels = { app: 'web' };
  await objects.create(ReplicaSet, 'default', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 20, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  } as never);
  const first = startControllers(objects, catalog);
  const deadline = Date.now() + 10_000;
  while ((await podsIn(objects)).length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await first.stop();
  t.is((await podsIn(objects)).length, 20);

  const from = await objects.currentRevision();
  const second = startControllers(objects, catalog);
  await second.synced;
  await new Promise((r) => setTimeout(r, 1_000));
  await second.stop();
  const watch = await objects.watch(Pod, 'default', { resourceVersion: String(from) });
  const seen: string[] = [];
  const reading = (async () => {
    for await (const event of watch) seen.push(`${event.type} ${event.object.metadata.name}`);
  })();
  await new Promise((r) => setTimeout(r, 200));
  watch.close();
  await reading;
  t.deepEqual(seen.filter((e) => e.startsWith('ADDED') || e.startsWith('DELETED')), []);
});

test('controllers stopped before their caches synced stop promptly', async (t) => {
  const objects = await store(t);
  const controllers = startControllers(objects, catalog);
  const stopped = await Promise.race([controllers.stop().then(() => 'stopped'), new Promise((r) => setTimeout(() => r('hung'), 5_000))]);
  t.is(stopped, 'stopped');
});
