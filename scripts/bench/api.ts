/**
 * Benchmarks of the resource API (server/api) through the real `skerry server` over HTTPS,
 * as kubectl and client libraries reach it: pod creates per second (sequential and 32
 * concurrent clients), listing 10,000 pods as JSON and as a Table, and watch delivery
 * latency with 100 watchers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchContext, BenchResult, ResultRow } from './report.ts';
import { median, summarize } from './stats.ts';

const SKERRY = fileURLToPath(new URL('../../dist/skerry.js', import.meta.url));
const TARGETS = { createsConcurrent: 1000, list10kMs: 500, watchP99Ms: 50, bound1000Ms: 5000 };
const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

interface Server {
  child: ChildProcess;
  port: number;
}

async function startServer(dataDir: string): Promise<Server> {
  const child = spawn(process.execPath, [SKERRY, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--mqtt-listen', '127.0.0.1:0', '--tunnel-listen', '127.0.0.1:0', '--disable-agent'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d;
      const match = /"msg":"API listening"/.test(stderr) && /"listen":"[^"]*:(\d+)"/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        // Keep draining the pipe so the server never blocks on a full stderr.
        stderr = '';
        resolve({ child, port: Number(match[1]) });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited ${code}: ${stderr}`));
    });
  });
}

interface Client {
  call(method: string, urlPath: string, body?: unknown, accept?: string): Promise<{ status: number; body: string }>;
  stream(urlPath: string, onLine: (line: string) => void): { close(): void; ready: Promise<void> };
}

function client(port: number, ca: string, token: string): Client {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca });
  const headers = { Authorization: `Bearer ${token}` };
  return {
    call(method, urlPath, body, accept = 'application/json') {
      return new Promise((resolve, reject) => {
        const text = body === undefined ? undefined : JSON.stringify(body);
        const req = https.request(
          { host: '127.0.0.1', port, path: urlPath, method, agent, servername: 'localhost', headers: { ...headers, Accept: accept, ...(text ? { 'Content-Type': 'application/json' } : {}) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (d: Buffer) => chunks.push(d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          },
        );
        req.on('error', reject);
        req.end(text);
      });
    },
    stream(urlPath, onLine) {
      let request: ReturnType<typeof https.request> | undefined;
      const ready = new Promise<void>((resolve, reject) => {
        request = https.request({ host: '127.0.0.1', port, path: urlPath, agent: new https.Agent({ ca }), servername: 'localhost', headers }, (res) => {
          resolve();
          let buffer = '';
          res.on('data', (d: Buffer) => {
            buffer += d;
            let newline;
            while ((newline = buffer.indexOf('\n')) >= 0) {
              onLine(buffer.slice(0, newline));
              buffer = buffer.slice(newline + 1);
            }
          });
          res.on('error', () => undefined);
        });
        request.on('error', reject);
        request.end();
      });
      return { ready, close: () => request?.destroy() };
    },
  };
}

const podBody = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'bench', tier: 'edge' } },
  // No scheduler takes these: the bench measures the API, not placement.
  spec: { schedulerName: 'bench-none', containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
});

async function createPods(api: Client, namespace: string, prefix: string, count: number, clients: number): Promise<{ perSecond: number; latency: number[] }> {
  const latency: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < count; i = next++) {
        const started = performance.now();
        const answer = await api.call('POST', `/api/v1/namespaces/${namespace}/pods`, podBody(`${prefix}-${i}`));
        if (answer.status !== 201) throw new Error(`create answered ${answer.status}: ${answer.body.slice(0, 200)}`);
        latency.push(performance.now() - started);
      }
    }),
  );
  return { perSecond: (count * 1000) / (performance.now() - t0), latency };
}

async function ensureNamespace(api: Client, name: string): Promise<void> {
  const answer = await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  if (answer.status !== 201) throw new Error(`namespace ${name}: ${answer.status} ${answer.body}`);
}

async function timedList(api: Client, accept: string, runs: number, expect: number): Promise<number[]> {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const answer = await api.call('GET', '/api/v1/pods', undefined, accept);
    const ms = performance.now() - t0;
    const parsed = JSON.parse(answer.body) as { items?: unknown[]; rows?: unknown[] };
    const n = (parsed.items ?? parsed.rows ?? []).length;
    if (n < expect) throw new Error(`list returned ${n} pods, expected ${expect}`);
    times.push(ms);
  }
  return times;
}

async function watchLatency(api: Client, watchers: number, writes: number): Promise<number[]> {
  await ensureNamespace(api, 'bench-watch');
  const sentAt = new Map<string, number>();
  const samples: number[] = [];
  const streams = Array.from({ length: watchers }, () =>
    api.stream('/api/v1/namespaces/bench-watch/configmaps?watch=true&resourceVersion=1', (line) => {
      const event = JSON.parse(line) as { type: string; object: { metadata: { name: string } } };
      const sent = sentAt.get(event.object.metadata.name);
      if (event.type === 'ADDED' && sent !== undefined) samples.push(performance.now() - sent);
    }),
  );
  await Promise.all(streams.map((s) => s.ready));
  for (let i = 0; i < writes; i++) {
    const name = `cm-${i}`;
    sentAt.set(name, performance.now());
    await api.call('POST', '/api/v1/namespaces/bench-watch/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } });
  }
  const deadline = Date.now() + 10_000;
  while (samples.length < watchers * writes && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  for (const s of streams) s.close();
  return samples;
}

/** Nodes registered the way an agent will register them: the object, then its status. */
async function registerNodes(api: Client, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const name = `bench-node-${i}`;
    const created = await api.call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } });
    if (created.status !== 201) throw new Error(`node ${name}: ${created.status} ${created.body}`);
    const node = JSON.parse(created.body) as Record<string, unknown>;
    const status = { capacity: { cpu: '64', memory: '256Gi', pods: '250' }, allocatable: { cpu: '64', memory: '256Gi', pods: '250' }, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'bench', lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] };
    const updated = await api.call('PUT', `/api/v1/nodes/${name}/status`, { ...node, status });
    if (updated.status !== 200) throw new Error(`node ${name} status: ${updated.status} ${updated.body}`);
  }
}

/** From creating a Deployment of `replicas` to every one of its pods bound to a node. */
async function deploymentToBound(api: Client, replicas: number): Promise<{ ms: number; podsMs: number }> {
  await ensureNamespace(api, 'bench-deploy');
  // Watching, not polling: a list of 1,000 pods every few ms would load the server it measures.
  const seen = new Map<string, boolean>();
  let t0 = 0;
  let podsMs = 0;
  let done: (ms: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (done = resolve));
  const stream = api.stream('/api/v1/namespaces/bench-deploy/pods?watch=true', (line) => {
    const event = JSON.parse(line) as { type: string; object: { metadata: { name: string }; spec: { nodeName?: string } } };
    if (event.type === 'DELETED') seen.delete(event.object.metadata.name);
    else seen.set(event.object.metadata.name, Boolean(event.object.spec.nodeName));
    if (!podsMs && seen.size >= replicas) podsMs = performance.now() - t0;
    if ([...seen.values()].filter(Boolean).length >= replicas) done(performance.now() - t0);
  });
  await stream.ready;
  t0 = performance.now();
  const created = await api.call('POST', '/apis/apps/v1/namespaces/bench-deploy/deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'fleet' },
    spec: { replicas, selector: { matchLabels: { app: 'fleet' } }, template: { metadata: { labels: { app: 'fleet' } }, spec: { containers: [{ name: 'main', image: 'busybox:1.36', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } } },
  });
  if (created.status !== 201) throw new Error(`deployment: ${created.status} ${created.body}`);
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not all ${replicas} pods bound after 120 s (${seen.size} seen)`)), 120_000).unref());
  try {
    return { ms: await Promise.race([finished, timeout]), podsMs };
  } finally {
    stream.close();
  }
}

async function run(context: BenchContext): Promise<BenchResult> {
  const { dir, quick, progress } = context;
  const sequential = quick ? 200 : 1000;
  const concurrent = quick ? 1000 : 5000;
  const listTotal = 10_000;
  const watchers = 100;
  const watchWrites = quick ? 50 : 200;
  const dataDir = path.join(dir, 'server');
  const server = await startServer(dataDir);
  try {
    const api = client(server.port, fs.readFileSync(path.join(dataDir, 'tls', 'server-ca.crt'), 'utf8'), fs.readFileSync(path.join(dataDir, 'token'), 'utf8').trim());
    await ensureNamespace(api, 'bench');
    progress(`creates: ${sequential} pods from one client`);
    const seq = await createPods(api, 'bench', 'seq', sequential, 1);
    progress(`creates: ${concurrent} pods from 32 clients`);
    const conc = await createPods(api, 'bench', 'conc', concurrent, 32);
    const have = sequential + concurrent;
    if (have < listTotal) {
      progress(`filling to ${listTotal} pods`);
      await createPods(api, 'bench', 'fill', listTotal - have, 32);
    }
    const runs = quick ? 3 : 7;
    progress(`list: ${listTotal} pods, ${runs} runs each as JSON and as Table`);
    const json = await timedList(api, 'application/json', runs, listTotal);
    const table = await timedList(api, TABLE_ACCEPT, runs, listTotal);
    progress(`watch: ${watchers} watchers, ${watchWrites} creates`);
    const watch = summarize(await watchLatency(api, watchers, watchWrites));
    progress('controllers: 10 nodes, a 1,000-replica Deployment until every pod is bound');
    await registerNodes(api, 10);
    const bound = await deploymentToBound(api, 1000);
    const seqLatency = summarize(seq.latency);
    const concLatency = summarize(conc.latency);
    const rows: ResultRow[] = [
      { id: 'creates_sequential', metric: 'Pod creates/s, 1 client', value: seq.perSecond, unit: 'creates/s', notes: `p50 ${seqLatency.p50.toFixed(2)} ms, p99 ${seqLatency.p99.toFixed(2)} ms` },
      { id: 'creates_concurrent', metric: 'Pod creates/s, 32 clients', value: conc.perSecond, unit: 'creates/s', target: { op: '>=', value: TARGETS.createsConcurrent }, notes: `p50 ${concLatency.p50.toFixed(1)} ms, p99 ${concLatency.p99.toFixed(1)} ms (Kubernetes' SLO: p99 ≤ 1 s)` },
      { id: 'list_json', metric: `List ${listTotal.toLocaleString('en-US')} pods, JSON`, value: median(json), unit: 'ms', target: { op: '<=', value: TARGETS.list10kMs }, notes: `median of ${runs}; min ${Math.min(...json).toFixed(0)} ms` },
      { id: 'list_table', metric: `List ${listTotal.toLocaleString('en-US')} pods, Table`, value: median(table), unit: 'ms', target: { op: '<=', value: TARGETS.list10kMs }, notes: `median of ${runs}; min ${Math.min(...table).toFixed(0)} ms` },
      { id: 'watch_p50', metric: `Watch delivery p50, ${watchers} watchers`, value: watch.p50, unit: 'ms', notes: `${watch.n} events; from POST sent to event received` },
      { id: 'watch_p99', metric: `Watch delivery p99, ${watchers} watchers`, value: watch.p99, unit: 'ms', target: { op: '<=', value: TARGETS.watchP99Ms }, notes: `max ${watch.max.toFixed(1)} ms` },
      { id: 'deployment_1000_bound', metric: '1,000-replica Deployment to 1,000 bound pods', value: bound.ms, unit: 'ms', target: { op: '<=', value: TARGETS.bound1000Ms }, notes: `10 nodes registered by the bench; all 1,000 pods existed after ${bound.podsMs.toFixed(0)} ms` },
    ];
    return {
      rows,
      config: { quick, sequential, concurrent, listTotal, watchers, watchWrites, transport: 'HTTPS with keep-alive to `skerry server` on 127.0.0.1, bearer token' },
      details: { deploymentBound: bound, createSequential: seqLatency, createConcurrent: concLatency, listJsonMs: json, listTableMs: table, watch },
    };
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
  }
}

export const apiBench: Bench = { name: 'api', title: 'Resource API (server/api) over HTTPS', run };
