// Local volumes on a two-node cluster: a volume belongs to the node it was made on. The built
// server and two agent processes (each with its own data dir, runtime root and loop-mounted
// volumes); pods placed by the scheduler with a nodeSelector, or bound by hand with nodeName.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { becomeChildSubreaper } from '../native/index.ts';
import { api, startAgentProcess, waitForReadyNode, waitUntil, type AgentProcess } from './helpers/cluster.ts';
import { buildBusyboxLayout, eventsOf, IMAGE, removeNodeContainers, startPodCluster, waitForPod, type PodCluster } from './helpers/pods.ts';
import { runSkerry, SKERRY } from './helpers/skerry.ts';
import { unmountAll } from '../edge-agent/pods/host/mounts.ts';

const why = process.getuid?.() !== 0 ? 'needs root (containers, loop devices, mounts)'
  : !fs.existsSync(SKERRY) ? 'needs the build (npm run build)'
  : !fs.existsSync('/dev/loop-control') ? 'needs loop devices (/dev/loop-control)'
  : !fs.existsSync('/bin/busybox') ? 'needs busybox-static for the test image' : undefined;
const e2e = why ? test.skip : test.serial;
const NEEDS = why ? ` (skipped: ${why})` : '';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let work = '';
let c: PodCluster;
let second: { node: string; dir: string; agentDir: string; runtimeRoot: string; podsRoot: string; agent?: AgentProcess };
const teardown: Array<() => Promise<void>> = [];

test.before(async () => {
  if (why) return;
  becomeChildSubreaper();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-volumes-nodes-'));
  const layout = await buildBusyboxLayout(work);
  c = await startPodCluster({ teardown: (fn) => void teardown.push(fn) }, 'vol-one', layout);
  const dir = path.join(work, 'second');
  second = { node: 'pods-vol-two', dir, agentDir: path.join(dir, 'agent'), runtimeRoot: path.join(dir, 'runtime'), podsRoot: path.join(dir, 'pods') };
  teardown.push(async () => {
    await second.agent?.stop('SIGKILL');
    await removeNodeContainers(second);
    unmountAll(dir);
  });
  const imported = await runSkerry(['images', 'import', '--data-dir', second.agentDir, layout]);
  if (imported.code !== 0) throw new Error(`images import: ${imported.stderr}`);
  second.agent = startAgentProcess(c.server, second.node, second.agentDir, ['--keepalive', '2', '--runtime-root', second.runtimeRoot, '--pods-root', second.podsRoot]);
  await waitForReadyNode(c.server, second.node, 30_000);
});

test.after.always(async () => {
  for (const fn of teardown.reverse()) await fn().catch(() => undefined);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

async function post(collection: string, object: Obj): Promise<Obj> {
  const answer = await api(c.server, 'POST', collection, object);
  if (answer.status !== 201) throw new Error(`POST ${collection}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const get = async (p: string) => (await api(c.server, 'GET', p)).body as Obj;
const claim = (name: string, mode: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: [mode], resources: { requests: { storage: '16Mi' } } } });

/** A pod using `claimName` at /data, placed on `node` by nodeSelector (or bound to it by nodeName). */
function podOn(name: string, claimName: string, node: string, how: 'nodeSelector' | 'nodeName' | 'anywhere' = 'nodeSelector'): Promise<Obj> {
  const placement = how === 'nodeName' ? { nodeName: node } : how === 'nodeSelector' ? { nodeSelector: { 'kubernetes.io/hostname': node } } : {};
  return post('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: { ...placement, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', 'echo hi > /data/hi; exec sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
  });
}

const unschedulable = (name: string, text: string) => waitForPod(c, name, `${name} Unschedulable: ${text}`, (p) => (p.status?.conditions ?? []).some((x: Obj) => x.reason === 'Unschedulable' && String(x.message).includes(text)));
const running = (name: string) => waitForPod(c, name, `${name} Running`, (p) => p.status?.phase === 'Running', 45_000);

e2e(`a ReadWriteOnce volume made on one node keeps its pods there; elsewhere they wait with the reason${NEEDS}`, async (t) => {
  await post('/api/v1/namespaces/default/persistentvolumeclaims', claim('one', 'ReadWriteOnce'));
  await podOn('first', 'one', c.node);
  await running('first');
  const pv = await get(`/api/v1/persistentvolumes/${(await get('/api/v1/namespaces/default/persistentvolumeclaims/one')).spec.volumeName}`);
  t.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, [c.node]);
  await podOn('elsewhere', 'one', second.node);
  await unschedulable('elsewhere', 'volume node affinity conflict');
  // Bound past the scheduler: the other node's agent refuses to start it, and says why.
  await podOn('forced', 'one', second.node, 'nodeName');
  await waitUntil('FailedMount on the other node', async () => (await eventsOf(c, 'forced')).find((e) => e.startsWith('FailedMount') && e.includes(`not on "${second.node}"`)), 30_000);
  t.not((await get('/api/v1/namespaces/default/pods/forced')).status?.phase, 'Running');
  // A pod with no placement of its own follows the volume to its node.
  await podOn('follower', 'one', '', 'anywhere');
  await running('follower');
  t.is((await get('/api/v1/namespaces/default/pods/follower')).spec.nodeName, c.node);
});

e2e(`a ReadWriteOncePod claim admits one pod; a second waits until it is gone${NEEDS}`, async (t) => {
  await post('/api/v1/namespaces/default/persistentvolumeclaims', claim('solo', 'ReadWriteOncePod'));
  await podOn('solo-1', 'solo', c.node);
  await running('solo-1');
  await podOn('solo-2', 'solo', c.node);
  await unschedulable('solo-2', 'ReadWriteOncePod access mode already in-use by another pod');
  t.not((await get('/api/v1/namespaces/default/pods/solo-2')).status?.phase, 'Running');
  await api(c.server, 'DELETE', '/api/v1/namespaces/default/pods/solo-1');
  t.is((await running('solo-2')).status?.phase, 'Running');
});

e2e(`a claim whose node vanished says so; its pods wait, and deleting it lets the volume go${NEEDS}`, async (t) => {
  await post('/api/v1/namespaces/default/persistentvolumeclaims', claim('far', 'ReadWriteOnce'));
  await podOn('far-1', 'far', second.node);
  await running('far-1');
  const volume = (await get('/api/v1/namespaces/default/persistentvolumeclaims/far')).spec.volumeName;
  await second.agent!.stop('SIGKILL');
  await removeNodeContainers(second);
  await api(c.server, 'DELETE', `/api/v1/nodes/${second.node}`);
  const lost = await waitUntil('NodeLost event on the claim', async () => (await eventsOf(c, 'far')).find((e) => e.includes(second.node) && /no longer exists/.test(e)), 30_000);
  t.log(lost);
  await api(c.server, 'DELETE', '/api/v1/namespaces/default/pods/far-1?gracePeriodSeconds=0');
  await podOn('far-2', 'far', second.node, 'nodeSelector');
  await unschedulable('far-2', 'node(s)');
  await api(c.server, 'DELETE', '/api/v1/namespaces/default/pods/far-2?gracePeriodSeconds=0');
  await api(c.server, 'DELETE', '/api/v1/namespaces/default/persistentvolumeclaims/far');
  await waitUntil('the PV of a vanished node goes', async () => (await api(c.server, 'GET', `/api/v1/persistentvolumes/${volume}`)).status === 404, 30_000);
  t.is((await api(c.server, 'GET', '/api/v1/namespaces/default/persistentvolumeclaims/one')).status, 200, 'claims of other nodes are untouched');
});
