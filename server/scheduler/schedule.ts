/**
 * The pure core of the scheduler: given a pod and the nodes with what already runs on them, pick
 * a node or explain, in kube-scheduler's words, why none fits.
 */
import type { KubeObject } from '../api/index.ts';
import { prepareCycle } from './cycle.ts';
import { runFilters, type FilterStatus } from './filters.ts';
import { fitErrorMessage, NO_NODES_MESSAGE } from './fit-error.ts';
import { addPod, newNodeInfo, type NodeInfo } from './node-info.ts';
import { isTerminal, podInfoOf, type PodInfo } from './pod-info.ts';
import { scoreNodes } from './scores.ts';
import type { VolumeLookup } from './volumes.ts';

export type { VolumeLookup } from './volumes.ts';

export type ScheduleResult =
  | { node: string }
  /** SchedulerError only when there is no node at all, as kube-scheduler reports it. */
  | { reason: 'Unschedulable' | 'SchedulerError'; message: string };

/** Picks the node for a pod from node aggregates (the loop's incremental cache). */
export function selectNode(pod: PodInfo, nodeInfos: Iterable<NodeInfo>, volumes?: VolumeLookup): ScheduleResult {
  const nodes = [...nodeInfos].filter((info) => info.node !== undefined);
  if (nodes.length === 0) return { reason: 'SchedulerError', message: NO_NODES_MESSAGE };
  const state = prepareCycle(pod, nodes, volumes);
  if ('message' in state) return { reason: 'Unschedulable', message: fitErrorMessage(nodes.length, [], state) };
  const feasible: NodeInfo[] = [];
  const failures: FilterStatus[] = [];
  for (const node of nodes) {
    const status = runFilters(state, node);
    if (status) failures.push(status);
    else feasible.push(node);
  }
  if (feasible.length === 0) return { reason: 'Unschedulable', message: fitErrorMessage(nodes.length, failures) };
  const scores = scoreNodes(state, feasible);
  let best = 0;
  for (let i = 1; i < feasible.length; i++) {
    const better = scores[i]! > scores[best]! || (scores[i] === scores[best] && feasible[i]!.name < feasible[best]!.name);
    if (better) best = i;
  }
  return { node: feasible[best]!.name };
}

export type PodsByNode = ReadonlyMap<string, readonly KubeObject[]> | Readonly<Record<string, readonly KubeObject[]>>;

function entriesOf(podsByNode: PodsByNode): Iterable<[string, readonly KubeObject[]]> {
  return podsByNode instanceof Map ? podsByNode.entries() : Object.entries(podsByNode as Record<string, readonly KubeObject[]>);
}

/** Builds node aggregates from plain objects; pods that finished hold nothing and are skipped. */
export function nodeInfosOf(nodes: readonly KubeObject[], podsByNode: PodsByNode = new Map()): Map<string, NodeInfo> {
  const infos = new Map<string, NodeInfo>();
  for (const node of nodes) infos.set(node.metadata.name!, newNodeInfo(node.metadata.name!, node));
  for (const [name, pods] of entriesOf(podsByNode)) {
    let info = infos.get(name);
    if (!info) infos.set(name, (info = newNodeInfo(name)));
    for (const pod of pods) if (!isTerminal(pod)) addPod(info, podInfoOf(pod));
  }
  return infos;
}

export function schedulePod(pod: KubeObject, nodes: readonly KubeObject[], podsByNode?: PodsByNode, volumes?: VolumeLookup): ScheduleResult {
  return selectNode(podInfoOf(pod), nodeInfosOf(nodes, podsByNode).values(), volumes);
}
