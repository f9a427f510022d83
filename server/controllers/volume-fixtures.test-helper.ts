// What the volume controller's tests share: a store with the local-path class, claims and pods
// that use them, a recorder that keeps events, and a reconciler run over everything once.
import { ensureLocalPathClass, SELECTED_NODE, type KubeObject, type ObjectStore } from '../api/index.ts';
import type { EventRecorder } from '../events/index.ts';
import { catalog, clock, createNode, Pod, store } from './controller-fixtures.test-helper.ts';
import { volumeTypes } from './local-volumes.ts';
import { volumeReconciler, type VolumeReconciler } from './volume.ts';

export const { Claim, Volume, StorageClass, Node } = volumeTypes(catalog);

export interface Recorded {
  kind: string;
  name: string;
  type: string;
  reason: string;
  message: string;
}

export function recorder(): EventRecorder & { seen: Recorded[]; reasons(name?: string): string[] } {
  const seen: Recorded[] = [];
  return {
    seen,
    event: (object, type, reason, message) => {
      const ref = 'metadata' in object ? { kind: object.kind, name: object.metadata.name ?? '' } : { kind: object.kind, name: object.name };
      seen.push({ ...ref, type, reason, message });
    },
    reasons: (name) => seen.filter((e) => name === undefined || e.name === name).map((e) => e.reason),
  };
}

export interface VolumeWorld {
  objects: ObjectStore;
  events: ReturnType<typeof recorder>;
  reconciler: VolumeReconciler;
  /** Reconciles every claim and PV once, as the queues would after their events. */
  pass(): Promise<void>;
}

export async function volumeWorld(t: { teardown(fn: () => void | Promise<void>): void }, nodes: string[] = ['node-a', 'node-b']): Promise<VolumeWorld> {
  const objects = await store(t);
  await ensureLocalPathClass(objects, StorageClass);
  for (const node of nodes) await createNode(objects, node);
  const events = recorder();
  const reconciler = volumeReconciler(objects, catalog, clock().now, events);
  async function pass(): Promise<void> {
    for (const claim of (await objects.list(Claim, undefined)).items) await reconciler.claim(claim.metadata.namespace!, claim.metadata.name!);
    for (const pv of (await objects.list(Volume, undefined)).items) await reconciler.volume(pv.metadata.name!);
  }
  return { objects, events, reconciler, pass };
}

export function claimManifest(name: string, extra: { storageClassName?: string | null; storage?: string; accessModes?: string[]; node?: string } = {}): KubeObject {
  const spec: Record<string, unknown> = { accessModes: extra.accessModes ?? ['ReadWriteOnce'], resources: { requests: { storage: extra.storage ?? '1Gi' } } };
  if (extra.storageClassName !== null) spec.storageClassName = extra.storageClassName ?? 'local-path';
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, ...(extra.node ? { annotations: { [SELECTED_NODE]: extra.node } } : {}) }, spec };
}

export const createClaim = (objects: ObjectStore, name: string, extra: Parameters<typeof claimManifest>[1] = {}) => objects.create(Claim, 'default', claimManifest(name, extra));

export function podManifest(name: string, claim: string, nodeName?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] },
  };
}

export const createPod = (objects: ObjectStore, name: string, claim: string, nodeName?: string) => objects.create(Pod, 'default', podManifest(name, claim, nodeName));
export const getClaim = (objects: ObjectStore, name: string) => objects.get(Claim, 'default', name);
