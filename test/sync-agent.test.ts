// Cloud–edge sync end to end (DESIGN §5): the built server with its embedded broker, agents
// as separate processes with their own data dirs, and faults put in by the test — a link
// that goes silent, a server killed mid-stream, an agent restarted while the server is
// away, and malformed messages. Each test states its pass condition.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import mqtt from 'mqtt';
import { encodeMessage, nodeTopic } from '../common/sync/index.ts';
import { agentView, api, pod, secret, serverMqttPassword, sleep, startAgentProcess, startClusterServer, waitForReadyNode, waitUntil, type AgentProcess, type ClusterServer } from './helpers/cluster.ts';
import { tempDir } from './helpers/skerry.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

interface Setup {
  dir: string;
  server: ClusterServer;
  agents: AgentProcess[];
  proxies: TcpProxy[];
}

async function setup(t: import('ava').ExecutionContext, label: string, serverArgs: string[] = []): Promise<Setup> {
  const dir = tempDir(label);
  const s: Setup = { dir, server: undefined as unknown as ClusterServer, agents: [], proxies: [] };
  t.teardown(async () => {
    await Promise.all(s.agents.map((a) => a.stop('SIGKILL')));
    s.server?.stop();
    await Promise.all(s.proxies.map((p) => p.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  s.server = await startClusterServer(path.join(dir, 'server'), serverArgs);
  return s;
}

function agent(s: Setup, node: string, extra: string[] = []): AgentProcess {
  const a = startAgentProcess(s.server, node, path.join(s.dir, node), ['--keepalive', '2', ...extra]);
  s.agents.push(a);
  return a;
}

const hasKeys = (dataDir: string, keys: string[]) => () => {
  const view = agentView(dataDir);
  return keys.every((k) => view.entries.has(k)) ? view : undefined;
};

test('each node registers itself and receives its own view, never another node’s secrets', async (t) => {
  const s = await setup(t, 'sync-views');
  const a = agent(s, 'edge-a');
  const b = agent(s, 'edge-b');
  const nodeA = await waitForReadyNode(s.server, 'edge-a');
  await waitForReadyNode(s.server, 'edge-b');
  const status = nodeA.status as { capacity: Record<string, string>; addresses: Array<{ type: string; address: string }> };
  t.true(Number(status.capacity.cpu) >= 1, 'real cpu capacity');
  t.regex(status.capacity.memory!, /^\d+Ki$/);
  t.deepEqual(status.addresses.find((x) => x.type === 'InternalIP')?.address, '127.0.0.1');
  const lease = await api(s.server, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/edge-a');
  t.is(lease.status, 200, 'the heartbeat Lease exists');

  for (const [name, value] of [['sa', 'for-a'], ['sb', 'for-b'], ['unused', 'nobody']]) t.is((await api(s.server, 'POST', '/api/v1/namespaces/default/secrets', secret(name!, value!))).status, 201);
  const withSecret = (name: string, node: string, secretName: string) => pod(name, node, { volumes: [{ name: 's', secret: { secretName } }], containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never', volumeMounts: [{ name: 's', mountPath: '/s' }] }] });
  t.is((await api(s.server, 'POST', '/api/v1/namespaces/default/pods', withSecret('pa', 'edge-a', 'sa'))).status, 201);
  t.is((await api(s.server, 'POST', '/api/v1/namespaces/default/pods', withSecret('pb', 'edge-b', 'sb'))).status, 201);

  const viewA = await waitUntil('a has its pod and secret', hasKeys(a.dataDir, ['pods/default/pa', 'secrets/default/sa', 'nodes/edge-a', 'nodes/edge-b']));
  const viewB = await waitUntil('b has its pod and secret', hasKeys(b.dataDir, ['pods/default/pb', 'secrets/default/sb']));
  const secretsOf = (v: typeof viewA) => [...v.entries.keys()].filter((k) => k.startsWith('secrets/')).sort();
  t.deepEqual(secretsOf(viewA), ['secrets/default/sa']);
  t.deepEqual(secretsOf(viewB), ['secrets/default/sb']);
  t.false(viewA.entries.has('pods/default/pb'));
  const peer = viewA.entries.get('nodes/edge-b')!.object as { status: Record<string, unknown> };
  t.deepEqual(Object.keys(peer.status), ['addresses'], 'a peer is only its addresses');
});

test('a silent link is noticed within two keep-alives; changes made meanwhile arrive as a delta', async (t) => {
  const s = await setup(t, 'sync-partition');
  const proxy = await startTcpProxy(s.server.mqttPort);
  s.proxies.push(proxy);
  const a = agent(s, 'edge-p', ['--broker', `mqtts://127.0.0.1:${proxy.port}`]);
  await waitForReadyNode(s.server, 'edge-p');
  await api(s.server, 'POST', '/api/v1/namespaces/default/secrets', secret('cfg', 'v1'));
  for (const name of ['keep', 'gone']) await api(s.server, 'POST', '/api/v1/namespaces/default/pods', pod(name, 'edge-p', { containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never', envFrom: [{ secretRef: { name: 'cfg' } }] }] }));
  await waitUntil('the first view', hasKeys(a.dataDir, ['pods/default/keep', 'pods/default/gone', 'secrets/default/cfg']));

  const cutAt = Date.now();
  const logsBefore = a.logs().length;
  proxy.blackhole();
  await a.waitForLog((l) => l.msg === 'broker connection lost; running from the local cache', 15_000, logsBefore);
  const noticedMs = Date.now() - cutAt;
  t.log(`silent link noticed after ${noticedMs} ms (keep-alive 2 s)`);
  t.true(noticedMs <= 2 * 2_000 + 1_500, `noticed after ${noticedMs} ms`);

  await api(s.server, 'POST', '/api/v1/namespaces/default/pods', pod('new', 'edge-p'));
  await api(s.server, 'DELETE', '/api/v1/namespaces/default/pods/gone?gracePeriodSeconds=0');
  await api(s.server, 'PATCH', '/api/v1/namespaces/default/secrets/cfg', { stringData: { value: 'v2' } });
  await sleep(500);
  const offline = agentView(a.dataDir);
  t.true(offline.entries.has('pods/default/gone'), 'while offline the node keeps what it had');

  const healAt = Date.now();
  const logsAtHeal = a.logs().length;
  proxy.heal();
  const caughtUp = await a.waitForLog((l) => l.msg === 'view caught up' || l.msg === 'view replaced by a snapshot', 20_000, logsAtHeal);
  t.is(caughtUp.msg, 'view caught up', 'a delta, not a snapshot');
  const view = await waitUntil('the outage’s changes', () => {
    const v = agentView(a.dataDir);
    return v.entries.has('pods/default/new') && !v.entries.has('pods/default/gone') ? v : undefined;
  });
  t.true(Number(caughtUp.changes) <= 4, `only the changes travelled (${String(caughtUp.changes)})`);
  t.is((view.entries.get('secrets/default/cfg')!.object.data as { value: string }).value, Buffer.from('v2').toString('base64'));
  const renewed = await waitUntil('a Lease renewed after the link returned', async () => {
    const lease = await api(s.server, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/edge-p');
    const renewTime = Date.parse((lease.body.spec as { renewTime: string }).renewTime);
    return renewTime >= healAt - 1_000 ? Date.now() - healAt : undefined;
  }, 5_000);
  t.log(`Lease renewed ${renewed} ms after the link returned`);
});

test('a node cut off past the grace period is Unknown but keeps its pods; back on the link it is Ready within 5 s', async (t) => {
  const s = await setup(t, 'sync-unknown', ['--node-monitor-grace-period', '4s']);
  const proxy = await startTcpProxy(s.server.mqttPort);
  s.proxies.push(proxy);
  agent(s, 'edge-u', ['--broker', `mqtts://127.0.0.1:${proxy.port}`, '--node-lease-duration-seconds', '4']);
  await waitForReadyNode(s.server, 'edge-u');
  t.is((await api(s.server, 'POST', '/api/v1/namespaces/default/pods', pod('stays', 'edge-u'))).status, 201);
  proxy.blackhole();
  const readyOf = async () => {
    const node = await api(s.server, 'GET', '/api/v1/nodes/edge-u');
    const conditions = (node.body.status as { conditions: Array<{ type: string; status: string }> }).conditions;
    return { ready: conditions.find((c) => c.type === 'Ready')?.status, taints: ((node.body.spec as { taints?: Array<{ key: string }> } | undefined)?.taints ?? []).map((x) => x.key) };
  };
  const unknown = await waitUntil('the node goes Unknown', async () => ((await readyOf()).ready === 'Unknown' ? readyOf() : undefined), 20_000);
  t.true(unknown.taints.includes('node.kubernetes.io/unreachable'), 'the unreachable taint is set');
  await sleep(3_000);
  const kept = await api(s.server, 'GET', '/api/v1/namespaces/default/pods/stays');
  t.is(kept.status, 200, 'its pod is not evicted');
  t.falsy((kept.body.metadata as { deletionTimestamp?: string }).deletionTimestamp);
  const healedAt = Date.now();
  proxy.heal();
  await waitUntil('Ready again', async () => ((await readyOf()).ready === 'True' ? true : undefined), 10_000);
  const backMs = Date.now() - healedAt;
  t.log(`Ready again ${backMs} ms after the link returned`);
  t.true(backMs <= 5_000, `${backMs} ms`);
  await waitUntil('the unreachable taint is lifted', async () => (!(await readyOf()).taints.includes('node.kubernetes.io/unreachable') ? true : undefined), 10_000);
});

test('the server killed mid-stream loses nothing: the node ends with exactly the server’s view', async (t) => {
  const s = await setup(t, 'sync-crash');
  const a = agent(s, 'edge-c');
  await waitForReadyNode(s.server, 'edge-c');
  const create = (i: number) => api(s.server, 'POST', '/api/v1/namespaces/default/pods', pod(`p${i}`, 'edge-c')).catch(() => undefined);
  await Promise.all(Array.from({ length: 40 }, (_, i) => create(i)));
  await s.server.crash();
  await s.server.restart();
  await Promise.all(Array.from({ length: 40 }, (_, i) => create(40 + i)));
  for (let i = 0; i < 80; i += 3) await api(s.server, 'DELETE', `/api/v1/namespaces/default/pods/p${i}?gracePeriodSeconds=0`);
  const list = await api(s.server, 'GET', '/api/v1/namespaces/default/pods');
  const want = new Map((list.body.items as Array<{ metadata: { name: string; resourceVersion: string } }>).map((p) => [`pods/default/${p.metadata.name}`, Number(p.metadata.resourceVersion)]));
  const view = await waitUntil('the node’s pods equal the server’s', () => {
    const v = agentView(a.dataDir);
    const got = [...v.entries.keys()].filter((k) => k.startsWith('pods/')).sort();
    return JSON.stringify(got) === JSON.stringify([...want.keys()].sort()) ? v : undefined;
  }, 30_000);
  t.true(want.size > 40);
  for (const [key, rev] of want) t.true(view.entries.get(key)!.rev <= rev, key);
});

test('an agent restarted while the server is down starts from its cache and catches up by delta', async (t) => {
  const s = await setup(t, 'sync-offline-restart');
  let a = agent(s, 'edge-r');
  await waitForReadyNode(s.server, 'edge-r');
  await api(s.server, 'POST', '/api/v1/namespaces/default/pods', pod('before', 'edge-r'));
  await waitUntil('the first view', hasKeys(a.dataDir, ['pods/default/before']));
  await s.server.crash();
  await a.stop('SIGKILL');
  a = agent(s, 'edge-r');
  const started = await a.waitForLog((l) => l.msg === 'agent started');
  t.true(Number(started.cached) >= 2, 'the view came from the local cache');
  await sleep(1_000);
  t.is(a.child.exitCode, null, 'the agent keeps running without its server');
  await s.server.restart();
  await api(s.server, 'POST', '/api/v1/namespaces/default/pods', pod('after', 'edge-r'));
  const caughtUp = await a.waitForLog((l) => l.msg === 'view caught up' || l.msg === 'view replaced by a snapshot', 30_000);
  t.is(caughtUp.msg, 'view caught up');
  await waitUntil('the change made after the restart', hasKeys(a.dataDir, ['pods/default/before', 'pods/default/after']));
});

test('malformed, oversized and out-of-order messages are dropped; both sides keep working', async (t) => {
  const s = await setup(t, 'sync-malformed');
  const a = agent(s, 'edge-m');
  await waitForReadyNode(s.server, 'edge-m');
  await api(s.server, 'POST', '/api/v1/namespaces/default/pods', pod('one', 'edge-m'));
  const before = await waitUntil('the first view', hasKeys(a.dataDir, ['pods/default/one']));
  const identity = JSON.parse(fs.readFileSync(path.join(a.dataDir, 'identity.json'), 'utf8')) as { credential: { username: string; password: string } };
  const url = `mqtts://127.0.0.1:${s.server.mqttPort}`;
  const asServer = await mqtt.connectAsync(url, { clientId: 'skerry-server', username: 'skerry-server', password: serverMqttPassword(s.server.token), ca: s.server.ca, protocolVersion: 4, reconnectPeriod: 0 });
  const down = nodeTopic('edge-m', 'down');
  const garbage = [
    Buffer.from('\xff\x00not cbor'),
    encodeMessage({ t: 'head', epoch: 'x', rev: 1 }),
    Buffer.from(JSON.stringify({ t: 'batch' })),
    encodeMessage({ t: 'batch', epoch: 'x', from: before.revision + 1000, to: before.revision + 1001, full: false, part: 0, parts: 1, changes: [{ key: 'pods/default/evil', rev: before.revision + 1001, object: {} }] }),
    encodeMessage({ t: 'batch', epoch: 'x', from: 0, to: 1, full: false, part: 0, parts: 1, changes: [{ key: 'pods/default/old', rev: 1, object: {} }] }),
  ];
  for (const payload of garbage) await asServer.publishAsync(down, payload, { qos: 1 });
  await asServer.endAsync();
  const asNode = await mqtt.connectAsync(url, { clientId: 'edge-m-2', username: identity.credential.username, password: identity.credential.password, ca: s.server.ca, protocolVersion: 4, reconnectPeriod: 0 }).catch(() => undefined);
  // The broker insists that a node's client id is its name; a second connection as edge-m would take over the agent's.
  t.is(asNode, undefined, 'a second client id for the node is refused');
  await a.waitForLog((l) => l.msg === 'malformed message dropped');
  await api(s.server, 'POST', '/api/v1/namespaces/default/pods', pod('two', 'edge-m'));
  const after = await waitUntil('a real change still arrives', hasKeys(a.dataDir, ['pods/default/one', 'pods/default/two']));
  t.false(after.entries.has('pods/default/evil'));
  t.false(after.entries.has('pods/default/old'));
  t.is(a.child.exitCode, null);
  t.is(s.server.process.child.exitCode, null);
});
