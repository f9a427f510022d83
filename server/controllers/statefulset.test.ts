import test from 'ava';
import type { KubeObject, ObjectStore } from '../api/index.ts';
import { catalog, clock, kubeletPass, livePods, podsIn, store, until, type KubeletOptions } from './controller-fixtures.test-helper.ts';
import { POD_INDEX_LABEL, POD_NAME_LABEL, statefulSetReconciler } from './statefulset.ts';
import { isPodReady } from './pods.ts';
import { REVISION_HASH_LABEL } from './revisions.ts';

const StatefulSet = catalog.byResource('apps', 'v1', 'statefulsets')!;
const Claim = catalog.byResource('', 'v1', 'persistentvolumeclaims')!;

interface Status {
  replicas: number;
  readyReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  currentRevision: string;
  updateRevision: string;
  observedGeneration: number;
}

const statefulSet = (image: string, replicas: number, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web' },
  spec: {
    replicas,
    serviceName: 'nginx',
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image, volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] }] },
    },
    volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    ...extra,
  },
});

const statusOf = async (objects: ObjectStore) => ((await objects.get(StatefulSet, 'default', 'web')).status ?? {}) as Status;
const names = async (objects: ObjectStore) => (await livePods(objects)).map((p) => p.metadata.name!).sort();
const imageOf = (pod: KubeObject) => (pod.spec as { containers: Array<{ image: string }> }).containers[0]!.image;

function driver(objects: ObjectStore, kubelet: KubeletOptions = {}) {
  const reconcile = statefulSetReconciler(objects, catalog, clock().now);
  return { reconcile: () => reconcile('default', 'web'), step: async () => (await reconcile('default', 'web'), await kubeletPass(objects, kubelet)) };
}

async function scale(objects: ObjectStore, replicas: number, image?: string, extra: Record<string, unknown> = {}): Promise<void> {
  const current = await objects.get(StatefulSet, 'default', 'web');
  const spec = structuredClone(current.spec) as { replicas: number; template: { spec: { containers: Array<{ image: string }> } } } & Record<string, unknown>;
  spec.replicas = replicas;
  if (image) spec.template.spec.containers[0]!.image = image;
  await objects.update(StatefulSet, 'default', 'web', { ...current, spec: { ...spec, ...extra } });
}

async function rolledOut(objects: ObjectStore, step: () => Promise<unknown>, replicas: number): Promise<Status> {
  return until(`${replicas} ready replicas`, step, async () => {
    const s = await statusOf(objects);
    const set = await objects.get(StatefulSet, 'default', 'web');
    const done = s.observedGeneration === set.metadata.generation && s.readyReplicas === replicas && s.replicas === replicas && s.updatedReplicas === replicas && s.currentRevision === s.updateRevision;
    return done ? s : undefined;
  });
}

test('OrderedReady creates web-0, web-1, web-2 one after another, each once the previous is Running and Ready, with identity and claims', async (t) => {
  const objects = await store(t);
  await objects.create(StatefulSet, 'default', statefulSet('nginx:1.25', 3));
  // Hold web-1 back: nothing after it may start while it is not ready.
  let hold = true;
  const { step } = driver(objects, { admit: (pod) => !(hold && pod.metadata.name === 'web-1') });
  await until('web-1 created', step, async () => ((await names(objects)).includes('web-1') ? true : undefined));
  for (let i = 0; i < 5; i++) await step();
  t.deepEqual(await names(objects), ['web-0', 'web-1'], 'web-2 waits for web-1');
  hold = false;
  const s = await rolledOut(objects, step, 3);
  t.is(await driver(objects).reconcile(), 'done', 'a settled StatefulSet is not requeued');
  t.like(s, { replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3 });
  t.regex(s.currentRevision, /^web-[a-z0-9]+$/);
  const created = (await podsIn(objects)).map((p) => p.metadata.creationTimestamp!);
  t.deepEqual(created, [...created].sort(), 'in ordinal order');
  for (const pod of await podsIn(objects)) {
    const ordinal = pod.metadata.name!.slice('web-'.length);
    t.is(pod.metadata.labels?.[POD_NAME_LABEL], pod.metadata.name);
    t.is(pod.metadata.labels?.[POD_INDEX_LABEL], ordinal);
    t.is(pod.metadata.labels?.[REVISION_HASH_LABEL], s.currentRevision);
    const spec = pod.spec as { hostname: string; subdomain: string; volumes: Array<{ name: string; persistentVolumeClaim: { claimName: string } }> };
    t.is(spec.hostname, pod.metadata.name!);
    t.is(spec.subdomain, 'nginx');
    t.deepEqual(spec.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: `www-web-${ordinal}` } }]);
  }
  const claims = (await objects.list(Claim, 'default')).items;
  t.deepEqual(claims.map((c) => c.metadata.name).sort(), ['www-web-0', 'www-web-1', 'www-web-2']);
  t.is(claims[0]!.metadata.labels?.app, 'nginx');

  // Scale down: from the highest ordinal, one at a time; the claims stay for a later scale up.
  await scale(objects, 1);
  const seen: string[] = [];
  await until('one replica', async () => {
    await step();
    const now = (await names(objects)).join();
    if (seen.at(-1) !== now) seen.push(now);
  }, async () => ((await statusOf(objects)).replicas === 1 && (await podsIn(objects)).length === 1 ? true : undefined));
  t.deepEqual(seen.filter((x) => x !== 'web-0,web-1,web-2'), ['web-0,web-1', 'web-0']);
  t.is((await objects.list(Claim, 'default')).items.length, 3, 'PVCs are kept on scale down');
});

test('a RollingUpdate goes from the highest ordinal down, stops at the partition, then finishes and moves currentRevision', async (t) => {
  const objects = await store(t);
  await objects.create(StatefulSet, 'default', statefulSet('nginx:1.25', 3));
  const { step } = driver(objects);
  const first = await rolledOut(objects, step, 3);
  await scale(objects, 3, 'nginx:1.26', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } });
  const order: string[] = [];
  const s = await until('partitioned rollout', async () => {
    await step();
    for (const pod of await livePods(objects)) if (imageOf(pod) === 'nginx:1.26' && !order.includes(pod.metadata.name!)) order.push(pod.metadata.name!);
  }, async () => {
    const s = await statusOf(objects);
    return s.updatedReplicas === 2 && s.readyReplicas === 3 ? s : undefined;
  });
  for (let i = 0; i < 5; i++) await step();
  t.deepEqual(order, ['web-2', 'web-1']);
  t.is(imageOf((await livePods(objects)).find((p) => p.metadata.name === 'web-0')!), 'nginx:1.25', 'below the partition stays');
  t.is(s.currentRevision, first.currentRevision);
  t.not(s.updateRevision, s.currentRevision);
  t.is(s.currentReplicas, 1);

  // A pod below the partition that is lost comes back at the current revision.
  const lost = (await livePods(objects)).find((p) => p.metadata.name === 'web-0')!;
  await objects.delete(catalog.byResource('', 'v1', 'pods')!, 'default', 'web-0');
  const back = await until('web-0 back', step, async () => (await livePods(objects)).find((p) => p.metadata.name === 'web-0' && p.metadata.uid !== lost.metadata.uid && isPodReady(p)));
  t.is(imageOf(back), 'nginx:1.25');

  await scale(objects, 3, undefined, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } });
  const done = await rolledOut(objects, step, 3);
  t.is(done.currentRevision, s.updateRevision);
  t.deepEqual((await livePods(objects)).map(imageOf), ['nginx:1.26', 'nginx:1.26', 'nginx:1.26']);
});

test('Parallel creates and removes all pods at once, without waiting for readiness', async (t) => {
  const objects = await store(t);
  await objects.create(StatefulSet, 'default', statefulSet('nginx:1.25', 3, { podManagementPolicy: 'Parallel' }));
  // No pod ever becomes ready, yet all are created.
  const { reconcile } = driver(objects);
  await reconcile();
  t.deepEqual(await names(objects), ['web-0', 'web-1', 'web-2']);
  await scale(objects, 0);
  await reconcile();
  t.deepEqual(await names(objects), []);
  t.is((await statusOf(objects)).replicas, 0);
});

test('with whenScaled Delete, a removed ordinal\u2019s claims become its pod\u2019s, so they go with it; whenDeleted Delete ties claims to the set', async (t) => {
  const objects = await store(t);
  const retention = { persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete', whenDeleted: 'Delete' } };
  await objects.create(StatefulSet, 'default', statefulSet('nginx:1.25', 2, retention));
  const { step } = driver(objects);
  await rolledOut(objects, step, 2);
  const owners = async (name: string) => ((await objects.get(Claim, 'default', name)).metadata.ownerReferences ?? []).map((o) => `${o.kind}/${o.name}`);
  t.deepEqual(await owners('www-web-1'), ['StatefulSet/web']);
  const condemned = (await livePods(objects)).find((p) => p.metadata.name === 'web-1')!;
  await scale(objects, 1);
  await until('web-1 removed', step, async () => ((await podsIn(objects)).length === 1 ? true : undefined));
  t.deepEqual(await owners('www-web-1'), ['StatefulSet/web', 'Pod/web-1']);
  t.is((await objects.get(Claim, 'default', 'www-web-1')).metadata.ownerReferences?.[1]?.uid, condemned.metadata.uid);
  t.deepEqual(await owners('www-web-0'), ['StatefulSet/web'], 'kept ordinals keep their claims');
});
