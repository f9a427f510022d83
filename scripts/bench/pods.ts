/**
 * Pod start on a real node (issue 6 point 10): the built server and one agent as separate
 * processes, a busybox image staged on the node, pods created through the API without a
 * nodeName (the scheduler places them). Latency is from the create request to the watch
 * event that shows the pod Running — what `kubectl apply` then `kubectl get -w` would see.
 * One pod at a time, then 100 at once; the agent's memory with 20 pods running.
 * The agent runs with --flannel-backend none: the bench runs in the host's namespace, where
 * it must not add a bridge; pod networking costs are the network bench's.
 */
import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import { unmountAll } from '../../edge-agent/pods/host/mounts.ts';
import { becomeChildSubreaper } from '../../native/index.ts';
import { api, startAgentProcess, startClusterServer, waitForReadyNode, type AgentProcess, type ClusterServer } from '../../test/helpers/cluster.ts';
import { buildBusyboxLayout, IMAGE, removeNodeContainers } from '../../test/helpers/pods.ts';
import { runSkerry } from '../../test/helpers/skerry.ts';
import type { Bench, BenchContext, BenchResult, ResultRow } from './report.ts';
import { summarize } from './stats.ts';

const NODE = 'bench-pods';
const TARGETS = { p50Ms: 100, p99Ms: 300, agentRssMiB: 60 };

interface RunningWatch {
  /** When each pod (by name) was first seen Running, ms since the epoch. */
  running: Map<string, number>;
  close(): void;
}

/** One watch on the namespace's pods, from now on. */
function watchRunning(server: ClusterServer): Promise<RunningWatch> {
  const running = new Map<string, number>();
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port: server.apiPort, path: '/api/v1/namespaces/default/pods?watch=true&allowWatchBookmarks=false', ca: server.ca, headers: { Authorization: `Bearer ${server.token}` } }, (res) => {
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        const now = Date.now();
        buffer += chunk;
        let newline;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (!line) continue;
          const event = JSON.parse(line) as { object: { metadata: { name: string }; status?: { phase?: string } } };
          const name = event.object.metadata.name;
          if (event.object.status?.phase === 'Running' && !running.has(name)) running.set(name, now);
        }
      });
      res.on('error', () => undefined);
      resolve({ running, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

function podSpec(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: IMAGE, imagePullPolicy: 'Never', command: ['sleep', '3600'] }] },
  };
}

async function waitFor(what: string, probe: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Creates the pods at once and returns each one's create → Running latency in ms. */
async function startPods(server: ClusterServer, watch: RunningWatch, names: string[]): Promise<number[]> {
  const sent = new Map<string, number>();
  await Promise.all(names.map(async (name) => {
    sent.set(name, Date.now());
    const answer = await api(server, 'POST', '/api/v1/namespaces/default/pods', podSpec(name));
    if (answer.status !== 201) throw new Error(`create ${name}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
  }));
  await waitFor(`${names.length} pods Running`, () => names.every((n) => watch.running.has(n)), 120_000);
  return names.map((n) => watch.running.get(n)! - sent.get(n)!);
}

async function deletePods(server: ClusterServer, names: string[]): Promise<void> {
  await Promise.all(names.map((name) => api(server, 'DELETE', `/api/v1/namespaces/default/pods/${name}?gracePeriodSeconds=0`)));
}

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round((Number(match?.[1] ?? 0) / 1024) * 10) / 10;
}

/**
 * What an RSS figure is made of: anonymous memory (the heaps) and file-backed pages, most of
 * them the node binary's own, which every Node process on the machine maps and shares.
 */
function rssParts(pid: number): string {
  const kib = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  let nodeBinary = 0;
  let inNode = false;
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inNode = line.endsWith(` ${process.execPath}`);
    else if (inNode && line.startsWith('Rss:')) nodeBinary += Number(/(\d+)/.exec(line)?.[1] ?? 0);
  }
  const mib = (value: number) => `${(value / 1024).toFixed(0)} MiB`;
  return `anonymous ${mib(kib(status, 'RssAnon'))} + file-backed ${mib(kib(status, 'RssFile'))} (${mib(nodeBinary)} of it ${process.execPath}, shared with every Node process); PSS ${mib(kib(rollup, 'Pss'))}`;
}

const stats = (values: number[]) => summarize(values);

/** User + system CPU time of a process so far, in ms (less noisy than wall time on a shared machine). */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function run({ dir, quick, progress }: BenchContext): Promise<BenchResult> {
  if (process.getuid?.() !== 0) throw new Error('the pods bench runs containers: it needs root');
  // The containers' shims outlive the agent; as a subreaper the bench gets them back and can
  // reap them at the end (PID 1 here does not reap orphans).
  becomeChildSubreaper();
  const agentDir = path.join(dir, 'agent');
  const node = { runtimeRoot: path.join(dir, 'runtime'), agentDir };
  progress('building the busybox image');
  const layout = await buildBusyboxLayout(path.join(dir, 'image'));
  const imported = await runSkerry(['images', 'import', '--data-dir', agentDir, layout]);
  if (imported.code !== 0) throw new Error(`images import: ${imported.stderr}`);
  const server = await startClusterServer(path.join(dir, 'server'));
  let agent: AgentProcess | undefined;
  let watch: RunningWatch | undefined;
  try {
    agent = startAgentProcess(server, NODE, agentDir, ['--runtime-root', node.runtimeRoot, '--pods-root', path.join(dir, 'pods')]);
    await waitForReadyNode(server, NODE, 60_000);
    watch = await watchRunning(server);
    const agentIdle = rssMiB(agent.child.pid!);
    const agentIdleParts = rssParts(agent.child.pid!);
    const singles = quick ? 5 : 20;
    progress(`${singles} pods, one at a time`);
    const one: number[] = [];
    const kept: string[] = [];
    for (let i = 0; i < singles; i++) {
      const name = `one-${i}`;
      one.push(...(await startPods(server, watch, [name])));
      kept.push(name);
    }
    await new Promise((r) => setTimeout(r, 2_000));
    const agentWithPods = rssMiB(agent.child.pid!);
    const agentWithPodsParts = rssParts(agent.child.pid!);
    await deletePods(server, kept);
    const burst = quick ? 20 : 100;
    progress(`${burst} pods at once`);
    const cpuBefore = cpuMs(agent.child.pid!);
    const many = await startPods(server, watch, Array.from({ length: burst }, (_, i) => `many-${i}`));
    const burstCpu = cpuMs(agent.child.pid!) - cpuBefore;
    await deletePods(server, Array.from({ length: burst }, (_, i) => `many-${i}`));
    const a = stats(one);
    const b = stats(many);
    const rows: ResultRow[] = [
      { id: 'start-one-p50', metric: 'create → Running, one pod at a time, p50', value: a.p50, unit: 'ms', target: { op: '<=', value: TARGETS.p50Ms } },
      { id: 'start-one-p99', metric: 'create → Running, one pod at a time, p99', value: a.p99, unit: 'ms', target: { op: '<=', value: TARGETS.p99Ms }, notes: `${a.n} pods, max ${a.max} ms` },
      { id: 'start-burst-p50', metric: `create → Running, ${burst} pods at once, p50`, value: b.p50, unit: 'ms', target: { op: '<=', value: TARGETS.p50Ms } },
      { id: 'start-burst-p99', metric: `create → Running, ${burst} pods at once, p99`, value: b.p99, unit: 'ms', target: { op: '<=', value: TARGETS.p99Ms }, notes: `max ${b.max} ms; KubeEdge p99 4.1 s at scale, Kubernetes SLO p99 ≤ 5 s` },
      { id: 'start-burst-agent-cpu', metric: `agent CPU time while ${burst} pods start at once`, value: Math.round(burstCpu), unit: 'ms', notes: `${(burstCpu / burst).toFixed(1)} ms per pod; the agent process only (not its containers)` },
      { id: 'agent-rss-idle', metric: 'agent RSS, no pods', value: agentIdle, unit: 'MiB', notes: agentIdleParts },
      { id: 'agent-rss-pods', metric: `agent RSS with ${singles} pods running`, value: agentWithPods, unit: 'MiB', target: { op: '<=', value: TARGETS.agentRssMiB }, notes: `${agentWithPodsParts}; edgecore ≈ 70 MB, K3s agent 275 MB` },
    ];
    return { rows, config: { singles, burst, image: IMAGE }, details: { one, many, agentIdle, agentWithPods, burstCpu } };
  } finally {
    watch?.close();
    await agent?.stop('SIGKILL');
    server.stop();
    await removeNodeContainers(node);
    unmountAll(dir);
  }
}

export const podsBench: Bench = { name: 'pods', title: 'Pod start on a node, and the agent’s memory with pods', run };
