// A server and one agent that runs pods, each test with its own runtime and pods roots
// under its temp dir, and a teardown that removes everything the pods made — containers,
// their cgroups and shims, namespace files, overlay and tmpfs mounts — also after a failure.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { unmountAll } from '../../edge-agent/pods/host/mounts.ts';
import { findContainerCgroup, listContainers, reapChild } from '../../native/index.ts';
import { api, startAgentProcess, startClusterServer, waitForReadyNode, waitUntil, type AgentProcess, type ClusterServer } from './cluster.ts';
import { runSkerry, tempDir } from './skerry.ts';

export const IMAGE = 'busybox:skerry-e2e';

export interface PodCluster {
  dir: string;
  node: string;
  server: ClusterServer;
  agent: AgentProcess;
  agentDir: string;
  runtimeRoot: string;
  podsRoot: string;
  /** Starts the agent again with the same flags (after a kill -9). */
  restartAgent(): AgentProcess;
}

/** Builds the busybox image once per test file, as an OCI layout every agent imports. */
export async function buildBusyboxLayout(dir: string): Promise<string> {
  const context = execFileSync('bash', [path.resolve('scripts/images/busybox-rootfs.sh'), path.join(dir, 'context')], { encoding: 'utf8' }).trim();
  const layout = path.join(dir, 'layout');
  const built = await runSkerry(['images', 'build', '--data-dir', path.join(dir, 'builder'), '-t', IMAGE, '--output', layout, context]);
  if (built.code !== 0) throw new Error(`images build failed: ${built.stderr}`);
  return layout;
}

/** `agentFlags`: more flags for the agent, made once the server is up (a proxy in front of one of its ports). */
export async function startPodCluster(t: { teardown(fn: () => Promise<void>): void }, label: string, layout: string, agentFlags?: (server: ClusterServer) => Promise<string[]>): Promise<PodCluster> {
  const dir = tempDir(`pods-${label}`);
  const node = `pods-${label}`;
  const agentDir = path.join(dir, 'agent');
  const runtimeRoot = path.join(dir, 'runtime');
  const podsRoot = path.join(dir, 'pods');
  const c = { dir, node, agentDir, runtimeRoot, podsRoot, agents: [] as AgentProcess[] } as unknown as PodCluster & { agents: AgentProcess[] };
  t.teardown(() => tearDown(c));
  c.server = await startClusterServer(path.join(dir, 'server'));
  const imported = await runSkerry(['images', 'import', '--data-dir', agentDir, layout]);
  if (imported.code !== 0) throw new Error(`images import failed: ${imported.stderr}`);
  const flags = ['--keepalive', '2', '--restart-backoff', '200ms', '--runtime-root', runtimeRoot, '--pods-root', podsRoot, ...((await agentFlags?.(c.server)) ?? [])];
  c.restartAgent = () => {
    const agent = startAgentProcess(c.server, node, agentDir, flags);
    c.agents.push(agent);
    return (c.agent = agent);
  };
  c.restartAgent();
  await waitForReadyNode(c.server, node, 30_000).catch((error: Error) => {
    throw new Error(`${error.message}${serverState(c)}`);
  });
  return c;
}

/** When the server is gone: how it ended and what it said last (a test failing on ECONNREFUSED says why). */
function serverState(c: PodCluster): string {
  const child = c.server.process.child;
  if (child.exitCode === null && child.signalCode === null) return '';
  return `; the server exited (code ${child.exitCode}, signal ${child.signalCode}), its last lines:\n${c.server.process.stderr().split('\n').slice(-6).join('\n')}`;
}

/** Container ids the agent knows of: in its runtime root and in its pods' state files. */
function knownContainerIds(c: { runtimeRoot: string; agentDir: string }): string[] {
  const ids = new Set<string>(fs.existsSync(c.runtimeRoot) ? fs.readdirSync(c.runtimeRoot) : []);
  const stateDir = path.join(c.agentDir, 'pod-state');
  for (const uid of fs.existsSync(stateDir) ? fs.readdirSync(stateDir) : []) {
    try {
      const record = JSON.parse(fs.readFileSync(path.join(stateDir, uid, 'state.json'), 'utf8')) as { init: object; app: object };
      for (const slot of [...Object.values(record.init), ...Object.values(record.app)] as Array<{ containerId?: string }>) if (slot.containerId) ids.add(slot.containerId);
    } catch {
      // no state file: nothing recorded
    }
  }
  return [...ids];
}

/** Kills what the pods run (their shims are ours to reap: the test process is a subreaper). */
export async function killContainers(runtimeRoot: string): Promise<number[]> {
  const shims: number[] = [];
  for (const container of fs.existsSync(runtimeRoot) ? listContainers(runtimeRoot) : []) {
    shims.push(container.record.shimPid);
    if (container.running()) process.kill(container.record.pid, 'SIGKILL');
    await container.wait();
  }
  for (const pid of shims) await waitUntil(`shim ${pid} reaped`, () => reapChild(pid) !== undefined || !fs.existsSync(`/proc/${pid}`), 5_000).catch(() => undefined);
  return shims;
}

/** Removes what a node's pods made: containers, their shims and cgroups (the agent must be stopped first). */
export async function removeNodeContainers(node: { runtimeRoot: string; agentDir: string }): Promise<void> {
  const ids = knownContainerIds(node);
  await killContainers(node.runtimeRoot);
  for (const container of fs.existsSync(node.runtimeRoot) ? listContainers(node.runtimeRoot) : []) await container.delete({ force: true }).catch(() => undefined);
  for (const id of ids) await findContainerCgroup(id)?.destroy().catch(() => undefined);
}

async function tearDown(c: PodCluster & { agents: AgentProcess[] }): Promise<void> {
  await Promise.all(c.agents.map((a) => a.stop('SIGKILL')));
  c.server?.stop();
  await removeNodeContainers(c);
  unmountAll(c.dir);
  fs.rmSync(c.dir, { recursive: true, force: true });
}

export interface PodObject {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  status?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function createPod(c: PodCluster, name: string, spec: Record<string, unknown>): Promise<PodObject> {
  const answer = await api(c.server, 'POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: c.node, ...spec } });
  if (answer.status !== 201) throw new Error(`create pod ${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as unknown as PodObject;
}

export async function create(c: PodCluster, resource: string, object: Record<string, unknown>): Promise<void> {
  const answer = await api(c.server, 'POST', `/api/v1/namespaces/default/${resource}`, object);
  if (answer.status !== 201) throw new Error(`create ${resource}: ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** Polls the pod until `want` holds for it; the error names the last status seen. */
export async function waitForPod(c: PodCluster, name: string, what: string, want: (pod: PodObject) => boolean, timeoutMs = 30_000): Promise<PodObject> {
  let last: PodObject | undefined;
  try {
    return await waitUntil(what, async () => {
      const answer = await api(c.server, 'GET', `/api/v1/namespaces/default/pods/${name}`);
      last = answer.body as unknown as PodObject;
      return answer.status === 200 && want(last) ? last : undefined;
    }, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}; last status: ${JSON.stringify(last?.status)}${serverState(c)}`);
  }
}

export function logOf(c: PodCluster, pod: PodObject, container: string, restartCount = 0): string {
  const file = path.join(c.agentDir, 'pods', `default_${pod.metadata.name}_${pod.metadata.uid}`, container, `${restartCount}.log`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

export async function eventsOf(c: PodCluster, pod: string): Promise<string[]> {
  const answer = await api(c.server, 'GET', '/api/v1/namespaces/default/events');
  const items = (answer.body.items ?? []) as Array<{ involvedObject: { name: string }; reason: string; message: string }>;
  return items.filter((e) => e.involvedObject.name === pod).map((e) => `${e.reason}: ${e.message}`);
}

/** The runtime's record of a container: its pid and shim. */
export function runtimeRecord(c: PodCluster, containerID: string): { pid: number; shimPid: number } | undefined {
  const file = path.join(c.runtimeRoot, containerID.replace('skerry://', ''), 'state.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; shimPid: number }) : undefined;
}

/** The agent's outbox as it is on disk: the reports it has not delivered yet. */
export function agentOutbox(agentDir: string): Array<{ key: string; kind: string; status?: Record<string, any> }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const db = new Database(path.join(agentDir, 'state', 'agent.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT report FROM outbox ORDER BY seq').all() as Array<{ report: string }>).map((r) => JSON.parse(r.report));
  } finally {
    db.close();
  }
}
