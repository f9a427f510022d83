import test from 'ava';
import type { KubeObject, ObjectStore } from '../api/index.ts';
import { catalog, clock, createNode, kubeletPass, livePods, Node, podsIn, store, until } from './controller-fixtures.test-helper.ts';
import { daemonSetReconciler } from './daemonset.ts';
import { isPodReady } from './pods.ts';
import { REVISION_HASH_LABEL } from './revisions.ts';

const DaemonSet = catalog.byResource('apps', 'v1', 'daemonsets')!;
const Revision = catalog.byResource('apps', 'v1', 'controllerrevisions')!;

interface Status {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberReady: number;
  numberAvailable: number;
  updatedNumberScheduled: number;
  numberMisscheduled: number;
  numberUnavailable?: number;
  observedGeneration: number;
}

const daemonSet = (image: string, extra: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image }], ...podSpec } },
    ...extra,
  },
});

const statusOf = async (objects: ObjectStore) => ((await objects.get(DaemonSet, 'default', 'agent')).status ?? {}) as Status;
const nodeOf = (pod: KubeObject) => (pod.spec as { nodeName?: string }).nodeName;
const imageOf = (pod: KubeObject) => (pod.spec as { containers: Array<{ image: string }> }).containers[0]!.image;

function driver(objects: ObjectStore) {
  const reconcile = daemonSetReconciler(objects, catalog, clock().now);
  return { reconcile: () => reconcile('default', 'agent'), step: async () => (await reconcile('default', 'agent'), await kubeletPass(objects)) };
}

async function settled(objects: ObjectStore, step: () => Promise<unknown>, desired: number, image?: string): Promise<Status> {
  return until(`${desired} daemon pods`, step, async () => {
    const s = await statusOf(objects);
    const pods = await livePods(objects);
    const images = image === undefined || pods.every((p) => imageOf(p) === image);
    const ds = await objects.get(DaemonSet, 'default', 'agent');
    const done = s.observedGeneration === ds.metadata.generation && s.desiredNumberScheduled === desired && s.numberAvailable === desired && s.updatedNumberScheduled === desired;
    return done && pods.length === desired && images ? s : undefined;
  });
}

test('a DaemonSet puts one pod on each node its selector, affinity and tolerations admit, pinned by node affinity', async (t) => {
  const objects = await store(t);
  await createNode(objects, 'edge-1', { labels: { site: 'north' } });
  await createNode(objects, 'edge-2', { labels: { site: 'north' }, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
  await createNode(objects, 'edge-3', { labels: { site: 'south' } });
  // A node that is not ready: the daemon tolerates that, as Kubernetes' DaemonSet pods do.
  await createNode(objects, 'edge-4', { labels: { site: 'north' }, taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] });
  await objects.create(DaemonSet, 'default', daemonSet('agent:1', {}, { nodeSelector: { site: 'north' } }));
  const { step, reconcile } = driver(objects);
  const s = await settled(objects, step, 2);
  t.is(await reconcile(), 'done', 'a settled DaemonSet is not requeued');
  t.like(s, { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 2, numberMisscheduled: 0 });
  t.is(s.numberUnavailable, undefined);
  const pods = await podsIn(objects);
  t.deepEqual(pods.map(nodeOf).sort(), ['edge-1', 'edge-4']);
  const ds = await objects.get(DaemonSet, 'default', 'agent');
  for (const pod of pods) {
    const spec = pod.spec as { affinity: unknown; tolerations: Array<{ key: string; effect: string; operator: string }> };
    t.deepEqual(spec.affinity, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeOf(pod)] }] }] } } });
    t.deepEqual(spec.tolerations.map((x) => `${x.key}:${x.effect}`).sort(), [
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    t.is(pod.metadata.ownerReferences?.[0]?.uid, ds.metadata.uid);
    t.truthy(pod.metadata.labels?.[REVISION_HASH_LABEL]);
  }
  const revisions = (await objects.list(Revision, 'default')).items;
  t.is(revisions.length, 1);
  t.is(revisions[0]!.metadata.name, `agent-${pods[0]!.metadata.labels![REVISION_HASH_LABEL]}`);

  // Nodes come and go from the selection: the daemon follows.
  const relabel = async (name: string, site: string) => {
    const node = await objects.get(Node, undefined, name);
    await objects.update(Node, undefined, name, { ...node, metadata: { ...node.metadata, labels: { ...node.metadata.labels, site } } });
  };
  await relabel('edge-3', 'north');
  await relabel('edge-1', 'south');
  await settled(objects, step, 2);
  t.deepEqual((await livePods(objects)).map(nodeOf).sort(), ['edge-3', 'edge-4']);
});

test('RollingUpdate replaces daemon pods node by node, never more than maxUnavailable at once', async (t) => {
  const objects = await store(t);
  for (const name of ['n1', 'n2', 'n3', 'n4']) await createNode(objects, name);
  await objects.create(DaemonSet, 'default', daemonSet('agent:1'));
  const { step } = driver(objects);
  await settled(objects, step, 4);
  const current = await objects.get(DaemonSet, 'default', 'agent');
  await objects.update(DaemonSet, 'default', 'agent', { ...current, spec: daemonSet('agent:2', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } }).spec });
  let worst = 0;
  await settled(objects, async () => {
    await step();
    const ready = (await livePods(objects)).filter(isPodReady).length;
    worst = Math.max(worst, 4 - ready);
  }, 4, 'agent:2');
  t.is(worst, 1, 'one node at a time went without a ready daemon');
  t.is((await objects.list(Revision, 'default')).items.length, 2, 'both templates are kept for rollout undo');
});

test('with maxSurge the new pod starts beside the old one, which goes once the new one is available', async (t) => {
  const objects = await store(t);
  for (const name of ['n1', 'n2']) await createNode(objects, name);
  const strategy = { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } };
  await objects.create(DaemonSet, 'default', daemonSet('agent:1', strategy));
  const { step } = driver(objects);
  await settled(objects, step, 2);
  const current = await objects.get(DaemonSet, 'default', 'agent');
  await objects.update(DaemonSet, 'default', 'agent', { ...current, spec: daemonSet('agent:2', strategy).spec });
  let fewestReady = 2;
  let most = 0;
  await settled(objects, async () => {
    await step();
    const pods = await livePods(objects);
    fewestReady = Math.min(fewestReady, pods.filter(isPodReady).length);
    most = Math.max(most, pods.length);
  }, 2, 'agent:2');
  t.is(fewestReady, 2, 'every node kept a ready daemon');
  t.is(most, 3, 'one extra pod at a time');
});

test('OnDelete leaves old pods until someone deletes them; a node that goes away takes its pod along', async (t) => {
  const objects = await store(t);
  for (const name of ['n1', 'n2']) await createNode(objects, name);
  const onDelete = { updateStrategy: { type: 'OnDelete' } };
  await objects.create(DaemonSet, 'default', daemonSet('agent:1', onDelete));
  const { step } = driver(objects);
  await settled(objects, step, 2);
  const current = await objects.get(DaemonSet, 'default', 'agent');
  await objects.update(DaemonSet, 'default', 'agent', { ...current, spec: daemonSet('agent:2', onDelete).spec });
  const s = await until('status observed', step, async () => {
    const s = await statusOf(objects);
    return s.observedGeneration === 2 ? s : undefined;
  });
  for (let i = 0; i < 5; i++) await step();
  t.is(s.updatedNumberScheduled, 0);
  t.deepEqual((await livePods(objects)).map(imageOf), ['agent:1', 'agent:1']);
  const victim = (await livePods(objects)).find((p) => nodeOf(p) === 'n1')!;
  await objects.delete(catalog.byResource('', 'v1', 'pods')!, 'default', victim.metadata.name!);
  await until('n1 updated', step, async () => ((await livePods(objects)).find((p) => nodeOf(p) === 'n1' && imageOf(p) === 'agent:2') ? true : undefined));
  t.is((await statusOf(objects)).updatedNumberScheduled, 1);

  // A cordoned node keeps its daemon; a NoExecute taint the daemon does not tolerate evicts it.
  const taint = async (name: string, taints: unknown[]) => {
    const node = await objects.get(Node, undefined, name);
    await objects.update(Node, undefined, name, { ...node, spec: { ...(node.spec as object), taints } });
  };
  await taint('n2', [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, { key: 'maintenance', effect: 'NoSchedule' }]);
  for (let i = 0; i < 5; i++) await step();
  t.truthy((await livePods(objects)).find((p) => nodeOf(p) === 'n2'), 'a NoSchedule taint does not remove a running daemon');
  t.is((await statusOf(objects)).numberMisscheduled, 1, 'though Kubernetes counts it misscheduled');
  await taint('n2', [{ key: 'maintenance', effect: 'NoExecute' }]);
  await until('n2 emptied', step, async () => ((await livePods(objects)).every((p) => nodeOf(p) !== 'n2') ? true : undefined));
  await objects.delete(Node, undefined, 'n2');
  const after = await until('one node left', step, async () => {
    const s = await statusOf(objects);
    return s.desiredNumberScheduled === 1 && s.numberMisscheduled === 0 ? s : undefined;
  });
  t.is(after.currentNumberScheduled, 1);
});
