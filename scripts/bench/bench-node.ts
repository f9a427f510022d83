/**
 * One node for benches that run pods: the built server and an agent as separate processes,
 * the busybox image staged on the node, both stopped (and the containers removed) by `stop`.
 * The agent runs with --flannel-backend none: benches run in the host's namespace, where they
 * must not add a bridge.
 */
import path from 'node:path';
import { becomeChildSubreaper } from '../../native/index.ts';
import { startAgentProcess, startClusterServer, waitForReadyNode, type AgentProcess, type ClusterServer } from '../../test/helpers/cluster.ts';
import { buildBusyboxLayout, removeNodeContainers } from '../../test/helpers/pods.ts';
import { runSkerry } from '../../test/helpers/skerry.ts';

export interface BenchNode {
  server: ClusterServer;
  agent: AgentProcess;
  agentDir: string;
  /** Stops agent and server and removes the pods' containers; the caller unmounts what it needs. */
  stop(): Promise<void>;
}

export async function startBenchNode(dir: string, node: string, progress: (message: string) => void): Promise<BenchNode> {
  // The containers' shims outlive the agent; as a subreaper the bench gets them back and can
  // reap them at the end (PID 1 here does not reap orphans).
  becomeChildSubreaper();
  const agentDir = path.join(dir, 'agent');
  const runtimeRoot = path.join(dir, 'runtime');
  progress('building the busybox image');
  const layout = await buildBusyboxLayout(path.join(dir, 'image'));
  const imported = await runSkerry(['images', 'import', '--data-dir', agentDir, layout]);
  if (imported.code !== 0) throw new Error(`images import: ${imported.stderr}`);
  const server = await startClusterServer(path.join(dir, 'server'));
  const agent = startAgentProcess(server, node, agentDir, ['--runtime-root', runtimeRoot, '--pods-root', path.join(dir, 'pods')]);
  const stop = async () => {
    await agent.stop('SIGKILL');
    server.stop();
    await removeNodeContainers({ runtimeRoot, agentDir });
  };
  try {
    await waitForReadyNode(server, node, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { server, agent, agentDir, stop };
}
