// Local volumes on the multi-node lab (test/lab): the built server in its own network
// namespace and three agents in node namespaces, each with its own data dir, runtime root and
// loop-mounted volumes; node 2 keeps its data dir on a 40 MiB tmpfs (a small, full disk). A
// volume belongs to the node it was made on, and keeps working while that node is cut off.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { api, waitForReadyNode, waitUntil } from './helpers/cluster.ts';
import { startLabCluster, startNodeAgent, stopLabCluster, type LabCluster, type LabNode } from './helpers/lab-cluster.ts';
import { IMAGE, removeNodeContainers } from './helpers/pods.ts';
import { claimManifest, eventsAbout, get as getFrom, post as postTo, VOLUMES_MISSING } from './helpers/volumes.ts';
import { execFileSync } from 'node:child_process';
import { labUnavailable } from './lab/index.ts';

const why = VOLUMES_MISSING ?? labUnavailable();
const labTest = why ? test.skip : test.serial;
const NEEDS = why ? ` (skipped: ${why})` : '';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let cluster: LabCluster | undefined;

test.before(async () => {
  if (why) return;
  cluster = await startLabCluster('volumes-nodes', {
    nodes: 3,
    agentDir: (i, name, dir) => {
      const agentDir = path.join(dir, name, 'agent');
      if (i !== 2) return agentDir;
      fs.mkdirSync(agentDir, { recursive: true });
      execFileSync('/bin/mount', ['-t', 'tmpfs', '-o', 'size=40m', 'skerry-test-full', agentDir]);
      return agentDir;
    },
  });
});

test.after.always(() => stopLabCluster(cluster));

const c = () => cluster!;
const node = (i: number): LabNode => c().nodes[i]!;
const post = (collection: string, object: Obj) => postTo(c().api, collection, object);
const get = (p: string) => getFrom(c().api, p);
const podPath = (name: string) => `/api/v1/namespaces/default/pods/${name}`;
const claimPath = (name: string) => `/api/v1/namespaces/default/persistentvolumeclaims/${name}`;
const claim = (name: string, mode = 'ReadWriteOnce', size = '16Mi') => post('/api/v1/namespaces/default/persistentvolumeclaims', claimManifest(name, size, { accessModes: [mode] }));

/** A pod using `claimName` at /data, placed on `on` by nodeSelector, bound to it by nodeName, or left to the scheduler. */
function podWith(name: string, claimName: string, on: LabNode | undefined, how: 'nodeSelector' | 'nodeName' = 'nodeSelector', script = 'echo hi > /data/hi; exec sleep 3600'): Promise<Obj> {
  const placement = !on ? {} : how === 'nodeName' ? { nodeName: on.name } : { nodeSelector: { 'kubernetes.io/hostname': on.name } };
  return post('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: { ...placement, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', script], volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
  });
}

async function podWhen(name: string, what: string, want: (pod: Obj) => boolean, timeoutMs = 45_000): Promise<Obj> {
  let last: Obj | undefined;
  try {
    return await waitUntil(`${name} ${what}`, async () => {
      last = await get(podPath(name));
      return want(last) ? last : undefined;
    }, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}; last status ${JSON.stringify(last?.status)}`);
  }
}

const running = (name: string) => podWhen(name, 'Running', (p) => p.status?.phase === 'Running');
const unschedulable = (name: string, text: string) => podWhen(name, `Unschedulable: ${text}`, (p) => (p.status?.conditions ?? []).some((x: Obj) => x.reason === 'Unschedulable' && String(x.message).includes(text)));
const volumeOf = async (claimName: string): Promise<string> => (await get(claimPath(claimName))).spec.volumeName;

/** Lines the pod's container logged so far (the CRI log on its node's disk). */
function logLines(pod: Obj, on: LabNode): string[] {
  const file = path.join(on.agentDir, 'pods', `default_${pod.metadata.name}_${pod.metadata.uid}`, 'c', '0.log');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

labTest(`a ReadWriteOnce volume made on one node keeps its pods there; elsewhere they wait with the reason${NEEDS}`, async (t) => {
  await claim('one');
  await podWith('first', 'one', node(0));
  await running('first');
  const pv = await get(`/api/v1/persistentvolumes/${await volumeOf('one')}`);
  t.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, [node(0).name]);
  await podWith('elsewhere', 'one', node(1));
  await unschedulable('elsewhere', 'volume node affinity conflict');
  // Bound past the scheduler: the other node's agent refuses to start it, and says why.
  await podWith('forced', 'one', node(1), 'nodeName');
  await waitUntil('FailedMount on the other node', async () => (await eventsAbout(c().api, 'forced')).find((e) => e.startsWith('FailedMount') && e.includes(`not on "${node(1).name}"`)), 30_000);
  t.not((await get(podPath('forced'))).status?.phase, 'Running');
  // A pod with no placement of its own follows the volume to its node.
  await podWith('follower', 'one', undefined);
  await running('follower');
  t.is((await get(podPath('follower'))).spec.nodeName, node(0).name);
  for (const name of ['elsewhere', 'forced', 'follower']) await api(c().api, 'DELETE', `${podPath(name)}?gracePeriodSeconds=0`);
});

labTest(`a ReadWriteOncePod claim admits one pod; a second waits until it is gone${NEEDS}`, async (t) => {
  await claim('solo', 'ReadWriteOncePod');
  await podWith('solo-1', 'solo', node(1));
  await running('solo-1');
  await podWith('solo-2', 'solo', node(1));
  await unschedulable('solo-2', 'ReadWriteOncePod access mode already in-use by another pod');
  t.not((await get(podPath('solo-2'))).status?.phase, 'Running');
  await api(c().api, 'DELETE', podPath('solo-1'));
  t.is((await running('solo-2')).status?.phase, 'Running');
});

labTest(`a node cut off from the server keeps writing to its volume, also across an agent restart${NEEDS}`, async (t) => {
  const n0 = node(0);
  await claim('journal');
  const writer = await podWith('journal', 'journal', n0, 'nodeSelector', 'i=0; while true; do echo $i >> /data/journal; echo wrote $i; i=$((i+1)); sleep 0.1; done');
  await running('journal');
  await c().lab.partition(n0.host, 'drop');
  await waitUntil('the node is NotReady on the server', async () => ((await get(`/api/v1/nodes/${n0.name}`)).status?.conditions ?? []).some((x: Obj) => x.type === 'Ready' && x.status !== 'True'), 30_000);
  const before = logLines(writer, n0).length;
  await n0.agent.stop('SIGKILL');
  n0.agent = startNodeAgent(c(), n0);
  await n0.agent.waitForLog((l) => l.msg === 'agent started', 30_000);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const during = logLines(writer, n0).length;
  t.true(during > before + 5, `the pod went on writing while its node was cut off (${before} → ${during} lines)`);
  await c().lab.heal(n0.host);
  await waitForReadyNode(c().api, n0.name, 60_000);
  const pv = await get(`/api/v1/persistentvolumes/${await volumeOf('journal')}`);
  t.is(pv.metadata.annotations?.['volume.skerry.io/state'], 'Ready');
  t.is((await get(claimPath('journal'))).status.phase, 'Bound');
  t.is((await get(podPath('journal'))).metadata.uid, writer.metadata.uid, 'the same pod, never restarted');
});

labTest(`a node whose disk cannot hold a volume says so on the pod and the claim; other volumes are untouched${NEEDS}`, async (t) => {
  const full = node(2);
  const other = await volumeOf('one');
  const before = (await get(`/api/v1/persistentvolumes/${other}`)).metadata.annotations?.['volume.skerry.io/state'];
  await claim('big', 'ReadWriteOnce', '64Mi');
  await podWith('big-1', 'big', full);
  const failed = await waitUntil('FailedMount for the full disk', async () => (await eventsAbout(c().api, 'big-1')).find((e) => e.startsWith('FailedMount') && /space/i.test(e)), 30_000);
  t.log(failed);
  await waitUntil('the claim shows the problem', async () => ((await get(claimPath('big'))).status?.conditions ?? []).some((x: Obj) => x.type === 'VolumeHealthy' && x.status === 'False'), 30_000);
  t.not((await get(podPath('big-1'))).status?.phase, 'Running');
  t.is((await get(`/api/v1/persistentvolumes/${other}`)).metadata.annotations?.['volume.skerry.io/state'], before, 'the other node’s volume is untouched');
  const images = path.join(full.agentDir, 'storage', 'images');
  t.deepEqual(fs.existsSync(images) ? fs.readdirSync(images) : [], [], 'nothing is left of the failed volume');
  await api(c().api, 'DELETE', `${podPath('big-1')}?gracePeriodSeconds=0`);
});

labTest(`a claim whose node vanished says so; its pods wait, and deleting it lets the volume go${NEEDS}`, async (t) => {
  const gone = node(1);
  await claim('far');
  await podWith('far-1', 'far', gone);
  await running('far-1');
  const volume = await volumeOf('far');
  await gone.agent.stop('SIGKILL');
  await removeNodeContainers(gone);
  await api(c().api, 'DELETE', `/api/v1/nodes/${gone.name}`);
  const lost = await waitUntil('NodeLost event on the claim', async () => (await eventsAbout(c().api, 'far')).find((e) => e.includes(gone.name) && /no longer exists/.test(e)), 30_000);
  t.log(lost);
  await api(c().api, 'DELETE', `${podPath('far-1')}?gracePeriodSeconds=0`);
  await podWith('far-2', 'far', undefined);
  await unschedulable('far-2', 'node(s)');
  await api(c().api, 'DELETE', `${podPath('far-2')}?gracePeriodSeconds=0`);
  await api(c().api, 'DELETE', claimPath('far'));
  await waitUntil('the PV of a vanished node goes', async () => (await api(c().api, 'GET', `/api/v1/persistentvolumes/${volume}`)).status === 404, 30_000);
  t.is((await api(c().api, 'GET', claimPath('one'))).status, 200, 'claims of other nodes are untouched');
});
