import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { openSqliteStore } from '../../storage/kv/index.ts';
import { createCatalog, createObjectStore, timestamp, type KubeObject, type ObjectStore } from '../api/index.ts';
import { kubernetesAdmission } from '../api/admission.ts';
import { startControllers } from './index.ts';
import { REVISION } from './deployment.ts';

const catalog = createCatalog();
const Namespace = catalog.byResource('', 'v1', 'namespaces')!;
const Pod = catalog.byResource('', 'v1', 'pods')!;
const ReplicaSet = catalog.byResource('apps', 'v1', 'replicasets')!;
const Deployment = catalog.byResource('apps', 'v1', 'deployments')!;

interface Cluster {
  objects: ObjectStore;
}

async function cluster(t: { teardown(fn: () => void | Promise<void>): void }): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-controllers-'));
  const kv = openSqliteStore({ file: path.join(dir, 'state.db') });
  const objects = createObjectStore({ kv, admission: kubernetesAdmission, namespaceType: Namespace });
  await objects.create(Namespace, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const controllers = startControllers(objects, catalog);
  // Until agents exist (the sync issue), this stands in for the node: every pod becomes Ready.
  let stopped = false;
  const kubelet = (async () => {
    while (!stopped) {
      for (const pod of (await objects.list(Pod, 'default')).items) {
        const status = (pod.status ?? {}) as { conditions?: unknown[] };
        if (pod.metadata.deletionTimestamp || status.conditions) continue;
        await objects
          .mutate(Pod, 'default', pod.metadata.name!, (p) => ({ ...p, status: { ...((p.status ?? {}) as object), phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: timestamp(new Date()) }] } }), { subresource: 'status' })
          .catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  t.teardown(async () => {
    stopped = true;
    await kubelet;
    await controllers.stop();
    await kv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { objects };
}

const deployment = (image: string, replicas = 3): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
  },
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function rolledOut(objects: ObjectStore, replicas: number): Promise<KubeObject> {
  return until(`rollout to ${replicas}`, async () => {
    const d = await objects.get(Deployment, 'default', 'web');
    const s = (d.status ?? {}) as { observedGeneration?: number; updatedReplicas?: number; replicas?: number; availableReplicas?: number };
    const done = s.observedGeneration === d.metadata.generation && s.updatedReplicas === replicas && s.replicas === replicas && s.availableReplicas === replicas;
    return done ? d : undefined;
  });
}

const images = async (objects: ObjectStore) =>
  (await objects.list(Pod, 'default')).items.filter((p) => !p.metadata.deletionTimestamp).map((p) => ((p.spec as { containers: Array<{ image: string }> }).containers[0]!.image)).sort();

test('a Deployment makes a ReplicaSet and its pods, rolls a new template without losing availability, rolls back, and cascades on delete', async (t) => {
  const { objects } = await cluster(t);
  await objects.create(Deployment, 'default', deployment('nginx:1.25'));
  const first = await rolledOut(objects, 3);
  const conditions = (first.status as { conditions: Array<{ type: string; reason: string }> }).conditions;
  t.deepEqual(conditions.map((c) => `${c.type}=${c.reason}`), ['Available=MinimumReplicasAvailable', 'Progressing=NewReplicaSetAvailable']);
  const sets = (await objects.list(ReplicaSet, 'default')).items;
  t.is(sets.length, 1);
  t.regex(sets[0]!.metadata.name!, /^web-[a-z0-9]+$/);
  t.is(sets[0]!.metadata.annotations?.[REVISION], '1');
  const pods = (await objects.list(Pod, 'default')).items;
  t.is(pods.length, 3);
  t.true(pods.every((p) => p.metadata.ownerReferences?.[0]?.name === sets[0]!.metadata.name && p.metadata.labels?.['pod-template-hash']));

  // maxUnavailable 0: at no point may fewer than 3 pods be available.
  let lowest = 3;
  const watcher = setInterval(() => {
    void objects.get(Deployment, 'default', 'web').then((d) => {
      const available = ((d.status ?? {}) as { availableReplicas?: number }).availableReplicas ?? 0;
      lowest = Math.min(lowest, available);
    });
  }, 20);
  t.teardown(() => clearInterval(watcher));
  const current = await objects.get(Deployment, 'default', 'web');
  await objects.update(Deployment, 'default', 'web', { ...current, spec: deployment('nginx:1.26').spec });
  await rolledOut(objects, 3);
  clearInterval(watcher);
  t.is(lowest, 3, 'availability never dropped below replicas - maxUnavailable');
  await until('old pods gone', async () => ((await images(objects)).join() === 'nginx:1.26,nginx:1.26,nginx:1.26' ? true : undefined));
  const revisions = (await objects.list(ReplicaSet, 'default')).items.map((rs) => `${rs.metadata.annotations?.[REVISION]}:${(rs.spec as { replicas: number }).replicas}`).sort();
  t.deepEqual(revisions, ['1:0', '2:3']);

  // Rolling back is putting the old template back: its ReplicaSet becomes revision 3.
  const again = await objects.get(Deployment, 'default', 'web');
  await objects.update(Deployment, 'default', 'web', { ...again, spec: deployment('nginx:1.25').spec });
  await rolledOut(objects, 3);
  await until('rolled back', async () => ((await images(objects)).join() === 'nginx:1.25,nginx:1.25,nginx:1.25' ? true : undefined));
  const after = (await objects.list(ReplicaSet, 'default')).items.map((rs) => `${rs.metadata.annotations?.[REVISION]}:${(rs.spec as { replicas: number }).replicas}`).sort();
  t.deepEqual(after, ['2:0', '3:3']);

  await objects.delete(Deployment, 'default', 'web', { propagationPolicy: 'Background' });
  await until('cascade', async () => ((await objects.list(ReplicaSet, 'default')).items.length === 0 && (await objects.list(Pod, 'default')).items.length === 0 ? true : undefined));
  t.pass();
});

test('scaling a Deployment scales its ReplicaSet; Recreate stops old pods before new ones start', async (t) => {
  const { objects } = await cluster(t);
  const recreate = deployment('busybox:1.36', 2);
  (recreate.spec as { strategy: unknown }).strategy = { type: 'Recreate' };
  await objects.create(Deployment, 'default', recreate);
  await rolledOut(objects, 2);
  const scaled = await objects.get(Deployment, 'default', 'web');
  await objects.update(Deployment, 'default', 'web', { ...scaled, spec: { ...(scaled.spec as object), replicas: 4 } });
  await rolledOut(objects, 4);
  t.is((await images(objects)).length, 4);
  const mixed: string[] = [];
  const watcher = setInterval(() => void images(objects).then((list) => { if (new Set(list).size > 1) mixed.push(list.join()); }), 20);
  t.teardown(() => clearInterval(watcher));
  const current = await objects.get(Deployment, 'default', 'web');
  const spec = structuredClone(current.spec) as { template: { spec: { containers: Array<{ image: string }> } } };
  spec.template.spec.containers[0]!.image = 'busybox:1.37';
  await objects.update(Deployment, 'default', 'web', { ...current, spec });
  await rolledOut(objects, 4);
  await until('new pods only', async () => ((await images(objects)).join() === Array(4).fill('busybox:1.37').join() ? true : undefined));
  clearInterval(watcher);
  t.deepEqual(mixed, [], 'old and new pods never ran side by side');
});

const Event = catalog.byResource('', 'v1', 'events')!;

/** The Events about one object, as `kubectl describe` finds them (by involvedObject uid). */
async function eventsFor(objects: ObjectStore, object: KubeObject): Promise<Array<{ reason: string; message: string; source: { component: string } }>> {
  const { items } = await objects.list(Event, object.metadata.namespace, { filter: (e) => (e.involvedObject as { uid?: string }).uid === object.metadata.uid });
  return items as unknown as Array<{ reason: string; message: string; source: { component: string } }>;
}

test('a scale-up leaves ScalingReplicaSet on the Deployment and SuccessfulCreate for each pod on its ReplicaSet', async (t) => {
  const { objects } = await cluster(t);
  await objects.create(Deployment, 'default', deployment('busybox:1.36', 2));
  await rolledOut(objects, 2);
  const d = await objects.get(Deployment, 'default', 'web');
  await objects.update(Deployment, 'default', 'web', { ...d, spec: { ...(d.spec as object), replicas: 4 } });
  await rolledOut(objects, 4);
  const [rs] = (await objects.list(ReplicaSet, 'default')).items;
  const name = rs!.metadata.name!;
  const scaling = await until('ScalingReplicaSet events', async () => {
    const list = (await eventsFor(objects, d)).filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message).sort();
    return list.length === 2 ? list : undefined;
  });
  t.deepEqual(scaling, [`Scaled up replica set ${name} to 2`, `Scaled up replica set ${name} to 4 from 2`]);
  const created = await until('SuccessfulCreate events', async () => {
    const list = (await eventsFor(objects, rs!)).filter((e) => e.reason === 'SuccessfulCreate');
    return list.length === 4 ? list : undefined;
  });
  const pods = (await objects.list(Pod, 'default')).items.map((p) => `Created pod: ${p.metadata.name}`).sort();
  t.deepEqual(created.map((e) => e.message).sort(), pods);
  t.true(created.every((e) => e.source.component === 'replicaset-controller'));
});
