// The pod manager: one worker per pod uid, made for every pod of this node in the view and
// for every pod the node still has something of (running containers, a state dir, a
// sandbox) — those that left the view are stopped and removed by their workers.
import fs from 'node:fs';
import path from 'node:path';
import { componentLogger } from '../../common/index.ts';
import { listContainers, resourceLimits, type Container } from '../../native/index.ts';
import { openImageStore } from '../images/store/index.ts';
import { annotationsOf, NODE_ANNOTATION, POD_UID_ANNOTATION } from './adopt.ts';
import { KUBELET_BACKOFF } from './backoff.ts';
import type { PodContext } from './context.ts';
import { eventRecorder } from './events.ts';
import { unmountAll } from './host/mounts.ts';
import { readSandboxFile } from './host/sandbox.ts';
import { openImageService } from './images.ts';
import { viewObjects } from './objects.ts';
import { findContainer } from './find.ts';
import { listRecordedUids, podPaths, readPodRecord } from './record.ts';
import type { PodManager, PodManagerOptions } from './index.ts';
import type { KubeContainer, Pod } from './types.ts';
import { PodWorker } from './worker.ts';

const RESYNC_MS = 30_000;
const MAX_NOFILE = 1_048_576;

/** The agent's own hard RLIMIT_NOFILE (containerd's containers inherit containerd's, usually 1048576). */
function inheritedNofile(): number {
  const hard = resourceLimits().nofile?.hard ?? 1024;
  return Number.isFinite(hard) ? Math.min(hard, MAX_NOFILE) : MAX_NOFILE;
}
const CONTAINER_ID = /^[0-9a-f]{64}$/;

function desiredPods(options: PodManagerOptions): Pod[] {
  return options.cache.list('pods/').map((e) => e.object as unknown as Pod)
    .filter((p) => p?.metadata?.uid && p.metadata.name && p.metadata.namespace && p.spec?.nodeName === options.node && Array.isArray(p.spec.containers));
}

/**
 * This node's pod containers in the runtime root, by pod uid. Agents may share a runtime
 * root (tests, a server's own agent beside another): each takes only what it started.
 */
function runtimeContainers(root: string, node: string): Map<string, Container[]> {
  const byPod = new Map<string, Container[]>();
  for (const c of listContainers(root)) {
    const uid = c.record.annotations?.[POD_UID_ANNOTATION];
    if (uid && c.record.annotations[NODE_ANNOTATION] === node) byPod.set(uid, [...(byPod.get(uid) ?? []), c]);
  }
  return byPod;
}

/** A stand-in spec for a pod that left the view: enough to name it and stop what it left. */
function leftoverPod(uid: string, ctx: PodContext, containers: Container[]): Pod | undefined {
  let record;
  try {
    record = readPodRecord(podPaths(ctx, { namespace: '-', name: '-', uid }));
  } catch {
    return undefined;
  }
  const a = containers[0]?.record.annotations ?? {};
  const namespace = record?.namespace ?? a['io.kubernetes.pod.namespace'];
  const name = record?.name ?? a['io.kubernetes.pod.name'];
  if (!namespace || !name) return undefined;
  const names = (kind: 'init' | 'app'): KubeContainer[] => {
    const known = new Set([...Object.keys(record?.[kind] ?? {}), ...containers.map(annotationsOf).filter((c) => c.kind === kind).map((c) => c.name)]);
    return [...known].map((n) => ({ name: n }));
  };
  return { metadata: { name, namespace, uid }, spec: { containers: names('app'), initContainers: names('init') } };
}

function makeContext(options: PodManagerOptions): PodContext {
  const store = openImageStore(options.dataDir);
  const backoff = options.backoff ?? KUBELET_BACKOFF;
  return {
    node: options.node, nodeIp: options.nodeIp, dataDir: options.dataDir,
    runtimeRoot: options.runtimeRoot ?? '/run/skerry/runtime', podsRoot: options.podsRoot ?? '/run/skerry/pods',
    store, images: openImageService(store, backoff, { ...(options.registry && { ca: options.registry.ca }) }), objects: viewObjects(options.cache),
    record: eventRecorder(options.node, options.outbox, options.flush),
    report: (pod, status) => {
      options.outbox.put({ kind: 'podStatus', key: `pod/${pod.namespace}/${pod.name}`, namespace: pod.namespace, name: pod.name, uid: pod.uid, status });
      options.flush();
    },
    backoff, pidsLimit: options.pidsLimit ?? 4096, nofile: inheritedNofile(), allowPrivileged: options.allowPrivileged ?? false,
    ...(options.prober && { prober: options.prober }), ...(options.network && { network: options.network }), ...(options.volumes && { volumes: options.volumes }), ...(options.registry && { registry: options.registry }), log: componentLogger('pods'),
  };
}

type Make = (pod: Pod, desired: boolean, adoptable: Container[]) => void;

/**
 * Workers for the desired pods, handed the containers they have in the runtime, and for
 * whatever else the node still holds of pods that left the view while the agent was down.
 */
function startWorkers(ctx: PodContext, options: PodManagerOptions, make: Make): void {
  const containers = runtimeContainers(ctx.runtimeRoot, ctx.node);
  const runtimeIds = new Set([...containers.values()].flat().map((c) => c.record.id));
  collectRootfs(ctx, runtimeIds);
  const desired = new Map(desiredPods(options).map((p) => [p.metadata.uid, p]));
  const leftover = new Set([...containers.keys(), ...listRecordedUids(ctx.dataDir), ...ownRunDirs(ctx.podsRoot, ctx.node)]);
  for (const [uid, pod] of desired) make(pod, true, containers.get(uid) ?? []);
  let stopping = 0;
  for (const uid of leftover) {
    if (desired.has(uid)) continue;
    const pod = leftoverPod(uid, ctx, containers.get(uid) ?? []);
    if (pod) make(pod, false, containers.get(uid) ?? []), stopping++;
    else removeRunDir(ctx.podsRoot, uid);
  }
  ctx.log.info({ pods: desired.size, leftover: stopping, adopted: runtimeIds.size }, 'pod manager started');
}

export function startPodManager(options: PodManagerOptions): PodManager {
  const ctx = makeContext(options);
  const workers = new Map<string, PodWorker>();
  let stopped = false;
  const drop = (w: PodWorker) => workers.get(w.uid) === w && workers.delete(w.uid);
  const make: Make = (pod, desired, adoptable) => {
    const w = new PodWorker(ctx, pod, desired, adoptable, drop);
    workers.set(w.uid, w);
    w.kick();
  };
  function resync(): void {
    if (stopped) return;
    const desired = desiredPods(options);
    const uids = new Set(desired.map((p) => p.metadata.uid));
    for (const pod of desired) {
      const w = workers.get(pod.metadata.uid);
      if (w) w.update(pod);
      else make(pod, true, []);
    }
    for (const w of workers.values()) if (!uids.has(w.uid) && w.pod) w.update(undefined);
  }
  startWorkers(ctx, options, make);
  // A safety net: view changes, exits and timers drive the workers; this catches anything missed.
  const timer = setInterval(resync, RESYNC_MS);
  timer.unref();
  return {
    resync,
    async stop() {
      stopped = true;
      clearInterval(timer);
      ctx.images.stop();
      await Promise.all([...workers.values()].map((w) => w.stop()));
      ctx.log.info('pod manager stopped; containers keep running');
    },
    findContainer: (namespace, pod, container, previous) => findContainer(workers.values(), namespace, pod, container, previous),
  };
}

/** Rootfs mounts of containers the runtime no longer has (a crash between exit and cleanup, a reboot). */
function collectRootfs(ctx: PodContext, runtimeIds: Set<string>): void {
  for (const id of ctx.store.usage().keys()) {
    if (!CONTAINER_ID.test(id) || runtimeIds.has(id)) continue;
    void ctx.store.releaseRootfs(id).catch((error: unknown) => ctx.log.warn({ id, err: error }, 'could not release a leftover rootfs'));
  }
}

/** A pods-root dir nothing else tells of (a crash right after its sandbox was made): unpin and remove it. */
function removeRunDir(podsRoot: string, uid: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(uid)) return;
  const dir = path.join(podsRoot, uid);
  unmountAll(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Pod dirs in the pods root whose sandbox this node made. */
function ownRunDirs(podsRoot: string, node: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(podsRoot);
  } catch {
    return [];
  }
  return names.filter((uid) => readSandboxFile(path.join(podsRoot, uid))?.node === node);
}
