import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { openSqliteStore } from '../../storage/kv/index.ts';
import { createCatalog, createObjectStore, type KubeObject, type ObjectStore } from '../api/index.ts';
import { kubernetesAdmission } from '../api/admission.ts';
import { createEventBroadcaster, startEventSweeper } from './index.ts';

const catalog = createCatalog();
const Namespace = catalog.byResource('', 'v1', 'namespaces')!;
const ConfigMap = catalog.byResource('', 'v1', 'configmaps')!;
const Event = catalog.byResource('', 'v1', 'events')!;

async function store(t: { teardown(fn: () => void | Promise<void>): void }): Promise<ObjectStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-events-'));
  const kv = openSqliteStore({ file: path.join(dir, 'state.db') });
  const objects = createObjectStore({ kv, admission: kubernetesAdmission, namespaceType: Namespace });
  await objects.create(Namespace, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  t.teardown(async () => {
    await kv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return objects;
}

function clock(start = Date.parse('2025-01-01T00:00:00Z')) {
  let at = start;
  return { now: () => new Date(at), advance: (ms: number) => void (at += ms) };
}

const configMap = (objects: ObjectStore, name = 'settings') => objects.create(ConfigMap, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
const events = async (objects: ObjectStore) => (await objects.list(Event, undefined)).items;

test('an event is named <object>.<16 hex digits> and carries what client-go writes', async (t) => {
  const objects = await store(t);
  const time = clock();
  const broadcaster = createEventBroadcaster(objects, catalog, { now: time.now });
  const object = await configMap(objects);
  broadcaster.recorder('test-controller').event(object, 'Normal', 'Synced', 'all good');
  await broadcaster.flush();
  const [event, ...rest] = await events(objects);
  t.is(rest.length, 0);
  t.regex(event!.metadata.name!, /^settings\.[0-9a-f]{16}$/);
  t.is(event!.metadata.namespace, 'default');
  t.deepEqual(event!.involvedObject, { kind: 'ConfigMap', namespace: 'default', name: 'settings', uid: object.metadata.uid, apiVersion: 'v1', resourceVersion: object.metadata.resourceVersion });
  t.like(event, { reason: 'Synced', message: 'all good', type: 'Normal', count: 1, source: { component: 'test-controller' }, reportingComponent: 'test-controller' });
  t.is(event!.firstTimestamp, '2025-01-01T00:00:00Z');
  t.is(event!.lastTimestamp, '2025-01-01T00:00:00Z');
  t.is(event!.eventTime, null);
});

test('a repeat within ten minutes bumps count and lastTimestamp; a new message or a later repeat is a new Event', async (t) => {
  const objects = await store(t);
  const time = clock();
  const broadcaster = createEventBroadcaster(objects, catalog, { now: time.now });
  const recorder = broadcaster.recorder('test-controller');
  const object = await configMap(objects);
  recorder.event(object, 'Warning', 'Failed', 'it broke');
  time.advance(30_000);
  recorder.event(object, 'Warning', 'Failed', 'it broke');
  time.advance(30_000);
  recorder.event(object, 'Warning', 'Failed', 'it broke');
  recorder.event(object, 'Warning', 'Failed', 'it broke differently');
  await broadcaster.flush();
  let all = await events(objects);
  t.is(all.length, 2);
  const repeated = all.find((e) => e.message === 'it broke')!;
  t.is(repeated.count, 3);
  t.is(repeated.firstTimestamp, '2025-01-01T00:00:00Z');
  t.is(repeated.lastTimestamp, '2025-01-01T00:01:00Z');
  time.advance(11 * 60_000);
  recorder.event(object, 'Warning', 'Failed', 'it broke');
  await broadcaster.flush();
  all = await events(objects);
  t.is(all.length, 3, 'past the aggregation window the repeat starts a new Event');
});

test('a repeat whose Event was deleted meanwhile writes a new one', async (t) => {
  const objects = await store(t);
  const broadcaster = createEventBroadcaster(objects, catalog);
  const recorder = broadcaster.recorder('test-controller');
  const object = await configMap(objects);
  recorder.event(object, 'Normal', 'Synced', 'again');
  await broadcaster.flush();
  const [first] = await events(objects);
  await objects.delete(Event, 'default', first!.metadata.name!);
  recorder.event(object, 'Normal', 'Synced', 'again');
  await broadcaster.flush();
  const all = await events(objects);
  t.is(all.length, 1);
  t.is(all[0]!.count, 1);
});

test('the spam filter lets a burst through per object, then one event per refill interval', async (t) => {
  const objects = await store(t);
  const time = clock();
  const broadcaster = createEventBroadcaster(objects, catalog, { now: time.now, burst: 3, refillMs: 1000 });
  const recorder = broadcaster.recorder('test-controller');
  const noisy = await configMap(objects, 'noisy');
  const quiet = await configMap(objects, 'quiet');
  for (let i = 0; i < 5; i++) recorder.event(noisy, 'Normal', 'Created', `created ${i}`);
  recorder.event(quiet, 'Normal', 'Created', 'created');
  await broadcaster.flush();
  t.is((await events(objects)).filter((e) => (e.involvedObject as { name: string }).name === 'noisy').length, 3);
  t.is((await events(objects)).filter((e) => (e.involvedObject as { name: string }).name === 'quiet').length, 1, 'another object has its own bucket');
  time.advance(1000);
  recorder.event(noisy, 'Normal', 'Created', 'created 5');
  recorder.event(noisy, 'Normal', 'Created', 'created 6');
  await broadcaster.flush();
  t.is((await events(objects)).filter((e) => (e.involvedObject as { name: string }).name === 'noisy').length, 4);
});

test('events about cluster-scoped objects go to default; a failed write neither throws nor blocks', async (t) => {
  const objects = await store(t);
  const broadcaster = createEventBroadcaster(objects, catalog);
  const recorder = broadcaster.recorder('node-controller');
  recorder.event({ apiVersion: 'v1', kind: 'Node', name: 'edge-1', uid: 'u-1' }, 'Normal', 'NodeNotReady', 'Node edge-1 status is now: NodeNotReady');
  const orphan: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'no-such-namespace', uid: 'u-2' } };
  t.notThrows(() => recorder.event(orphan, 'Warning', 'NodeNotReady', 'Node is not ready'));
  await broadcaster.flush();
  const all = await events(objects);
  t.is(all.length, 1);
  t.is(all[0]!.metadata.namespace, 'default');
  t.deepEqual(all[0]!.involvedObject, { apiVersion: 'v1', kind: 'Node', name: 'edge-1', uid: 'u-1' });
});

test('the sweep deletes Events last seen more than the TTL ago', async (t) => {
  const objects = await store(t);
  const time = clock();
  const broadcaster = createEventBroadcaster(objects, catalog, { now: time.now });
  const recorder = broadcaster.recorder('test-controller');
  const object = await configMap(objects);
  recorder.event(object, 'Normal', 'Old', 'old');
  recorder.event(object, 'Normal', 'Kept', 'kept');
  time.advance(9 * 60_000);
  // The repeat moves lastTimestamp, which is what the TTL counts from.
  recorder.event(object, 'Normal', 'Kept', 'kept');
  await broadcaster.flush();
  time.advance(61 * 60_000 - 9 * 60_000);
  const sweeper = startEventSweeper(objects, catalog, { now: time.now, intervalMs: 60_000 });
  t.teardown(() => sweeper.stop());
  t.is(await sweeper.sweep(), 1);
  t.deepEqual((await events(objects)).map((e) => e.reason), ['Kept']);
});
