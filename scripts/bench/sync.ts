/**
 * Benchmarks of cloud–edge sync (DESIGN §5) with the real binaries: the server (embedded
 * broker) and agents as separate processes, each agent's link through a TCP proxy that
 * counts the bytes on the wire (TLS included). Measures server and agent memory, the idle
 * traffic of a node, and catch-up traffic after changes made while a node was offline,
 * against a full snapshot of the same view.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startTcpProxy, type TcpProxy } from '../../test/helpers/tcp-proxy.ts';
import type { Bench, BenchContext, BenchResult, ResultRow } from './report.ts';

const SKERRY = fileURLToPath(new URL('../../dist/skerry.js', import.meta.url));
const TARGETS = { serverRssMiB: 150, agentRssMiB: 60, idleUplinkBits: 250 };

interface Proc {
  child: ChildProcess;
  lines: string[];
}

function spawnSkerry(args: string[]): Proc {
  const child = spawn(process.execPath, [SKERRY, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const proc: Proc = { child, lines: [] };
  let rest = '';
  child.stderr!.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop()!;
    // Keep only what the bench reads; a long run must not hold every log line.
    for (const line of parts) if (/"msg":"(API listening|view caught up|view replaced by a snapshot|agent started)"/.test(line)) proc.lines.push(line);
  });
  return proc;
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the agent's cached view holds: Services, Endpoints, and the newest revision in it. */
function viewState(dataDir: string): { services: number; endpoints: number; rev: number } {
  const file = path.join(dataDir, 'state', 'agent.db');
  if (!fs.existsSync(file)) return { services: 0, endpoints: 0, rev: 0 };
  const db = new Database(file, { readonly: true });
  try {
    const count = (prefix: string) => (db.prepare('SELECT count(*) AS n FROM view WHERE key LIKE ?').get(`${prefix}%`) as { n: number }).n;
    const rev = (db.prepare('SELECT max(rev) AS rev FROM view').get() as { rev: number | null }).rev ?? 0;
    return { services: count('services/'), endpoints: count('endpoints/'), rev };
  } finally {
    db.close();
  }
}

/**
 * Waits until the view holds every Service and its Endpoints and has stopped changing for
 * 2 s: the endpoints controller trails the creates, and whatever it still writes would
 * otherwise be counted in the first catch-up.
 */
async function viewSettled(dataDir: string, services: number): Promise<void> {
  let last = { rev: -1, since: Date.now() };
  await waitFor('the view holds every service and its endpoints, unchanged for 2 s', () => {
    const view = viewState(dataDir);
    if (view.services < services || view.endpoints < services) return undefined;
    if (view.rev !== last.rev) last = { rev: view.rev, since: Date.now() };
    return Date.now() - last.since >= 2_000 ? true : undefined;
  });
}

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

interface Api {
  call(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: string }>;
}

function apiClient(port: number, ca: string, token: string): Api {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 32, ca });
  return {
    call: (method, urlPath, body) =>
      new Promise((resolve, reject) => {
        const text = body === undefined ? undefined : JSON.stringify(body);
        const type = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
        const req = https.request({ host: '127.0.0.1', port, path: urlPath, method, agent, servername: 'localhost', headers: { Authorization: `Bearer ${token}`, ...(text ? { 'Content-Type': type } : {}) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(text);
      }),
  };
}

async function inParallel(count: number, clients: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = next++; i < count; i = next++) await work(i);
  }));
}

const service = (name: string, version: number) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, labels: { app: 'bench', version: String(version) } },
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
});

interface Cluster {
  server: Proc;
  api: Api;
  url: string;
  token: string;
  mqttPort: number;
  dir: string;
}

async function startCluster(dir: string): Promise<Cluster> {
  const dataDir = path.join(dir, 'server');
  const server = spawnSkerry(['server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--mqtt-listen', '127.0.0.1:0', '--tunnel-listen', '127.0.0.1:0', '--disable-agent']);
  const listening = await waitFor('server start', () => server.lines.find((l) => l.includes('API listening')));
  const port = Number(/"listen":"[^"]*:(\d+)"/.exec(listening)![1]);
  const mqttPort = Number(/"mqtt":"[^"]*:(\d+)"/.exec(listening)![1]);
  const token = fs.readFileSync(path.join(dataDir, 'token'), 'utf8').trim();
  const ca = fs.readFileSync(path.join(dataDir, 'tls', 'server-ca.crt'), 'utf8');
  return { server, api: apiClient(port, ca, token), url: `https://127.0.0.1:${port}`, token, mqttPort, dir };
}

interface Agent {
  proc: Proc;
  proxy: TcpProxy;
  node: string;
  dataDir: string;
}

async function startAgent(cluster: Cluster, node: string, proxy?: TcpProxy): Promise<Agent> {
  const link = proxy ?? (await startTcpProxy(cluster.mqttPort));
  const dataDir = path.join(cluster.dir, node);
  const proc = spawnSkerry(['agent', '--server', cluster.url, '--token', cluster.token, '--node-name', node, '--data-dir', dataDir, '--broker', `mqtts://127.0.0.1:${link.port}`, '--flannel-backend', 'none']);
  return { proc, proxy: link, node, dataDir };
}

async function waitReady(cluster: Cluster, node: string): Promise<void> {
  await waitFor(`node ${node} Ready`, async () => {
    const answer = await cluster.api.call('GET', `/api/v1/nodes/${node}`);
    return answer.status === 200 && /"type":"Ready","status":"True"/.test(answer.body) ? true : undefined;
  });
}

/** Bytes the proxy moved (both directions) until the agent logs its catch-up. */
async function catchUp(agent: Agent, heal: () => void): Promise<{ bytes: number; full: boolean; changes: number }> {
  const seen = agent.proc.lines.length;
  const before = agent.proxy.bytes();
  heal();
  const line = await waitFor('catch-up', () => agent.proc.lines.slice(seen).find((l) => /view caught up|view replaced by a snapshot/.test(l)));
  // Let the acknowledgement and the reports that follow a reconnect settle before reading.
  await new Promise((r) => setTimeout(r, 500));
  const after = agent.proxy.bytes();
  const parsed = JSON.parse(line) as { full: boolean; changes: number };
  return { bytes: after.up + after.down - before.up - before.down, full: parsed.full, changes: parsed.changes };
}

async function offlineChanges(cluster: Cluster, agent: Agent, count: number, round: number): Promise<{ bytes: number; full: boolean; changes: number }> {
  agent.proxy.refuse();
  await inParallel(count, 16, async (i) => {
    const answer = await cluster.api.call('PATCH', `/api/v1/namespaces/default/services/svc-${i}`, { metadata: { labels: { version: String(round) } } });
    if (answer.status !== 200) throw new Error(`patch svc-${i}: ${answer.status}`);
  });
  return catchUp(agent, () => agent.proxy.heal());
}

async function run({ dir, quick, progress }: BenchContext): Promise<BenchResult> {
  const cluster = await startCluster(dir);
  const agents: Agent[] = [];
  try {
    const serverIdle = rssMiB(cluster.server.child.pid!);
    const agentCount = quick ? 3 : 10;
    progress(`starting ${agentCount} agents`);
    for (let i = 0; i < agentCount; i++) agents.push(await startAgent(cluster, `bench-${i}`));
    for (const a of agents) await waitReady(cluster, a.node);
    await new Promise((r) => setTimeout(r, 3_000));
    const serverWithAgents = rssMiB(cluster.server.child.pid!);
    const agentIdle = Math.max(...agents.map((a) => rssMiB(a.proc.child.pid!)));

    const idleSeconds = quick ? 20 : 120;
    progress(`idle traffic over ${idleSeconds} s`);
    const probe = agents[0]!;
    const idleStart = probe.proxy.bytes();
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const idleEnd = probe.proxy.bytes();
    const upBits = ((idleEnd.up - idleStart.up) * 8) / idleSeconds;
    const downBits = ((idleEnd.down - idleStart.down) * 8) / idleSeconds;

    const viewServices = quick ? 300 : 2000;
    progress(`view of ${viewServices} services`);
    await inParallel(viewServices, 16, async (i) => {
      const answer = await cluster.api.call('POST', '/api/v1/namespaces/default/services', service(`svc-${i}`, 0));
      if (answer.status !== 201) throw new Error(`create svc-${i}: ${answer.status} ${answer.body.slice(0, 200)}`);
    });
    await viewSettled(probe.dataDir, viewServices);
    const small = quick ? 30 : 100;
    const large = quick ? 300 : 1000;
    progress(`catch-up after ${small} and ${large} changes made offline`);
    const few = await offlineChanges(cluster, probe, small, 1);
    const many = await offlineChanges(cluster, probe, large, 2);

    progress('snapshot of the same view');
    probe.proxy.refuse();
    probe.proc.child.kill('SIGKILL');
    await new Promise((r) => probe.proc.child.once('close', r));
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(path.join(probe.dataDir, 'state', `agent.db${suffix}`), { force: true });
    const fresh = await startAgent(cluster, probe.node, probe.proxy);
    agents[0] = fresh;
    const snapshot = await catchUp(fresh, () => fresh.proxy.heal());

    const rows: ResultRow[] = [
      { id: 'server-rss-idle', metric: 'server RSS, no agents', value: round1(serverIdle), unit: 'MiB' },
      { id: 'server-rss-agents', metric: `server RSS with ${agentCount} agents`, value: round1(serverWithAgents), unit: 'MiB', target: { op: '<=', value: TARGETS.serverRssMiB }, notes: 'K3s server ≈ 1.4–1.6 GB' },
      { id: 'agent-rss-idle', metric: 'agent RSS, idle, no pods (largest of the agents)', value: round1(agentIdle), unit: 'MiB', notes: `target ≤ ${TARGETS.agentRssMiB} MiB with 20 pods; edgecore ≈ 70 MB, K3s agent 275 MB` },
      { id: 'idle-uplink', metric: 'idle node uplink (node → server, TLS included)', value: Math.round(upBits), unit: 'bit/s', target: { op: '<=', value: TARGETS.idleUplinkBits }, notes: `${Math.round(((idleEnd.up - idleStart.up) * 3600) / idleSeconds / 1024)} KiB/hour; KubeEdge 0.25 kbit/s` },
      { id: 'idle-downlink', metric: 'idle node downlink (server → node)', value: Math.round(downBits), unit: 'bit/s' },
      { id: 'catchup-small', metric: `catch-up after ${small} changes offline (${viewServices} Services and their Endpoints in view)`, value: few.bytes, unit: 'bytes', notes: `${few.full ? 'snapshot' : 'delta'}, ${few.changes} entries` },
      { id: 'catchup-large', metric: `catch-up after ${large} changes offline`, value: many.bytes, unit: 'bytes', notes: `${many.full ? 'snapshot' : 'delta'}, ${many.changes} entries` },
      { id: 'snapshot', metric: 'full snapshot of the same view', value: snapshot.bytes, unit: 'bytes', notes: `${snapshot.changes} entries` },
      { id: 'catchup-ratio', metric: `catch-up bytes, ${large} vs ${small} changes`, value: round2(many.bytes / few.bytes), unit: '×', notes: `changes ratio ${round2(large / small)}×; bytes follow the changes, not the view` },
    ];
    return { rows, config: { agents: agentCount, idleSeconds, viewServices, small, large }, details: { serverIdle, serverWithAgents, agentIdle, idleStart, idleEnd, few, many, snapshot } };
  } finally {
    for (const a of agents) {
      a.proc.child.kill('SIGKILL');
      await a.proxy.close();
    }
    cluster.server.child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const round1 = (v: number) => Math.round(v * 10) / 10;
const round2 = (v: number) => Math.round(v * 100) / 100;

export const syncBench: Bench = { name: 'sync', title: 'Cloud–edge sync: memory, idle traffic and catch-up', run };
