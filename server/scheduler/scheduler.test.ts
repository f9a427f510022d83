import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { openSqliteStore } from '../../storage/kv/index.ts';
import { createCatalog, createObjectStore, type KubeObject, type ObjectStore } from '../api/index.ts';
import { podScheduledCondition } from './conditions.ts';
import { node, pod, type NodeOptions, type PodOptions } from './fixtures.test-helper.ts';
import { startScheduler } from './index.ts';

const catalog = createCatalog();
const Namespace = catalog.byResource('', 'v1', 'namespaces')!;
const Node = catalog.byResource('', 'v1', 'nodes')!;
const Pod = catalog.byResource('', 'v1', 'pods')!;
const Event = catalog.byResource('', 'v1', 'events')!;

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

async function store(t: Teardown): Promise<ObjectStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-scheduler-'));
  const kv = openSqliteStore({ file: path.join(dir, 'state.db') });
  const objects = createObjectStore({ kv, namespaceType: Namespace });
  await objects.create(Namespace, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  t.teardown(async () => {
    await kv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return objects;
}

async function scheduler(t: Teardown, objects: ObjectStore, retryMs?: number) {
  const running = startScheduler(objects, catalog, retryMs ? { retryMs } : {});
  // Registered after the store's teardown, so it runs first (ava runs teardowns last-in first-out).
  t.teardown(() => running.stop());
  await running.synced;
  return running;
}

/** A node as an agent registers it: the object, then its status. */
async function addNode(objects: ObjectStore, name: string, options: NodeOptions = {}): Promise<void> {
  const wanted = node(name, options);
  await objects.create(Node, undefined, { ...wanted, status: undefined });
  await objects.mutate(Node, undefined, name, (current) => ({ ...current, status: wanted.status }), { subresource: 'status' });
}

async function addPod(objects: ObjectStore, name: string, options: PodOptions = {}): Promise<KubeObject> {
  const { metadata, spec } = pod(name, options);
  const { uid: _uid, ...rest } = metadata;
  return objects.create(Pod, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: rest, spec });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const nodeNameOf = (p: KubeObject) => ((p.spec ?? {}) as { nodeName?: string }).nodeName;

async function boundPod(objects: ObjectStore, name: string): Promise<KubeObject> {
  return until(`${name} bound with PodScheduled=True`, async () => {
    const p = await objects.get(Pod, 'default', name);
    return nodeNameOf(p) && podScheduledCondition(p)?.status === 'True' ? p : undefined;
  });
}

async function threeNodes(t: Teardown): Promise<ObjectStore> {
  const objects = await store(t);
  for (const name of ['node-a', 'node-b', 'node-c']) await addNode(objects, name);
  return objects;
}

test('replicas of one owner spread 2/2/2 over three nodes, and each gets PodScheduled=True', async (t) => {
  const objects = await threeNodes(t);
  await scheduler(t, objects);
  for (let i = 0; i < 6; i++) await addPod(objects, `web-${i}`, { owner: 'web', cpu: '100m' });
  const counts: Record<string, number> = {};
  for (let i = 0; i < 6; i++) {
    const p = await boundPod(objects, `web-${i}`);
    counts[nodeNameOf(p)!] = (counts[nodeNameOf(p)!] ?? 0) + 1;
    const condition = podScheduledCondition(p)!;
    t.is(condition.lastProbeTime, null);
    t.regex(condition.lastTransitionTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  }
  t.deepEqual(counts, { 'node-a': 2, 'node-b': 2, 'node-c': 2 });
});

test('nodeSelector, taints, other schedulers and pods that existed before the scheduler started', async (t) => {
  const objects = await store(t);
  await addNode(objects, 'node-a');
  await addNode(objects, 'node-b', { labels: { disk: 'ssd' } });
  await addNode(objects, 'node-c', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
  await addPod(objects, 'early', { spec: { nodeSelector: { disk: 'ssd' } } });
  await scheduler(t, objects);
  t.is(nodeNameOf(await boundPod(objects, 'early')), 'node-b');
  await addPod(objects, 'gpu-job', { spec: { nodeSelector: { 'kubernetes.io/hostname': 'node-c' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } });
  t.is(nodeNameOf(await boundPod(objects, 'gpu-job')), 'node-c');
  for (let i = 0; i < 4; i++) await addPod(objects, `plain-${i}`);
  for (let i = 0; i < 4; i++) t.not(nodeNameOf(await boundPod(objects, `plain-${i}`)), 'node-c', 'untolerated taint avoided');
  await addPod(objects, 'custom', { spec: { schedulerName: 'my-scheduler' } });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const custom = await objects.get(Pod, 'default', 'custom');
  t.is(nodeNameOf(custom), undefined, 'a pod for another scheduler is left alone');
  t.is(podScheduledCondition(custom), undefined);
});

test('a pod that fits nowhere gets PodScheduled=False with the reason, and binds once a fitting node appears', async (t) => {
  const objects = await threeNodes(t);
  await scheduler(t, objects);
  await addPod(objects, 'big', { cpu: '3' });
  const waiting = await until('PodScheduled=False', async () => {
    const condition = podScheduledCondition(await objects.get(Pod, 'default', 'big'));
    return condition?.status === 'False' ? condition : undefined;
  });
  t.like(waiting, {
    type: 'PodScheduled',
    status: 'False',
    reason: 'Unschedulable',
    message: '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..',
    lastProbeTime: null,
  });
  await addNode(objects, 'node-d', { cpu: '4' });
  const bound = await boundPod(objects, 'big');
  t.is(nodeNameOf(bound), 'node-d');
  t.is(podScheduledCondition(bound)!.reason, undefined, 'the True condition carries no reason');
  // The Events kubectl describe shows: each failure with the condition's message, then the binding.
  const events = await until('FailedScheduling and Scheduled events', async () => {
    const { items } = await objects.list(Event, 'default', { filter: (e) => (e.involvedObject as { uid?: string }).uid === bound.metadata.uid });
    return items.some((e) => e.reason === 'Scheduled') ? items : undefined;
  });
  const failed = events.find((e) => e.reason === 'FailedScheduling' && e.message === waiting.message);
  t.like(failed, { type: 'Warning', source: { component: 'default-scheduler' }, involvedObject: { kind: 'Pod', name: 'big', namespace: 'default' } });
  t.like(events.find((e) => e.reason === 'Scheduled'), { type: 'Normal', message: 'Successfully assigned default/big to node-d', source: { component: 'default-scheduler' } });
});

test('room freed by a deleted pod is used; a node that goes offline gets no new pods', async (t) => {
  const objects = await store(t);
  await addNode(objects, 'node-a', { cpu: '1' });
  await scheduler(t, objects);
  await addPod(objects, 'first', { cpu: '800m' });
  await boundPod(objects, 'first');
  await addPod(objects, 'second', { cpu: '800m' });
  await until('second unschedulable', async () => (podScheduledCondition(await objects.get(Pod, 'default', 'second'))?.status === 'False' ? true : undefined));
  // Bound pods stop gracefully on their node; a forced delete (grace 0) removes it at once.
  await objects.delete(Pod, 'default', 'first', { gracePeriodSeconds: 0 });
  t.is(nodeNameOf(await boundPod(objects, 'second')), 'node-a');

  await addNode(objects, 'node-b', { cpu: '4' });
  await objects.mutate(Node, undefined, 'node-b', (n) => ({ ...n, status: { ...(n.status as object), conditions: [{ type: 'Ready', status: 'Unknown' }] } }), { subresource: 'status' });
  await addPod(objects, 'third', { cpu: '800m' });
  const message = await until('third unschedulable', async () => {
    const condition = podScheduledCondition(await objects.get(Pod, 'default', 'third'));
    return condition?.status === 'False' ? condition.message : undefined;
  });
  t.is(message, '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling..');
  await objects.mutate(Node, undefined, 'node-b', (n) => ({ ...n, status: { ...(n.status as object), conditions: [{ type: 'Ready', status: 'True' }] } }), { subresource: 'status' });
  t.is(nodeNameOf(await boundPod(objects, 'third')), 'node-b', 'back online, it takes the waiting pod');
});

test('a pod that stays unschedulable is retried without any cluster change', async (t) => {
  const objects = await store(t);
  await addNode(objects, 'node-a', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] });
  await scheduler(t, objects, 200);
  await addPod(objects, 'p');
  await until('unschedulable', async () => (podScheduledCondition(await objects.get(Pod, 'default', 'p'))?.status === 'False' ? true : undefined));
  // A status-only change is no reason to retry, so only the periodic retry writes the condition again.
  await objects.mutate(Pod, 'default', 'p', (p) => ({ ...p, status: { ...(p.status as object), conditions: [] } }), { subresource: 'status' });
  await until('the condition written again by a periodic retry', async () => (podScheduledCondition(await objects.get(Pod, 'default', 'p'))?.status === 'False' ? true : undefined), 3000);
  t.pass();
});

test('a burst of 1,000 pods is bound quickly and evenly', async (t) => {
  const objects = await store(t);
  const nodes = 10;
  for (let i = 0; i < nodes; i++) await addNode(objects, `node-${i}`, { cpu: '16', memory: '64Gi', pods: '110' });
  await scheduler(t, objects);
  const total = 1000;
  const started = Date.now();
  const batch = 50;
  for (let i = 0; i < total; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, total - i) }, (_, j) => addPod(objects, `burst-${i + j}`, { cpu: '10m', memory: '16Mi' })));
  }
  const created = Date.now() - started;
  const pods = await until('all bound', async () => {
    const { items } = await objects.list(Pod, 'default');
    return items.filter((p) => nodeNameOf(p)).length === total ? items : undefined;
  }, 60_000);
  const bound = Date.now() - started;
  const scheduled = await until('all PodScheduled=True', async () => {
    const { items } = await objects.list(Pod, 'default');
    return items.every((p) => podScheduledCondition(p)?.status === 'True') ? Date.now() - started : undefined;
  }, 60_000);
  const perNode = new Map<string, number>();
  for (const p of pods) perNode.set(nodeNameOf(p)!, (perNode.get(nodeNameOf(p)!) ?? 0) + 1);
  t.log(`${total} pods: created in ${created} ms, all bound after ${bound} ms, all PodScheduled=True after ${scheduled} ms; per node ${[...perNode.values()].join('/')}`);
  t.true(bound <= 15_000, `bound within 15 s (target 5 s), took ${bound} ms`);
  t.is(perNode.size, nodes);
  t.true([...perNode.values()].every((n) => n === total / nodes), 'identical pods spread evenly');
});
