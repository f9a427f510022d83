// Local persistent volumes end to end (DESIGN §8): the built server (its scheduler and volume
// controller), an agent process with loop-mounted volumes, busybox pods writing and reading
// them. Each test states what a user of K3s's local-path volumes would see.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { parse } from 'yaml';
import { becomeChildSubreaper } from '../native/index.ts';
import { agentView, api, waitUntil } from './helpers/cluster.ts';
import { buildBusyboxLayout, eventsOf, IMAGE, killContainers, logOf, startPodCluster, waitForPod, type PodCluster, type PodObject } from './helpers/pods.ts';
import { runSkerry } from './helpers/skerry.ts';
import { claimManifest, get as getFrom, post as postTo, VOLUMES_MISSING } from './helpers/volumes.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { unmountAll } from '../edge-agent/pods/host/mounts.ts';

const why = VOLUMES_MISSING;
const e2e = why ? test.skip : test.serial;
const NEEDS = why ? ` (skipped: ${why})` : '';

const MiB = 2 ** 20;
let work = '';
let layout = '';
let c: PodCluster;
let proxy: TcpProxy;
const teardown: Array<() => Promise<void>> = [];

test.before(async () => {
  if (why) return;
  becomeChildSubreaper();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-volumes-e2e-'));
  layout = await buildBusyboxLayout(work);
  c = await startPodCluster({ teardown: (fn) => void teardown.push(fn) }, 'volumes', layout, async (server) => {
    proxy = await startTcpProxy(server.mqttPort);
    return ['--broker', `mqtts://127.0.0.1:${proxy.port}`];
  });
});

test.after.always(async () => {
  for (const fn of teardown.reverse()) await fn().catch(() => undefined);
  await proxy?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const post = (collection: string, object: Obj) => postTo(c.server, collection, object);

const get = (p: string) => getFrom(c.server, p);
const claimPath = (name: string) => `/api/v1/namespaces/default/persistentvolumeclaims/${name}`;

const claim = claimManifest;

/** A pod (placed by the scheduler) with the claim at /data, running `script`. */
async function podWith(name: string, claimName: string, script: string): Promise<Obj> {
  return post('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', script], volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
  });
}

async function deletePod(name: string): Promise<void> {
  await api(c.server, 'DELETE', `/api/v1/namespaces/default/pods/${name}`);
  await waitUntil(`pod ${name} gone`, async () => (await api(c.server, 'GET', `/api/v1/namespaces/default/pods/${name}`)).status === 404, 30_000);
}

async function cutLink(): Promise<void> {
  const before = c.agent.logs().length;
  proxy.blackhole();
  await c.agent.waitForLog((l) => l.msg === 'broker connection lost; running from the local cache', 20_000, before);
}

const running = (name: string) => waitForPod(c, name, `${name} Running`, (p) => p.status?.phase === 'Running', 45_000);
const logged = (pod: PodObject, pattern: RegExp, container = 'c') => waitUntil(`${pod.metadata.name} logs ${pattern}`, () => pattern.exec(logOf(c, pod, container)) ?? undefined, 30_000);

/** The volume image of a PersistentVolume on the node, wherever storage/volumes keeps it. */
function imageOf(volume: string): string | undefined {
  const root = path.join(c.agentDir, 'storage');
  const walk = (dir: string): string | undefined => {
    for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const p = path.join(dir, entry.name);
      if (entry.isFile() && entry.name.startsWith(volume) && entry.name.endsWith('.img')) return p;
      if (entry.isDirectory() && entry.name !== 'mounts') {
        const found = walk(p);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(root);
}

const BLOB = 'dd if=/dev/urandom of=/data/blob bs=1024 count=512 2>/dev/null; sync';
const SUM = 'echo sum=$(sha256sum /data/blob | cut -d" " -f1)';

let sum = '';
let volumeName = '';

e2e(`a claim of the default class binds when its first pod is scheduled; the volume lives on that node${NEEDS}`, async (t) => {
  const created = await post('/api/v1/namespaces/default/persistentvolumeclaims', claim('data', '32Mi'));
  t.is(created.spec.storageClassName, 'local-path');
  await waitUntil('WaitForFirstConsumer event', async () => (await eventsOf(c, 'data')).some((e) => e.startsWith('WaitForFirstConsumer')));
  t.is((await get(claimPath('data'))).status?.phase, 'Pending');
  await podWith('writer', 'data', `${BLOB}; ${SUM}; exec sleep 3600`);
  const writer = await running('writer');
  sum = (await logged(writer, /sum=([0-9a-f]{64})/))[1]!;
  const bound = await get(claimPath('data'));
  t.is(bound.status.phase, 'Bound');
  volumeName = bound.spec.volumeName;
  const pv = await get(`/api/v1/persistentvolumes/${volumeName}`);
  t.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, [c.node]);
  t.is(pv.spec.persistentVolumeReclaimPolicy, 'Delete');
  t.truthy(imageOf(volumeName), 'the volume image is under the agent data dir');
  await waitUntil('the node reports the volume Ready', async () => (await get(`/api/v1/persistentvolumes/${volumeName}`)).metadata.annotations?.['volume.skerry.io/state'] === 'Ready');
});

e2e(`a writer passing the claim's size gets ENOSPC; other volumes and the node are untouched${NEEDS}`, async (t) => {
  await post('/api/v1/namespaces/default/persistentvolumeclaims', claim('small', '16Mi'));
  await podWith('filler', 'small', 'dd if=/dev/zero of=/data/fill bs=1048576 count=64 2>&1; echo exit=$?; df -k /data | tail -1; exec sleep 3600');
  const filler = await running('filler');
  await logged(filler, /exit=\d+[\s\S]*\n.*\n/);
  const out = logOf(c, filler, 'c');
  t.regex(out, /No space left on device/);
  t.regex(out, /exit=1/);
  const sizeKiB = Number(/\s(\d+)\s+\d+\s+\d+\s+\d+%/.exec(out)![1]);
  t.true(sizeKiB * 1024 >= 16 * MiB && sizeKiB * 1024 < 18 * MiB, `df size ${sizeKiB} KiB for 16Mi`);
  await podWith('check', 'data', `${SUM}; exec sleep 3600`);
  const check = await running('check').catch(() => undefined);
  // data is ReadWriteOnce on one node: a second pod on the same node may use it, as in Kubernetes.
  t.is((await logged(check!, /sum=([0-9a-f]{64})/))[1], sum);
  await Promise.all([deletePod('filler'), deletePod('check')]);
});

e2e(`data survives the pod being recreated, the agent restarting and a node reboot${NEEDS}`, async (t) => {
  await deletePod('writer');
  await podWith('reader', 'data', `${SUM}; exec sleep 3600`);
  let reader = await running('reader');
  t.is((await logged(reader, /sum=([0-9a-f]{64})/))[1], sum, 'after the pod was recreated');
  // Agent kill -9 and restart: the pod keeps running, the volume stays mounted.
  await c.agent.stop('SIGKILL');
  c.restartAgent();
  await waitUntil('node Ready again', async () => ((await get(`/api/v1/nodes/${c.node}`)).status?.conditions ?? []).some((x: Obj) => x.type === 'Ready' && x.status === 'True'), 30_000);
  t.is((await running('reader')).metadata.uid, reader.metadata.uid);
  // A reboot: every process killed, every mount gone, /run cleared; then the agent starts.
  await c.agent.stop('SIGKILL');
  await killContainers(c.runtimeRoot);
  unmountAll(c.dir);
  for (const dir of [c.runtimeRoot, c.podsRoot]) fs.rmSync(dir, { recursive: true, force: true });
  t.false(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(c.agentDir), 'nothing of the node is mounted');
  c.restartAgent();
  reader = await waitForPod(c, 'reader', 'reader restarted after the reboot', (p) => p.status?.phase === 'Running' && p.status?.containerStatuses?.[0]?.restartCount >= 1, 60_000);
  t.is((await waitUntil('sum after reboot', () => /sum=([0-9a-f]{64})/.exec(logOf(c, reader, 'c', 1)) ?? undefined, 30_000))[1], sum, 'after the reboot');
});

e2e(`a claim grows: pending while its pod holds it, done when the pod is recreated (allowVolumeExpansion)${NEEDS}`, async (t) => {
  const answer = await api(c.server, 'PATCH', claimPath('data'), { spec: { resources: { requests: { storage: '48Mi' } } } });
  t.is(answer.status, 200, JSON.stringify(answer.body));
  await waitUntil('FileSystemResizePending', async () => ((await get(claimPath('data'))).status?.conditions ?? []).some((x: Obj) => x.type === 'FileSystemResizePending'), 30_000);
  await deletePod('reader');
  await podWith('reader', 'data', `${SUM}; df -k /data | tail -1; exec sleep 3600`);
  const reader = await running('reader');
  const out = (await logged(reader, /sum=([0-9a-f]{64})\n.*\s(\d+)\s+\d+\s+\d+\s+\d+%/))!;
  t.is(out[1], sum, 'the data is kept');
  t.true(Number(out[2]) * 1024 >= 48 * MiB, `df size ${out[2]} KiB for 48Mi`);
  const grown = await waitUntil('capacity 48Mi', async () => {
    const current = await get(claimPath('data'));
    return current.status?.capacity?.storage === '48Mi' ? current : undefined;
  }, 30_000);
  t.falsy((grown.status.conditions ?? []).find((x: Obj) => x.type === 'FileSystemResizePending'));
});

e2e(`a deleted claim's data goes once no pod uses it (Delete); a Retain class keeps it${NEEDS}`, async (t) => {
  await api(c.server, 'DELETE', claimPath('data'));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const held = await get(claimPath('data'));
  t.truthy(held.metadata.deletionTimestamp, 'a claim in use stays Terminating (kubernetes.io/pvc-protection)');
  t.truthy(imageOf(volumeName));
  await deletePod('reader');
  await waitUntil('claim gone', async () => (await api(c.server, 'GET', claimPath('data'))).status === 404, 30_000);
  await waitUntil('PV gone', async () => (await api(c.server, 'GET', `/api/v1/persistentvolumes/${volumeName}`)).status === 404, 30_000);
  t.falsy(imageOf(volumeName), 'the data is removed from the node');

  await post('/apis/storage.k8s.io/v1/storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'keep' }, provisioner: 'skerry.io/local-path', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' });
  await post('/api/v1/namespaces/default/persistentvolumeclaims', claim('kept', '16Mi', { storageClassName: 'keep' }));
  await podWith('keeper', 'kept', 'echo hello > /data/hello; exec sleep 3600');
  await running('keeper');
  const kept = (await get(claimPath('kept'))).spec.volumeName;
  await deletePod('keeper');
  await api(c.server, 'DELETE', claimPath('kept'));
  const released = await waitUntil('PV Released', async () => {
    const pv = await get(`/api/v1/persistentvolumes/${kept}`);
    return pv.status?.phase === 'Released' ? pv : undefined;
  }, 30_000);
  t.is(released.spec.persistentVolumeReclaimPolicy, 'Retain');
  t.truthy(imageOf(kept), 'a Retained volume keeps its data');
  await api(c.server, 'DELETE', `/api/v1/persistentvolumes/${kept}`);
  await waitUntil('Retained PV gone once the node let it go', async () => (await api(c.server, 'GET', `/api/v1/persistentvolumes/${kept}`)).status === 404, 30_000);
  t.truthy(imageOf(kept), 'the data stays on the node after the PV is deleted');
});

e2e(`StatefulSet replicas get their own claims, kept on scale down and reused on scale up${NEEDS}`, async (t) => {
  const set = {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' },
    spec: {
      replicas: 2, serviceName: 'db', selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', '[ -f /data/who ] && echo found $(cat /data/who) || (hostname > /data/who; echo wrote $(hostname)); exec sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } }],
    },
  };
  await post('/apis/apps/v1/namespaces/default/statefulsets', set);
  const db1 = await running('db-1');
  t.regex((await logged(db1, /(wrote|found) \S+/))[0], /wrote db-1/);
  t.is((await get(claimPath('data-db-0'))).status.phase, 'Bound');
  t.is((await get(claimPath('data-db-1'))).status.phase, 'Bound');
  await api(c.server, 'PATCH', '/apis/apps/v1/namespaces/default/statefulsets/db/scale', { spec: { replicas: 1 } });
  await waitUntil('db-1 gone', async () => (await api(c.server, 'GET', '/api/v1/namespaces/default/pods/db-1')).status === 404, 30_000);
  t.is((await api(c.server, 'GET', claimPath('data-db-1'))).status, 200, 'scale down keeps the claim');
  await api(c.server, 'PATCH', '/apis/apps/v1/namespaces/default/statefulsets/db/scale', { spec: { replicas: 2 } });
  const again = await running('db-1');
  t.regex((await logged(again, /(wrote|found) \S+/))[0], /found db-1/, 'scale up reuses the claim and its data');
});

e2e(`examples/visits.yaml counts its starts on a volume that outlives the pod${NEEDS}`, async (t) => {
  const set = parse(fs.readFileSync('examples/visits.yaml', 'utf8')) as Obj;
  set.spec.template.spec.containers[0].image = IMAGE;
  await post('/apis/apps/v1/namespaces/default/statefulsets', set);
  const first = await running('visits-0');
  t.truthy(await logged(first, /start 1\n/, 'counter'));
  await api(c.server, 'DELETE', '/api/v1/namespaces/default/pods/visits-0');
  const second = await waitForPod(c, 'visits-0', 'visits-0 again', (p) => p.metadata.uid !== first.metadata.uid && p.status?.phase === 'Running', 45_000);
  t.truthy(await logged(second, /start 2\n/, 'counter'));
  t.is((await get(claimPath('data-visits-0'))).status.phase, 'Bound');
});

e2e(`bad input gets a clear error or condition, and touches no other volume${NEEDS}`, async (t) => {
  const badSize = await api(c.server, 'POST', '/api/v1/namespaces/default/persistentvolumeclaims', claim('bad', '12XB'));
  t.is(badSize.status, 422);
  t.regex(JSON.stringify(badSize.body), /spec\.resources\.requests\[storage\]|quantities must match/);
  await post('/api/v1/namespaces/default/persistentvolumeclaims', claim('nowhere', '16Mi', { storageClassName: 'nope' }));
  await podWith('lost', 'nowhere', 'exec sleep 3600');
  await waitForPod(c, 'lost', 'unschedulable with the reason', (p) => (p.status?.conditions ?? []).some((x: Obj) => x.reason === 'Unschedulable' && x.message.includes('storageclass.storage.k8s.io "nope" not found')));
  await waitUntil('ProvisioningFailed event', async () => (await eventsOf(c, 'nowhere')).some((e) => /ProvisioningFailed: storageclass.storage.k8s.io "nope" not found/.test(e)));
  await deletePod('lost');

  // Data removed behind skerry's back: the pod does not start on an empty volume in its place.
  const db0 = (await get(claimPath('data-db-0'))).spec.volumeName;
  await api(c.server, 'PATCH', '/apis/apps/v1/namespaces/default/statefulsets/db/scale', { spec: { replicas: 0 } });
  await waitUntil('db-0 gone', async () => (await api(c.server, 'GET', '/api/v1/namespaces/default/pods/db-0')).status === 404, 30_000);
  const image = imageOf(db0)!;
  const other = imageOf((await get(claimPath('data-db-1'))).spec.volumeName)!;
  const otherSum = crypto.createHash('sha256').update(fs.readFileSync(other)).digest('hex');
  fs.rmSync(image);
  await api(c.server, 'PATCH', '/apis/apps/v1/namespaces/default/statefulsets/db/scale', { spec: { replicas: 1 } });
  await waitUntil('FailedMount naming the missing data', async () => (await eventsOf(c, 'db-0')).find((e) => /FailedMount/.test(e) && /db-0|pvc-|missing|gone/i.test(e)), 30_000);
  t.not((await get('/api/v1/namespaces/default/pods/db-0')).status?.phase, 'Running');
  t.is(crypto.createHash('sha256').update(fs.readFileSync(other)).digest('hex'), otherSum, 'the other volume is untouched');
  await waitUntil('the claim shows the problem', async () => JSON.stringify((await get(claimPath('data-db-0'))).status?.conditions ?? []).includes('Missing'), 30_000);
});

e2e(`offline: a volume is provisioned on the node and one is deleted; both reach the server on reconnect${NEEDS}`, async (t) => {
  // The pod's image is not on the node yet: it waits before its volumes are made.
  const late = 'busybox:skerry-late';
  const built = await runSkerry(['images', 'build', '--data-dir', path.join(work, 'late-builder'), '-t', late, '--output', path.join(work, 'late-layout'), path.join(work, 'context')]);
  t.is(built.code, 0, built.stderr);
  await post('/api/v1/namespaces/default/persistentvolumeclaims', claim('offline', '16Mi'));
  await post('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'offline' },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: late, imagePullPolicy: 'Never', command: ['sh', '-c', 'echo made offline > /data/f; exec sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'offline' } }] },
  });
  const pv = await waitUntil('bound', async () => (await get(claimPath('offline'))).spec.volumeName as string | undefined);
  await waitUntil('the node has the PV in its view', () => agentView(c.agentDir).entries.has(`persistentvolumes/${pv}`));
  await cutLink();
  // The image arrives (a technician's USB stick): the pod starts and its volume is made offline.
  t.is((await runSkerry(['images', 'import', '--data-dir', c.agentDir, path.join(work, 'late-layout')])).code, 0);
  await waitUntil('volume made offline', () => imageOf(pv), 60_000);
  t.falsy((await get(`/api/v1/persistentvolumes/${pv}`)).metadata.annotations?.['volume.skerry.io/state'], 'the server has not heard yet');
  proxy.heal();
  await waitUntil('Ready reaches the server', async () => (await get(`/api/v1/persistentvolumes/${pv}`)).metadata.annotations?.['volume.skerry.io/state'] === 'Ready', 60_000);
  await running('offline');

  // Deleted on the server while the node is away: the data goes when it is back.
  await cutLink();
  await api(c.server, 'DELETE', '/api/v1/namespaces/default/pods/offline?gracePeriodSeconds=0');
  await api(c.server, 'DELETE', claimPath('offline'));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  t.truthy(imageOf(pv), 'nothing is deleted while the node cannot hear the server');
  proxy.heal();
  await waitUntil('PV gone after reconnect', async () => (await api(c.server, 'GET', `/api/v1/persistentvolumes/${pv}`)).status === 404, 60_000);
  t.falsy(imageOf(pv));
});
