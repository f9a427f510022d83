import test from 'ava';
import { timestamp, type KubeObject, type ObjectStore } from '../api/index.ts';
import { catalog, clock, createNode, Node, Pod, podsIn, store, type Clock } from './controller-fixtures.test-helper.ts';
import { createEventBroadcaster } from '../events/index.ts';
import { nodeLifecycleReconciler, NOT_READY, UNREACHABLE } from './node-lifecycle.ts';

const Lease = catalog.byResource('coordination.k8s.io', 'v1', 'leases')!;
const Event = catalog.byResource('', 'v1', 'events')!;

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

interface Taint {
  key: string;
  effect: string;
  timeAdded?: string;
}

async function lease(objects: ObjectStore, node: string, at: Date): Promise<void> {
  const spec = { holderIdentity: node, leaseDurationSeconds: 40, renewTime: at.toISOString().replace('Z', '000Z') };
  try {
    const current = await objects.get(Lease, 'kube-node-lease', node);
    await objects.update(Lease, 'kube-node-lease', node, { ...current, spec });
  } catch {
    await objects.create(Lease, 'kube-node-lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: node }, spec });
  }
}

async function boundPod(objects: ObjectStore, name: string, node: string, tolerations?: unknown[]): Promise<void> {
  await objects.create(Pod, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'app:1' }], ...(tolerations ? { tolerations } : {}) } });
  await objects.mutate(Pod, 'default', name, (p) => ({ ...p, spec: { ...(p.spec as object), nodeName: node } }), { subresource: 'binding' });
}

const conditionsOf = async (objects: ObjectStore, name = 'edge-1') => ((await objects.get(Node, undefined, name)).status as { conditions: Condition[] }).conditions;
const taintsOf = async (objects: ObjectStore, name = 'edge-1') => (((await objects.get(Node, undefined, name)).spec ?? {}) as { taints?: Taint[] }).taints ?? [];
const deleting = async (objects: ObjectStore) => (await podsIn(objects)).filter((p) => p.metadata.deletionTimestamp).map((p) => p.metadata.name!).sort();

function setup(objects: ObjectStore): { now: Clock; reconcile: (name?: string) => Promise<'again' | 'done'> } {
  const now = clock();
  const reconcile = nodeLifecycleReconciler(objects, catalog, now.now, { gracePeriodMs: 40_000 });
  return { now, reconcile: (name = 'edge-1') => reconcile(name) };
}

test('a silent node goes Unknown and gets the unreachable taints, but only pods that asked for a bounded toleration leave', async (t) => {
  const objects = await store(t, ['default', 'kube-node-lease']);
  const { now, reconcile } = setup(objects);
  const node = await createNode(objects, 'edge-1');
  const lastBeat = (node.status as { conditions: Condition[] }).conditions[0]!.lastHeartbeatTime;
  await lease(objects, 'edge-1', now.now());
  await boundPod(objects, 'plain', 'edge-1');
  await boundPod(objects, 'patient', 'edge-1', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }]);
  await boundPod(objects, 'mobile', 'edge-1', [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }]);

  t.is(await reconcile(), 'again', 'a node is watched for as long as it exists');
  now.advance(30_000);
  await reconcile();
  t.is((await conditionsOf(objects))[0]!.status, 'True', 'within the grace period nothing happens');

  now.advance(11_000);
  await reconcile();
  const conditions = await conditionsOf(objects);
  t.deepEqual(conditions.map((c) => `${c.type}=${c.status}`), ['Ready=Unknown', 'MemoryPressure=Unknown', 'DiskPressure=Unknown', 'PIDPressure=Unknown']);
  t.like(conditions[0], { reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: lastBeat });
  // Timestamps have whole seconds: allow for one boundary crossed meanwhile.
  t.true(Math.abs(Date.parse(conditions[0]!.lastTransitionTime!) - now.now().getTime()) < 2000);
  t.like(conditions[1], { reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
  const taints = await taintsOf(objects);
  t.deepEqual(taints.map((x) => `${x.key}:${x.effect}`), [`${UNREACHABLE}:NoSchedule`, `${UNREACHABLE}:NoExecute`]);
  t.true(taints.every((x) => x.timeAdded));
  t.deepEqual(await deleting(objects), [], 'nothing is evicted at once');

  // timeAdded is truncated to the second, so the deadline is up to a second early.
  now.advance(58_000);
  await reconcile();
  t.deepEqual(await deleting(objects), [], 'the toleration has not run out yet');
  now.advance(2_500);
  await reconcile();
  t.deepEqual(await deleting(objects), ['mobile'], 'only the pod with tolerationSeconds goes');
  now.advance(600_000);
  await reconcile();
  t.deepEqual(await deleting(objects), ['mobile'], 'the others stay on the edge node');

  // The heartbeat comes back: the taints go, and the agent reports Ready itself.
  await lease(objects, 'edge-1', now.now());
  await reconcile();
  t.deepEqual(await taintsOf(objects), []);
  t.is((await conditionsOf(objects))[0]!.status, 'Unknown', 'the condition is the agent\u2019s to set again');
});

test('a heartbeat through the Ready condition alone keeps a node alive; a restarted controller does not untaint a still-silent node', async (t) => {
  const objects = await store(t, ['default', 'kube-node-lease']);
  const { now, reconcile } = setup(objects);
  await createNode(objects, 'edge-1');
  const beat = async () => {
    const at = timestamp(now.now());
    await objects.mutate(Node, undefined, 'edge-1', (n) => ({ ...n, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: at, lastTransitionTime: at }] } }), { subresource: 'status' });
  };
  await reconcile();
  for (let i = 0; i < 5; i++) {
    now.advance(20_000);
    await beat();
    await reconcile();
  }
  t.is((await conditionsOf(objects))[0]!.status, 'True');
  now.advance(41_000);
  await reconcile();
  t.is((await conditionsOf(objects))[0]!.status, 'Unknown');
  t.is((await taintsOf(objects)).length, 2);

  // A fresh controller (a server restart) has seen no heartbeat yet: the taints stay.
  const restarted = nodeLifecycleReconciler(objects, catalog, now.now, { gracePeriodMs: 40_000 });
  await restarted('edge-1');
  t.is((await taintsOf(objects)).length, 2);
});

test('conditions the agent reports become NoSchedule and NoExecute taints; an administrator\u2019s NoExecute taint evicts as in Kubernetes', async (t) => {
  const objects = await store(t, ['default', 'kube-node-lease']);
  const { now, reconcile } = setup(objects);
  await createNode(objects, 'edge-1', { ready: false, taints: [{ key: 'site', value: 'north', effect: 'NoSchedule' }] });
  await boundPod(objects, 'plain', 'edge-1');
  await boundPod(objects, 'tolerant', 'edge-1', [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute' }]);
  await reconcile();
  t.deepEqual((await taintsOf(objects)).map((x) => `${x.key}:${x.effect}`), ['site:NoSchedule', `${NOT_READY}:NoSchedule`, `${NOT_READY}:NoExecute`]);
  t.deepEqual(await deleting(objects), [], 'not-ready alone evicts nobody');

  const at = timestamp(now.now());
  await objects.mutate(Node, undefined, 'edge-1', (n) => ({ ...n, spec: { ...(n.spec as object), unschedulable: true } }));
  const conditions = [{ type: 'Ready', status: 'True', lastHeartbeatTime: at, lastTransitionTime: at }, { type: 'DiskPressure', status: 'True', lastHeartbeatTime: at, lastTransitionTime: at }];
  await objects.mutate(Node, undefined, 'edge-1', (n) => ({ ...n, status: { conditions } }), { subresource: 'status' });
  await reconcile();
  t.deepEqual((await taintsOf(objects)).map((x) => `${x.key}:${x.effect}`).sort(), ['node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule', 'site:NoSchedule']);

  const current = await objects.get(Node, undefined, 'edge-1');
  const taints = [...((current.spec as { taints: Taint[] }).taints), { key: 'maintenance', effect: 'NoExecute' }];
  await objects.update(Node, undefined, 'edge-1', { ...current, spec: { ...(current.spec as object), taints } });
  await reconcile();
  t.deepEqual(await deleting(objects), ['plain']);
});

test('the pods of a deleted node are force-deleted after the grace period', async (t) => {
  const objects = await store(t, ['default', 'kube-node-lease']);
  const { now, reconcile } = setup(objects);
  await createNode(objects, 'edge-1');
  await boundPod(objects, 'orphan', 'edge-1');
  await objects.delete(Node, undefined, 'edge-1');
  t.is(await reconcile(), 'again');
  t.is((await podsIn(objects)).length, 1, 'the node may yet come back');
  now.advance(41_000);
  t.is(await reconcile(), 'done');
  t.deepEqual(await podsIn(objects), [] as KubeObject[]);
});

test('a node whose heartbeat lapses gets NodeNotReady once, and so does each of its pods', async (t) => {
  const objects = await store(t, ['default', 'kube-node-lease']);
  const now = clock();
  const broadcaster = createEventBroadcaster(objects, catalog, { now: now.now });
  const reconcile = nodeLifecycleReconciler(objects, catalog, now.now, { gracePeriodMs: 40_000, events: broadcaster.recorder('node-controller') });
  const node = await createNode(objects, 'edge-1');
  await boundPod(objects, 'web', 'edge-1');
  await reconcile('edge-1');
  now.advance(41_000);
  await reconcile('edge-1');
  now.advance(10_000);
  await reconcile('edge-1');
  await broadcaster.flush();
  const events = (await objects.list(Event, undefined)).items;
  t.is(events.length, 2, 'a later pass of a still-silent node records nothing more');
  const about = (kind: string) => events.find((e) => (e.involvedObject as { kind: string }).kind === kind);
  t.like(about('Node'), { metadata: { namespace: 'default' }, involvedObject: { kind: 'Node', name: 'edge-1', uid: node.metadata.uid }, type: 'Normal', reason: 'NodeNotReady', message: 'Node edge-1 status is now: NodeNotReady', count: 1 });
  t.like(about('Pod'), { metadata: { namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'web' }, type: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready', count: 1 });
});
