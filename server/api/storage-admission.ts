/**
 * kube-apiserver's storage admission plugins, which need other objects than the one written:
 * DefaultStorageClass and StorageObjectInUseProtection (mutating, on create) and
 * PersistentVolumeClaimResize (validating, on update).
 */
import { RESOURCE_TYPES } from './catalog/index.ts';
import { apiErrors } from './errors.ts';
import type { AdmissionRequest, KubeObject } from './objects/index.ts';
import { classFields, defaultClassOf, PV_PROTECTION, PVC_PROTECTION } from './storage-classes.ts';
import { quantityFromJson } from './validation/index.ts';

const StorageClass = RESOURCE_TYPES.find((t) => t.group === 'storage.k8s.io' && t.resource === 'storageclasses')!;
/** The pre-1.6 way to name a class; a claim that uses it has chosen, so no default is given. */
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
export const RESIZE_FORBIDDEN = 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize';

interface ClaimShape {
  spec?: { storageClassName?: string | null; resources?: { requests?: { storage?: unknown } } };
  status?: { phase?: string };
}

const claimOf = (object: KubeObject) => object as KubeObject & ClaimShape;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function withFinalizer(object: KubeObject, finalizer: string): KubeObject {
  const finalizers = object.metadata.finalizers ?? [];
  if (finalizers.includes(finalizer)) return object;
  return { ...object, metadata: { ...object.metadata, finalizers: [...finalizers, finalizer] } };
}

/** DefaultStorageClass: a claim with no storageClassName at all gets the default; "" means "no class" and stays. */
async function withDefaultClass(claim: KubeObject, request: AdmissionRequest): Promise<KubeObject> {
  const spec = claimOf(claim).spec;
  if (!isObject(spec) || (spec.storageClassName !== undefined && spec.storageClassName !== null)) return claim;
  if (claim.metadata.annotations?.[BETA_CLASS_ANNOTATION] !== undefined) return claim;
  const chosen = defaultClassOf(await request.read.list(StorageClass));
  if (!chosen) return claim;
  return { ...claim, spec: { ...spec, storageClassName: chosen.metadata.name } };
}

export async function mutateStorage(request: AdmissionRequest): Promise<KubeObject> {
  if (request.operation !== 'CREATE') return request.object;
  if (request.type.kind === 'PersistentVolumeClaim') return withFinalizer(await withDefaultClass(request.object, request), PVC_PROTECTION);
  if (request.type.kind === 'PersistentVolume') return withFinalizer(request.object, PV_PROTECTION);
  return request.object;
}

const storageRequest = (claim: KubeObject) => quantityFromJson(claimOf(claim).spec?.resources?.requests?.storage);

/** Whether the claim's class (the same before and after) allows expansion. */
async function expandable(claim: KubeObject, old: KubeObject, request: AdmissionRequest): Promise<boolean> {
  const className = claimOf(claim).spec?.storageClassName;
  if (!className || className !== claimOf(old).spec?.storageClassName) return false;
  const storageClass = await request.read.get(StorageClass, undefined, className);
  return storageClass !== undefined && classFields(storageClass).allowVolumeExpansion === true;
}

/** PersistentVolumeClaimResize: a bound claim grows only when its class allows expansion (shrinking is refused by validation). */
export async function admitStorage(request: AdmissionRequest): Promise<void> {
  const { object, old } = request;
  if (request.operation !== 'UPDATE' || request.type.kind !== 'PersistentVolumeClaim' || !old) return;
  if (claimOf(old).status?.phase !== 'Bound') return;
  const wanted = storageRequest(object);
  const had = storageRequest(old);
  if (!wanted || !had || wanted.nanos <= had.nanos) return;
  if (!(await expandable(object, old, request))) throw apiErrors.forbidden(request.type, object.metadata.name ?? '', RESIZE_FORBIDDEN);
}
