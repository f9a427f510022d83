import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { openSqliteStore } from '../../../storage/kv/index.ts';
import { createCatalog } from '../catalog/index.ts';
import { ApiError } from '../errors.ts';
import { createObjectStore, type ObjectEvent, type ObjectStore } from './store.ts';
import type { KubeObject } from './types.ts';

const catalog = createCatalog();
const Namespace = catalog.byResource('', 'v1', 'namespaces')!;
const ConfigMap = catalog.byResource('', 'v1', 'configmaps')!;
const Deployment = catalog.byResource('apps', 'v1', 'deployments')!;
const Pod = catalog.byResource('', 'v1', 'pods')!;

async function fixture(t: { teardown(fn: () => void | Promise<void>): void }): Promise<ObjectStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-objects-'));
  const kv = openSqliteStore({ file: path.join(dir, 'state.db') });
  t.teardown(async () => {
    await kv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const objects = createObjectStore({ kv, namespaceType: Namespace });
  await objects.create(Namespace, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' }, spec: { finalizers: ['kubernetes'] } });
  return objects;
}

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data });
const deployment = (replicas: number): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas }, status: { replicas: 99 } });

async function rejection(t: { throwsAsync: (p: Promise<unknown>) => Promise<unknown> }, promise: Promise<unknown>): Promise<ApiError> {
  return (await t.throwsAsync(promise)) as ApiError;
}

test('create sets server-owned metadata; get returns it with resourceVersion; duplicates are 409 AlreadyExists', async (t) => {
  const objects = await fixture(t);
  const created = await objects.create(ConfigMap, 'default', cm('a'));
  t.regex(created.metadata.uid!, /^[0-9a-f-]{36}$/);
  t.regex(created.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  t.is(created.metadata.namespace, 'default');
  t.regex(created.metadata.resourceVersion!, /^\d+$/);
  t.deepEqual(await objects.get(ConfigMap, 'default', 'a'), created);
  const dup = await rejection(t, objects.create(ConfigMap, 'default', cm('a')));
  t.is(dup.code, 409);
  t.is(dup.reason, 'AlreadyExists');
  t.is(dup.message, 'configmaps "a" already exists');
  const generated = await objects.create(ConfigMap, 'default', { ...cm(''), metadata: { generateName: 'gen-' } });
  t.regex(generated.metadata.name!, /^gen-[a-z0-9]{5}$/);
});

test('a namespaced write needs its namespace, and a terminating namespace takes no new content', async (t) => {
  const objects = await fixture(t);
  const missing = await rejection(t, objects.create(ConfigMap, 'nowhere', cm('a')));
  t.is(missing.code, 404);
  t.is(missing.message, 'namespaces "nowhere" not found');
  await objects.delete(Namespace, undefined, 'default');
  const ns = await objects.get(Namespace, undefined, 'default');
  t.truthy(ns.metadata.deletionTimestamp, 'the namespace waits for its finalizer');
  t.is((ns.status as { phase: string }).phase, 'Terminating');
  const refused = await rejection(t, objects.create(ConfigMap, 'default', cm('b')));
  t.is(refused.code, 403);
});

test('update: a stale resourceVersion is 409 Conflict; spec changes bump generation; status is kept apart from spec', async (t) => {
  const objects = await fixture(t);
  const created = await objects.create(Deployment, 'default', deployment(1));
  t.is(created.metadata.generation, 1);
  t.is(created.status, undefined, 'a create starts without status');
  const scaled = await objects.update(Deployment, 'default', 'web', { ...created, spec: { replicas: 3 }, status: { replicas: 7 } });
  t.is(scaled.metadata.generation, 2);
  t.is(scaled.status, undefined, 'the main resource ignores status');
  const stale = await rejection(t, objects.update(Deployment, 'default', 'web', { ...created, spec: { replicas: 4 } }));
  t.is(stale.code, 409);
  t.regex(stale.message, /^Operation cannot be fulfilled on deployments\.apps "web": the object has been modified/);
  const withStatus = await objects.update(Deployment, 'default', 'web', { ...scaled, spec: { replicas: 100 }, status: { replicas: 3 } }, { subresource: 'status' });
  t.deepEqual(withStatus.status, { replicas: 3 });
  t.deepEqual(withStatus.spec, { replicas: 3 }, '/status ignores spec');
  t.is(withStatus.metadata.generation, 2);
  const relabeled = await objects.update(Deployment, 'default', 'web', { ...withStatus, metadata: { ...withStatus.metadata, labels: { a: 'b' } } });
  t.is(relabeled.metadata.generation, 2, 'metadata changes do not bump generation');
  t.is(relabeled.metadata.uid, created.metadata.uid);
});

test('mutate retries on conflicts so concurrent read-modify-writes all land', async (t) => {
  const objects = await fixture(t);
  await objects.create(ConfigMap, 'default', cm('counter', {}, { n: '0' }));
  await Promise.all(
    Array.from({ length: 20 }, () =>
      objects.mutate(ConfigMap, 'default', 'counter', (c) => ({ ...c, data: { n: String(Number((c.data as { n: string }).n) + 1) } })),
    ),
  );
  t.is(((await objects.get(ConfigMap, 'default', 'counter')).data as { n: string }).n, '20');
});

test('delete: finalizers hold an object until they are removed; preconditions are checked', async (t) => {
  const objects = await fixture(t);
  const created = await objects.create(ConfigMap, 'default', { ...cm('held'), metadata: { name: 'held', finalizers: ['example.com/hold'] } });
  const wrongUid = await rejection(t, objects.delete(ConfigMap, 'default', 'held', { preconditions: { uid: 'nope' } }));
  t.is(wrongUid.code, 409);
  const first = await objects.delete(ConfigMap, 'default', 'held');
  t.false(first.deleted);
  t.truthy(first.object.metadata.deletionTimestamp);
  const current = await objects.get(ConfigMap, 'default', 'held');
  const released = await objects.update(ConfigMap, 'default', 'held', { ...current, metadata: { ...current.metadata, finalizers: [] } });
  t.is(released.metadata.uid, created.metadata.uid);
  const gone = await rejection(t, objects.get(ConfigMap, 'default', 'held'));
  t.is(gone.code, 404);
  const foreground = await objects.create(ConfigMap, 'default', cm('fg'));
  const marked = await objects.delete(ConfigMap, 'default', 'fg', { propagationPolicy: 'Foreground' });
  t.deepEqual(marked.object.metadata.finalizers, ['foregroundDeletion']);
  t.is(marked.object.metadata.uid, foreground.metadata.uid);
});

test('a pod bound to a node is deleted gracefully; an unbound or forced one at once', async (t) => {
  const objects = await fixture(t);
  const pod = (name: string, nodeName?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } });
  await objects.create(Pod, 'default', pod('loose'));
  t.true((await objects.delete(Pod, 'default', 'loose')).deleted);
  await objects.create(Pod, 'default', pod('bound', 'edge-1'));
  const graceful = await objects.delete(Pod, 'default', 'bound');
  t.false(graceful.deleted);
  t.is(graceful.object.metadata.deletionGracePeriodSeconds, 30);
  t.true((await objects.delete(Pod, 'default', 'bound', { gracePeriodSeconds: 0 })).deleted);
});

test('list filters, pages by limit with continue, and reads as of an exact revision', async (t) => {
  const objects = await fixture(t);
  for (let i = 0; i < 10; i++) await objects.create(ConfigMap, 'default', cm(`cm-${i}`, { even: String(i % 2 === 0) }));
  const filter = (o: KubeObject) => o.metadata.labels?.even === 'true';
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await objects.list(ConfigMap, 'default', { filter, limit: 2, continue: token });
    t.true(page.items.length <= 2);
    names.push(...page.items.map((o) => o.metadata.name!));
    token = page.continue;
  } while (token);
  t.deepEqual(names, ['cm-0', 'cm-2', 'cm-4', 'cm-6', 'cm-8']);
  const before = await objects.list(ConfigMap, 'default');
  await objects.delete(ConfigMap, 'default', 'cm-0');
  const past = await objects.list(ConfigMap, 'default', { resourceVersion: before.resourceVersion, resourceVersionMatch: 'Exact' });
  t.is(past.items.length, 10);
  t.is((await objects.list(ConfigMap, undefined)).items.length, 9, 'all namespaces');
});

test('watch: current state first, then changes; with a filter, objects entering and leaving it are ADDED and DELETED', async (t) => {
  const objects = await fixture(t);
  await objects.create(ConfigMap, 'default', cm('x', { app: 'web' }));
  const watch = await objects.watch(ConfigMap, 'default', { filter: (o) => o.metadata.labels?.app === 'web' });
  t.is(watch.initialCount, 1);
  const seen: Array<[string, string]> = [];
  const done = (async () => {
    for await (const event of watch as AsyncIterable<ObjectEvent>) {
      seen.push([event.type, event.object.metadata.name!]);
      if (seen.length === 5) break;
    }
  })();
  const x = await objects.get(ConfigMap, 'default', 'x');
  await objects.create(ConfigMap, 'default', cm('other', { app: 'db' }));
  await objects.update(ConfigMap, 'default', 'x', { ...x, metadata: { ...x.metadata, labels: { app: 'db' } } });
  const other = await objects.get(ConfigMap, 'default', 'other');
  await objects.update(ConfigMap, 'default', 'other', { ...other, metadata: { ...other.metadata, labels: { app: 'web' } } });
  await objects.update(ConfigMap, 'default', 'other', { ...(await objects.get(ConfigMap, 'default', 'other')), data: { k: 'v' } });
  await objects.delete(ConfigMap, 'default', 'other');
  await done;
  watch.close();
  t.deepEqual(seen, [['ADDED', 'x'], ['DELETED', 'x'], ['ADDED', 'other'], ['MODIFIED', 'other'], ['DELETED', 'other']]);
});

test('a new pod starts Pending with its QoS class', async (t) => {
  const objects = await fixture(t);
  const pod = (name: string, resources: object): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox', resources }] } });
  t.deepEqual((await objects.create(Pod, 'default', pod('best', {}))).status, { phase: 'Pending', qosClass: 'BestEffort' });
  t.is(((await objects.create(Pod, 'default', pod('burst', { requests: { cpu: '100m' } }))).status as { qosClass: string }).qosClass, 'Burstable');
  const limits = { cpu: '1', memory: '64Mi' };
  t.is(((await objects.create(Pod, 'default', pod('guaranteed', { limits, requests: limits }))).status as { qosClass: string }).qosClass, 'Guaranteed');
});

test('a watch or list at a compacted resourceVersion is 410 Expired', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-objects-'));
  const kv = openSqliteStore({ file: path.join(dir, 'state.db') });
  t.teardown(async () => {
    await kv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const objects = createObjectStore({ kv });
  const first = await objects.create(ConfigMap, 'default', cm('a'));
  const updated = await objects.update(ConfigMap, 'default', 'a', { ...first, data: { k: 'v' } });
  await objects.update(ConfigMap, 'default', 'a', { ...updated, data: { k: 'w' } });
  await kv.compact(Number(updated.metadata.resourceVersion));
  const watch = await rejection(t, objects.watch(ConfigMap, 'default', { resourceVersion: first.metadata.resourceVersion }));
  t.is(watch.code, 410);
  t.is(watch.reason, 'Expired');
  t.regex(watch.message, /^too old resource version/);
  const list = await rejection(t, objects.list(ConfigMap, 'default', { resourceVersion: first.metadata.resourceVersion, resourceVersionMatch: 'Exact' }));
  t.is(list.code, 410);
});
