/**
 * Per-node aggregates kept up to date as pods come and go, as kube-scheduler's NodeInfo: what the
 * node's pods request, how many replicas of each owner it runs, which pods carry anti-affinity.
 * Filters and scores read these, so scheduling one pod costs O(nodes), not O(pods).
 */
import type { KubeObject } from '../api/index.ts';
import { nodeAllocatable, type ResourceList } from './resources.ts';
import { effectiveTaints, type Taint } from './taints.ts';
import type { PodInfo } from './pod-info.ts';

export interface NodeInfo {
  name: string;
  /** Undefined while pods name a node the scheduler has not seen (or that was deleted). */
  node: KubeObject | undefined;
  labels: Record<string, string>;
  allocatable: ResourceList;
  taints: Taint[];
  unschedulable: boolean;
  requested: ResourceList;
  nonZeroRequested: ResourceList;
  pods: Map<string, PodInfo>;
  owners: Map<string, number>;
  withAntiAffinity: Set<PodInfo>;
}

export function newNodeInfo(name: string, node?: KubeObject): NodeInfo {
  const info: NodeInfo = {
    name,
    node: undefined,
    labels: {},
    allocatable: {},
    taints: [],
    unschedulable: false,
    requested: {},
    nonZeroRequested: {},
    pods: new Map(),
    owners: new Map(),
    withAntiAffinity: new Set(),
  };
  setNode(info, node);
  return info;
}

export function setNode(info: NodeInfo, node: KubeObject | undefined): void {
  info.node = node;
  info.labels = node?.metadata.labels ?? {};
  info.allocatable = node ? nodeAllocatable(node) : {};
  info.taints = node ? effectiveTaints(node) : [];
  info.unschedulable = Boolean(((node?.spec ?? {}) as { unschedulable?: boolean }).unschedulable);
}

function adjust(list: ResourceList, by: ResourceList, sign: 1 | -1): void {
  for (const [name, value] of Object.entries(by)) list[name] = (list[name] ?? 0) + sign * value;
}

function count(map: Map<string, number>, key: string, by: 1 | -1): void {
  const next = (map.get(key) ?? 0) + by;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}

export function addPod(info: NodeInfo, pod: PodInfo): void {
  if (info.pods.has(pod.key)) removePod(info, info.pods.get(pod.key)!);
  info.pods.set(pod.key, pod);
  adjust(info.requested, pod.requests, 1);
  adjust(info.nonZeroRequested, pod.nonZero, 1);
  if (pod.owner) count(info.owners, pod.owner, 1);
  if (pod.antiAffinity.length > 0) info.withAntiAffinity.add(pod);
}

export function removePod(info: NodeInfo, pod: PodInfo): void {
  const held = info.pods.get(pod.key);
  if (!held) return;
  info.pods.delete(pod.key);
  adjust(info.requested, held.requests, -1);
  adjust(info.nonZeroRequested, held.nonZero, -1);
  if (held.owner) count(info.owners, held.owner, -1);
  info.withAntiAffinity.delete(held);
}
