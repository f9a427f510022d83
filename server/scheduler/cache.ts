/**
 * The scheduler's view of the cluster, as kube-scheduler's cache: node aggregates fed by the
 * node and pod watches, plus "assumed" pods — placed the moment they are chosen, before their
 * binding is written or seen — so the next decision already counts them.
 */
import type { KubeObject } from '../api/index.ts';
import { addPod, newNodeInfo, removePod, setNode, type NodeInfo } from './node-info.ts';
import { isTerminal, podInfoOf, type PodInfo } from './pod-info.ts';

export interface SchedulerCache {
  /** Aggregates of the nodes that exist (those named only by pods are left out). */
  nodeInfos(): Iterable<NodeInfo>;
  setNode(name: string, node: KubeObject | undefined): void;
  /** A pod as watched (undefined when deleted); bound, running pods are counted on their node. */
  updatePod(key: string, pod: KubeObject | undefined): void;
  assume(pod: PodInfo, nodeName: string): void;
  /** Drops an assumption whose binding failed. */
  forget(key: string): void;
  isAssumed(key: string): boolean;
}

export function createSchedulerCache(): SchedulerCache {
  const nodes = new Map<string, NodeInfo>();
  const placed = new Map<string, { node: string; info: PodInfo }>();
  const assumed = new Set<string>();

  function infoFor(name: string): NodeInfo {
    let info = nodes.get(name);
    if (!info) nodes.set(name, (info = newNodeInfo(name)));
    return info;
  }

  function unplace(key: string): void {
    const held = placed.get(key);
    if (!held) return;
    placed.delete(key);
    const info = nodes.get(held.node);
    if (!info) return;
    removePod(info, held.info);
    if (!info.node && info.pods.size === 0) nodes.delete(held.node);
  }

  function place(info: PodInfo, node: string): void {
    if (placed.get(info.key)?.node !== node) unplace(info.key);
    placed.set(info.key, { node, info });
    addPod(infoFor(node), info);
  }

  return {
    *nodeInfos() {
      for (const info of nodes.values()) if (info.node) yield info;
    },
    setNode(name, node) {
      if (node) return setNode(infoFor(name), node);
      const info = nodes.get(name);
      if (!info) return;
      setNode(info, undefined);
      if (info.pods.size === 0) nodes.delete(name);
    },
    updatePod(key, pod) {
      if (!pod || isTerminal(pod)) {
        assumed.delete(key);
        return unplace(key);
      }
      const nodeName = ((pod.spec ?? {}) as { nodeName?: string }).nodeName;
      if (nodeName) {
        assumed.delete(key);
        return place(podInfoOf(pod), nodeName);
      }
      // An event from before the binding landed: the assumption stands until it is confirmed.
      if (!assumed.has(key)) unplace(key);
    },
    assume(info, node) {
      assumed.add(info.key);
      place(info, node);
    },
    forget(key) {
      if (!assumed.delete(key)) return;
      unplace(key);
    },
    isAssumed: (key) => assumed.has(key),
  };
}
