import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { openSqliteStore } from '../../storage/kv/index.ts';
import { kubernetesAdmission } from '../api/admission.ts';
import { createCatalog, createObjectStore, ensureLocalPathClass, localPathClass, SELECTED_NODE, type KubeObject, type ObjectStore } from '../api/index.ts';
import { node, pod, PREEMPTION_NOT_HELPFUL } from './fixtures.test-helper.ts';
import { startScheduler } from './index.ts';
import { schedulePod, type ScheduleResult, type VolumeLookup } from './schedule.ts';

const nodes3 = [node('node-a'), node('node-b'), node('node-c')];
const message = (result: ScheduleResult) => ('message' in result ? result.message : `bound to ${result.node}`);

function claim(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default', uid: `uid-${name}`, ...(annotations ? { annotations } : {}) }, spec };
}

function lookup(claims: KubeObject[]): VolumeLookup {
  const classes = [localPathClass(true)];
  return {
    claim: (ns, name) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === name),
    volume: () => undefined,
    storageClass: (name) => classes.find((c) => c.metadata.name === name),
  };
}

const using = (name: string, claimName: string, extra: Record<string, unknown> = {}) => pod(name, { spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName } }] }, ...extra });

test('an unbound local-path claim lets any node do; once a node was selected for it, only that node', (t) => {
  const fresh = lookup([claim('data', { storageClassName: 'local-path' })]);
  t.is(message(schedulePod(using('p', 'data'), nodes3, undefined, fresh)), 'bound to node-a');
  const chosen = lookup([claim('data', { storageClassName: 'local-path' }, { [SELECTED_NODE]: 'node-c' })]);
  t.is(message(schedulePod(using('p', 'data'), nodes3, undefined, chosen)), 'bound to node-c');
  t.is(message(schedulePod(using('p', 'data'), [node('node-a')], undefined, chosen)),
    `0/1 nodes are available: 1 node(s) didn't find available persistent volumes to bind. ${PREEMPTION_NOT_HELPFUL(1)}`);
});

test('a claim whose StorageClass does not exist keeps its pod unschedulable, saying which class', (t) => {
  const result = schedulePod(using('p', 'data'), nodes3, undefined, lookup([claim('data', { storageClassName: 'fast' })]));
  t.is(message(result), `0/3 nodes are available: storageclass.storage.k8s.io "fast" not found. ${PREEMPTION_NOT_HELPFUL(3)}`);
});

test('a ReadWriteOncePod claim in use by another running pod keeps a second pod pending', (t) => {
  const volumes = lookup([claim('solo', { storageClassName: 'local-path', accessModes: ['ReadWriteOncePod'] }), claim('shared', { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'] })]);
  const running = new Map([['node-b', [using('first', 'solo', { nodeName: 'node-b', phase: 'Running' }), using('other', 'shared', { nodeName: 'node-b', phase: 'Running' })]]]);
  t.is(message(schedulePod(using('second', 'solo'), nodes3, running, volumes)),
    `0/3 nodes are available: node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by another pod. ${PREEMPTION_NOT_HELPFUL(3)}`);
  t.is(message(schedulePod(using('second', 'shared'), nodes3, running, volumes)), 'bound to node-a', 'ReadWriteOnce is shared by pods (on its node)');
  const finished = new Map([['node-b', [using('first', 'solo', { nodeName: 'node-b', phase: 'Succeeded' })]]]);
  t.is(message(schedulePod(using('second', 'solo'), nodes3, finished, volumes)), 'bound to node-a', 'a finished pod holds nothing');
});

test('a bound local PV keeps its pods on its node; a pod forced elsewhere by nodeSelector stays pending', (t) => {
  const pv: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pvc-1' }, spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-b'] }] }] } } } };
  const volumes = { ...lookup([claim('data', { storageClassName: 'local-path', volumeName: 'pvc-1' })]), volume: () => pv };
  t.is(message(schedulePod(using('p', 'data'), nodes3, undefined, volumes)), 'bound to node-b');
  t.is(message(schedulePod(using('p', 'data', { spec: { nodeSelector: { 'kubernetes.io/hostname': 'node-a' }, volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] } }), nodes3, undefined, volumes)),
    `0/3 nodes are available: 1 node(s) had volume node affinity conflict, 2 node(s) didn't match Pod's node affinity/selector. ${PREEMPTION_NOT_HELPFUL(3)}`);
});

const catalog = createCatalog();
const Namespace = catalog.byResource('', 'v1', 'namespaces')!;
const Node = catalog.byResource('', 'v1', 'nodes')!;
const Pod = catalog.byResource('', 'v1', 'pods')!;
const Claim = catalog.byResource('', 'v1', 'persistentvolumeclaims')!;

async function store(t: { teardown(fn: () => void | Promise<void>): void }): Promise<ObjectStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-volume-binding-'));
  const kv = openSqliteStore({ file: path.join(dir, 'state.db') });
  const objects = createObjectStore({ kv, admission: kubernetesAdmission, namespaceType: Namespace });
  await objects.create(Namespace, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  await ensureLocalPathClass(objects, catalog.byResource('storage.k8s.io', 'v1', 'storageclasses')!);
  t.teardown(async () => {
    await kv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return objects;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 10))) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('the scheduler writes selected-node on a pod’s new local-path claims before it binds the pod', async (t) => {
  const objects = await store(t);
  const { status, ...bare } = node('node-b');
  await objects.create(Node, undefined, bare);
  await objects.mutate(Node, undefined, 'node-b', (n) => ({ ...n, status }), { subresource: 'status' });
  await objects.create(Claim, 'default', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  const watch = await objects.watch(Pod, 'default', {});
  const scheduler = startScheduler(objects, catalog);
  t.teardown(() => scheduler.stop());
  await scheduler.synced;
  const { metadata, spec } = using('app', 'data');
  await objects.create(Pod, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: metadata.name }, spec });
  // At the moment the binding is seen, the claim must already name the node.
  const selectedAtBinding = await (async () => {
    for await (const event of watch) {
      if ((event.object.spec as { nodeName?: string }).nodeName) return (await objects.get(Claim, 'default', 'data')).metadata.annotations?.[SELECTED_NODE];
    }
    return undefined;
  })();
  watch.close();
  t.is(selectedAtBinding, 'node-b');
});

test('a pod created with nodeName preset to another node than its volume is left alone and breaks nothing', async (t) => {
  const objects = await store(t);
  for (const name of ['node-a', 'node-b']) {
    const { status, ...bare } = node(name);
    await objects.create(Node, undefined, bare);
    await objects.mutate(Node, undefined, name, (n) => ({ ...n, status }), { subresource: 'status' });
  }
  await objects.create(Claim, 'default', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', annotations: { [SELECTED_NODE]: 'node-a' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  const scheduler = startScheduler(objects, catalog);
  t.teardown(() => scheduler.stop());
  await scheduler.synced;
  const pinned = using('pinned', 'data', { nodeName: 'node-b' });
  await objects.create(Pod, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pinned' }, spec: pinned.spec });
  const { spec } = using('follower', 'data');
  await objects.create(Pod, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'follower' }, spec });
  const placed = await until('the follower bound', async () => ((await objects.get(Pod, 'default', 'follower')).spec as { nodeName?: string }).nodeName);
  t.is(placed, 'node-a', 'the claim’s selected node still decides for scheduled pods');
  t.is(((await objects.get(Pod, 'default', 'pinned')).spec as { nodeName?: string }).nodeName, 'node-b', 'kube admits a preset nodeName; the agent refuses to start it');
});

test('two pods of one new claim created together land on one node (the choice is assumed before it is written)', async (t) => {
  const objects = await store(t);
  for (const name of ['node-a', 'node-b']) {
    const { status, ...bare } = node(name);
    await objects.create(Node, undefined, bare);
    await objects.mutate(Node, undefined, name, (n) => ({ ...n, status }), { subresource: 'status' });
  }
  await objects.create(Claim, 'default', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  for (const name of ['one', 'two']) {
    const { spec } = using(name, 'data', { cpu: '1' });
    await objects.create(Pod, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec });
  }
  const scheduler = startScheduler(objects, catalog);
  t.teardown(() => scheduler.stop());
  await scheduler.synced;
  const nodeOf = async (name: string) => ((await objects.get(Pod, 'default', name)).spec as { nodeName?: string }).nodeName;
  const placed = await until('both bound', async () => {
    const both = [await nodeOf('one'), await nodeOf('two')];
    return both.every(Boolean) ? both : undefined;
  });
  t.is(placed[0], placed[1]);
  t.is((await objects.get(Claim, 'default', 'data')).metadata.annotations?.[SELECTED_NODE], placed[0]);
});
