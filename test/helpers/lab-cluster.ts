// A skerry cluster on the multi-node lab (test/lab): the built server in its own network
// namespace, an agent per node namespace on one underlay, the busybox image on every node.
// The test process reaches the API through a Unix socket relay, so nothing listens on the
// host's network.
import fs from 'node:fs';
import path from 'node:path';
import { unmountAll } from '../../edge-agent/pods/host/mounts.ts';
import { createLab, relayArgv, relayListening, type Lab, type LabHost } from '../lab/index.ts';
import { startAgentProcess, waitForReadyNode, type AgentProcess, type ApiTarget } from './cluster.ts';
import { buildBusyboxLayout, removeNodeContainers } from './pods.ts';
import { runSkerry, startServer, tempDir, type ServerProcess } from './skerry.ts';

export interface LabNode {
  host: LabHost;
  name: string;
  agentDir: string;
  runtimeRoot: string;
  podsRoot: string;
  agent: AgentProcess;
  /** Agent flags of this node beyond the common ones, for restarts. */
  extra: string[];
}

export interface LabCluster {
  lab: Lab;
  dir: string;
  server: ServerProcess;
  api: ApiTarget;
  nodes: LabNode[];
  /** The busybox OCI layout every node imported. */
  layout: string;
}

export interface LabClusterOptions {
  nodes: number;
  /** Extra agent flags for node i (made before its agent starts, e.g. a CNI config dir). */
  agentFlags?(i: number, node: Omit<LabNode, 'agent' | 'extra'>): string[];
  /** Where node i keeps its agent data dir (default <dir>/<name>/agent). */
  agentDir?(i: number, name: string, dir: string): string;
}

async function relay(lab: Lab, host: LabHost, port: number, socketPath: string): Promise<void> {
  const proc = lab.spawn(host, relayArgv(socketPath, host.ip, port), { stdio: ['ignore', 'pipe', 'inherit'] });
  await relayListening(proc.child, host.netns);
}

export function startNodeAgent(c: { lab: Lab; api: ApiTarget }, node: Omit<LabNode, 'agent'>): AgentProcess {
  const server = c.lab.server!;
  const args = ['--node-ip', node.host.ip, '--flannel-backend', 'auto', '--keepalive', '2', '--node-lease-duration-seconds', '4', '--restart-backoff', '200ms', '--runtime-root', node.runtimeRoot, '--pods-root', node.podsRoot, ...node.extra];
  return startAgentProcess({ url: `https://${server.ip}:6443`, token: c.api.token }, node.name, node.agentDir, args, (argv, options) => c.lab.spawn(node.host, argv, options).child);
}

/** Starts the lab, the server and every node's agent; resolves once every node is Ready. */
export async function startLabCluster(label: string, options: LabClusterOptions): Promise<LabCluster> {
  const lab = await createLab({ nodes: options.nodes });
  const dir = tempDir(label);
  const cluster = { lab, dir, nodes: [] as LabNode[] } as LabCluster;
  try {
    await startParts(cluster, options);
  } catch (error) {
    await stopLabCluster(cluster).catch(() => undefined);
    throw error;
  }
  return cluster;
}

async function startParts(cluster: LabCluster, options: LabClusterOptions): Promise<void> {
  const { lab, dir } = cluster;
  const server = lab.server!;
  const listen = (port: number) => `${server.ip}:${port}`;
  const serverArgs = ['--listen', listen(6443), '--mqtt-listen', listen(8883), '--tunnel-listen', listen(6444), '--tls-san', server.ip, '--node-monitor-grace-period', '8s'];
  cluster.server = await startServer(path.join(dir, 'server'), serverArgs, (argv, opts) => lab.spawn(server, argv, opts).child);
  const socketPath = path.join(dir, 'api.sock');
  await relay(lab, server, 6443, socketPath);
  const token = fs.readFileSync(path.join(dir, 'server', 'token'), 'utf8').trim();
  const ca = fs.readFileSync(path.join(dir, 'server', 'tls', 'server-ca.crt'), 'utf8');
  cluster.api = { apiPort: 6443, token, ca, socketPath, host: server.ip };
  cluster.layout = await buildBusyboxLayout(path.join(dir, 'image'));
  for (const [i, host] of lab.nodes.entries()) {
    const name = `lab-${lab.id}-${i}`;
    const base = { host, name, agentDir: options.agentDir?.(i, name, dir) ?? path.join(dir, name, 'agent'), runtimeRoot: path.join(dir, name, 'runtime'), podsRoot: path.join(dir, name, 'pods') };
    const imported = await runSkerry(['images', 'import', '--data-dir', base.agentDir, cluster.layout]);
    if (imported.code !== 0) throw new Error(`images import failed: ${imported.stderr}`);
    const node = { ...base, extra: options.agentFlags?.(i, base) ?? [] } as LabNode;
    node.agent = startNodeAgent(cluster, node);
    cluster.nodes.push(node);
  }
  for (const node of cluster.nodes) await waitForReadyNode(cluster.api, node.name, 60_000);
}

/** Stops agents and containers, the lab (server and relay with it), and removes what they left. */
export async function stopLabCluster(cluster: LabCluster | undefined): Promise<void> {
  if (!cluster) return;
  for (const node of cluster.nodes ?? []) await node.agent.stop('SIGKILL');
  for (const node of cluster.nodes ?? []) await removeNodeContainers(node);
  await cluster.lab.destroy();
  unmountAll(cluster.dir);
  fs.rmSync(cluster.dir, { recursive: true, force: true });
}
