// What the controller tests share: a real SQLite-backed object store, a clock they can move,
// `until` that drives a reconciler until a condition holds, and a stand-in for the agents
// (binding pods to nodes, starting them, finishing deletions) until real agents exist.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../storage/kv/index.ts';
import { createCatalog, createObjectStore, timestamp, type KubeObject, type ObjectStore } from '../api/index.ts';
import { kubernetesAdmission } from '../api/admission.ts';
import { targetNodeOf } from './node-match.ts';

export const catalog = createCatalog();
export const Namespace = catalog.byResource('', 'v1', 'namespaces')!;
export const Pod = catalog.byResource('', 'v1', 'pods')!;
export const Node = catalog.byResource('', 'v1', 'nodes')!;

export interface Clock {
  now: () => Date;
  advance(ms: number): void;
}

/** Real time plus whatever the test has skipped ahead. */
export function clock(): Clock {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => void (offset += ms) };
}

export async function store(t: { teardown(fn: () => void | Promise<void>): void }, namespaces: string[] = ['default']): Promise<ObjectStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-controllers-'));
  const kv = openSqliteStore({ file: path.join(dir, 'state.db') });
  const objects = createObjectStore({ kv, admission: kubernetesAdmission, namespaceType: Namespace });
  for (const name of namespaces) await objects.create(Namespace, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  t.teardown(async () => {
    await kv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return objects;
}

/** Runs `step` (a reconcile, a kubelet pass) and then `probe` until the probe answers, or fails after `ms`. */
export async function until<T>(what: string, step: () => Promise<unknown>, probe: () => Promise<T | undefined>, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    await step();
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function createNode(objects: ObjectStore, name: string, extra: { labels?: Record<string, string>; taints?: unknown[]; ready?: boolean } = {}): Promise<KubeObject> {
  const node = await objects.create(Node, undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(extra.labels ?? {}) } },
    spec: extra.taints ? { taints: extra.taints } : {},
  });
  const at = timestamp(new Date());
  const ready = { type: 'Ready', status: extra.ready === false ? 'False' : 'True', reason: 'KubeletReady', message: 'ready', lastHeartbeatTime: at, lastTransitionTime: at };
  return objects.mutate(Node, undefined, name, (n) => ({ ...n, status: { conditions: [ready] } }), { subresource: 'status' });
}

export const podsIn = async (objects: ObjectStore, namespace = 'default') => (await objects.list(Pod, namespace)).items;
export const livePods = async (objects: ObjectStore, namespace = 'default') => (await podsIn(objects, namespace)).filter((p) => !p.metadata.deletionTimestamp);

export interface KubeletOptions {
  /** Node for pods nobody pinned; DaemonSet pods go to their affinity's node. */
  node?: string;
  /** What a started pod becomes: Running and Ready (default), or it runs to completion. */
  outcome?: (pod: KubeObject) => 'Ready' | 'Succeeded' | 'Failed' | 'Pending';
  /** Only pods that pass start (others stay Pending), to hold a StatefulSet at an ordinal. */
  admit?: (pod: KubeObject) => boolean;
}

let ipCounter = 10;

/**
 * One pass of the stand-in for scheduler and agents: binds unbound pods, starts Pending ones
 * (podIP, phase, Ready), and completes graceful deletions (a force delete, as an agent would).
 */
export async function kubeletPass(objects: ObjectStore, options: KubeletOptions = {}, namespace = 'default'): Promise<void> {
  for (const pod of await podsIn(objects, namespace)) {
    const name = pod.metadata.name!;
    if (pod.metadata.deletionTimestamp) {
      await objects.delete(Pod, namespace, name, { gracePeriodSeconds: 0 }).catch(() => undefined);
      continue;
    }
    if (options.admit && !options.admit(pod)) continue;
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    if (!spec.nodeName) {
      const nodeName = targetNodeOf(pod) ?? options.node ?? 'node-a';
      await objects.mutate(Pod, namespace, name, (p) => ({ ...p, spec: { ...(p.spec as object), nodeName } }), { subresource: 'binding' }).catch(() => undefined);
      continue;
    }
    const status = (pod.status ?? {}) as { phase?: string; conditions?: unknown[] };
    if (status.phase !== 'Pending') continue;
    const outcome = options.outcome?.(pod) ?? 'Ready';
    if (outcome === 'Pending') continue;
    const at = timestamp(new Date());
    const podIP = `10.42.0.${ipCounter++ % 250 + 2}`;
    const next =
      outcome === 'Ready'
        ? { phase: 'Running', podIP, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }] }
        : { phase: outcome, podIP, conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: at }] };
    await objects.mutate(Pod, namespace, name, (p) => ({ ...p, status: { ...((p.status ?? {}) as object), ...next } }), { subresource: 'status' }).catch(() => undefined);
  }
}
