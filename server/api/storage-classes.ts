/**
 * The names skerry's local persistent volumes are built from (shared by admission, scheduler,
 * controllers and sync), the default-class lookup, and the `local-path` StorageClass every
 * cluster starts with, as K3s ships local-path-provisioner's (ADR 012).
 */
import type { ResourceType } from './catalog/index.ts';
import { ApiError } from './errors.ts';
import type { KubeObject, ObjectStore } from './objects/index.ts';

export const LOCAL_CLASS = 'local-path';
export const LOCAL_PROVISIONER = 'skerry.io/local-path';
/** The CSI driver name in a local PV's source; its volumeHandle is the PV name, mapped to a directory by the node. */
export const LOCAL_DRIVER = 'local.skerry.io';
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
/** Static provisioning: a class whose claims only bind pre-made PVs. */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';
export const PVC_PROTECTION = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION = 'kubernetes.io/pv-protection';
/** Held on a local PV until its node reports the data deleted (or the node is gone). */
export const LOCAL_VOLUME_FINALIZER = 'skerry.io/local-volume';
/** Written by the scheduler on a WaitForFirstConsumer claim: the node to provision on. */
export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';

export interface StorageClassFields {
  provisioner?: string;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
  allowVolumeExpansion?: boolean;
}

export const classFields = (storageClass: KubeObject) => storageClass as KubeObject & StorageClassFields;

export function isDefaultClass(storageClass: KubeObject): boolean {
  const annotations = storageClass.metadata.annotations ?? {};
  return annotations[DEFAULT_CLASS_ANNOTATION] === 'true' || annotations[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

/** As kube's DefaultStorageClass (1.26+): of several defaults the newest wins, then the first by name. */
export function defaultClassOf(classes: readonly KubeObject[]): KubeObject | undefined {
  const defaults = classes.filter(isDefaultClass);
  defaults.sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)) || String(a.metadata.name).localeCompare(String(b.metadata.name)));
  return defaults[0];
}

export function localPathClass(isDefault: boolean): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: LOCAL_CLASS, ...(isDefault ? { annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } } : {}) },
    provisioner: LOCAL_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
  };
}

/**
 * Creates `local-path` when it is absent, at each server start (as K3s re-applies its packaged
 * manifests). It is the default class only while no other is: a user who made another class the
 * default and deleted ours keeps their choice. Edits to an existing class are never undone.
 */
export async function ensureLocalPathClass(objects: ObjectStore, storageClassType: ResourceType): Promise<void> {
  const { items } = await objects.list(storageClassType, undefined);
  if (items.some((c) => c.metadata.name === LOCAL_CLASS)) return;
  try {
    await objects.create(storageClassType, undefined, localPathClass(!defaultClassOf(items)));
  } catch (error) {
    if (!(error instanceof ApiError && error.reason === 'AlreadyExists')) throw error;
  }
}
