import { validateAccessModes, validatePvcSpec, VOLUME_MODES } from './claims.ts';
import { describeDiff } from './diff.ts';
import { forbidden, IMMUTABLE, invalid, notSupported, required, requireField, tooLong, type Causes } from './errors.ts';
import { go, goStringMap } from './gofmt.ts';
import { asObj, cloneJson, eachObject, fields, isObj, jsonEqual, jsonStrictEqual, type Fields, type Obj } from './json.ts';
import { validateLabelName } from './labels.ts';
import { validateObjectMeta } from './metadata.ts';
import { dns1123SubdomainErrors, qualifiedNameErrors } from './names.ts';
import { compareQuantity, quantityFromJson, quantityString } from './quantity.ts';
import { readResourceList } from './resources.ts';
import { validateNodeSelector } from './scheduling.ts';
import { presentSources, validateCsiDriver, validateHostPath, validateNfs } from './volumes.ts';
import { spec } from './workloads.ts';

/** PersistentVolumes, PersistentVolumeClaims and StorageClasses. */

const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
export const PV_SOURCES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'glusterfs', 'flocker', 'nfs', 'rbd', 'quobyte', 'cephfs', 'iscsi',
  'cinder', 'fc', 'flexVolume', 'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'scaleIO',
  'local', 'storageos', 'csi',
];

function validatePvSource(errs: Causes, s: Fields, hasNodeAffinity: boolean): void {
  const present = presentSources(s, PV_SOURCES);
  present.forEach((kind, i) => {
    // Flex volumes are counted but never reported as a second source, as in Kubernetes.
    if (i > 0 && kind !== 'flexVolume') return void errs.push(forbidden(s.path(kind === 'cephfs' ? 'cephFS' : kind), 'may not specify more than 1 volume type'));
    const src = s.fields(kind);
    if (kind === 'hostPath') validateHostPath(errs, src);
    if (kind === 'nfs') validateNfs(errs, src);
    if (kind === 'csi') {
      validateCsiDriver(errs, src.str('driver') ?? '', src.path('driver'));
      if (!(src.str('volumeHandle') ?? '')) requireField(errs, src.path('volumeHandle'));
    }
    if (kind === 'local') {
      const path = src.str('path') ?? '';
      if (!path) requireField(errs, src.path('path'));
      if (!hasNodeAffinity) errs.push(required(s.path('nodeAffinity'), 'Local volume requires node affinity'));
    }
  });
  if (present.length === 0) errs.push(required(s.at, 'must specify a volume type'));
}

export function validatePersistentVolume(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: false, name: 'subdomain' });
  const s = spec(errs, o);
  validateAccessModes(errs, s, '');
  const capPath = s.path('capacity');
  const capacity = readResourceList(errs, s.raw('capacity'), capPath);
  const rawCapacity = asObj([], s.raw('capacity'), '') ?? {};
  if (Object.keys(rawCapacity).length === 0) requireField(errs, capPath);
  if (!('storage' in rawCapacity) || Object.keys(rawCapacity).length > 1) {
    errs.push(notSupported(capPath, go(goStringMap(rawCapacity, 'core.ResourceList')), ['storage']));
  }
  for (const [name, q] of capacity) {
    if (q.nanos <= 0n) errs.push(invalid(`${capPath}[${name}]`, quantityString(q), 'must be greater than zero'));
  }
  const reclaim = s.str('persistentVolumeReclaimPolicy') ?? '';
  if (reclaim && !RECLAIM_POLICIES.includes(reclaim)) errs.push(notSupported(s.path('persistentVolumeReclaimPolicy'), reclaim, RECLAIM_POLICIES));
  const affinity = s.fields('nodeAffinity');
  if (affinity.obj) {
    const requiredSel = affinity.fields('required');
    if (requiredSel.obj) validateNodeSelector(errs, requiredSel);
    else errs.push(required(affinity.path('required'), 'must specify required node constraints'));
  }
  validatePvSource(errs, s, !!affinity.obj);
  const hostPath = s.fields('hostPath').str('path');
  if (hostPath !== undefined && hostPath.replace(/\/+$/, '') === '' && hostPath.startsWith('/') && reclaim === 'Recycle') {
    errs.push(forbidden(s.path('persistentVolumeReclaimPolicy'), "may not be 'recycle' for a hostPath mount of '/'"));
  }
  const className = s.str('storageClassName') ?? '';
  for (const msg of className ? dns1123SubdomainErrors(className) : []) errs.push(invalid(s.path('storageClassName'), className, msg));
  const volumeMode = s.str('volumeMode');
  if (volumeMode !== undefined && !VOLUME_MODES.includes(volumeMode)) errs.push(notSupported(s.path('volumeMode'), volumeMode, VOLUME_MODES));
}

function sourceOf(specObj: Obj): Obj {
  return Object.fromEntries(PV_SOURCES.filter((k) => specObj[k] !== undefined).map((k) => [k, specObj[k]]));
}

export function validatePersistentVolumeUpdate(errs: Causes, o: Obj, old: Obj): void {
  const now = asObj([], o.spec, '') ?? {};
  const before = asObj([], old.spec, '') ?? {};
  const source = sourceOf(now);
  const oldSource = sourceOf(before);
  // The controller may add a secret reference for expansion later.
  if (isObj(source.csi) && isObj(oldSource.csi) && !oldSource.csi.controllerExpandSecretRef) {
    source.csi = { ...source.csi, controllerExpandSecretRef: undefined };
  }
  if (!jsonEqual(source, oldSource)) {
    errs.push(forbidden('spec.persistentvolumesource', `spec.persistentvolumesource is immutable after creation\n${describeDiff(oldSource, source, 'spec')}`));
  }
  // Kubernetes reports these two without the `spec.` prefix.
  if (!jsonEqual(now.volumeMode, before.volumeMode)) errs.push(invalid('volumeMode', typeof now.volumeMode === 'string' ? now.volumeMode : null, IMMUTABLE));
  if (before.nodeAffinity !== undefined && !jsonEqual(now.nodeAffinity, before.nodeAffinity)) {
    errs.push(invalid('nodeAffinity', go('&core.VolumeNodeAffinity{...}'), `${IMMUTABLE}, except for updating from beta label to GA`));
  }
}

export function validatePersistentVolumeClaim(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'subdomain' });
  validatePvcSpec(errs, spec(errs, o));
}

function storageRequest(specObj: Obj): unknown {
  const resources = isObj(specObj.resources) ? specObj.resources : {};
  return isObj(resources.requests) ? resources.requests.storage : undefined;
}

/** Claims are immutable so quota cannot be gamed; bound claims may only grow their storage. */
export function validatePersistentVolumeClaimUpdate(errs: Causes, o: Obj, old: Obj): void {
  const now = cloneJson(asObj([], o.spec, '') ?? {});
  const before = cloneJson(asObj([], old.spec, '') ?? {});
  // The binder fills volumeName once.
  if (!before.volumeName) before.volumeName = now.volumeName;
  // Setting a class on a claim that had none is the one class change allowed.
  if (before.storageClassName === undefined && typeof now.storageClassName === 'string') before.storageClassName = now.storageClassName;
  const bound = isObj(o.status) && o.status.phase === 'Bound';
  const newSize = quantityFromJson(storageRequest(now));
  const oldSize = quantityFromJson(storageRequest(before));
  if (bound && isObj(now.resources) && isObj(now.resources.requests)) {
    now.resources = { ...now.resources, requests: { ...now.resources.requests, storage: storageRequest(before) } };
    now.volumeAttributesClassName = before.volumeAttributesClassName;
  }
  if (!jsonEqual(now, before)) {
    errs.push(
      forbidden('spec', `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${describeDiff(before, now, 'spec')}`),
    );
  }
  if (newSize && oldSize && compareQuantity(newSize, oldSize) < 0) {
    errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  const nowSpec = asObj([], o.spec, '') ?? {};
  if (!jsonEqual(nowSpec.volumeMode, before.volumeMode)) errs.push(invalid('volumeMode', typeof nowSpec.volumeMode === 'string' ? nowSpec.volumeMode : null, IMMUTABLE));
}

const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const CLASS_RECLAIM = ['Delete', 'Retain'];

export function validateStorageClass(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: false, name: 'subdomain' });
  const top = fields(errs, o, '');
  const provisioner = top.str('provisioner') ?? '';
  if (!provisioner) requireField(errs, 'provisioner');
  for (const msg of provisioner ? qualifiedNameErrors(provisioner.toLowerCase()) : []) errs.push(invalid('provisioner', provisioner, msg));
  const params = top.stringMap('parameters') ?? {};
  const keys = Object.keys(params);
  if (keys.length > 512) errs.push(tooLong('parameters', 512));
  let size = 0;
  for (const k of keys) {
    if (!k) errs.push(invalid('parameters', k, 'field can not be empty.'));
    size += Buffer.byteLength(k) + Buffer.byteLength(params[k] ?? '');
  }
  if (size > 256 * 1024) errs.push(tooLong('parameters', 256 * 1024));
  const reclaim = top.str('reclaimPolicy') ?? '';
  if (reclaim && !CLASS_RECLAIM.includes(reclaim)) errs.push(notSupported('reclaimPolicy', reclaim, CLASS_RECLAIM));
  const mode = top.str('volumeBindingMode');
  if (mode === undefined) requireField(errs, 'volumeBindingMode');
  else if (!BINDING_MODES.includes(mode)) errs.push(notSupported('volumeBindingMode', mode, BINDING_MODES));
  top.bool('allowVolumeExpansion');
  top.strings('mountOptions');
  eachObject(errs, top.array('allowedTopologies'), 'allowedTopologies', (term) => {
    eachObject(errs, term.array('matchLabelExpressions'), term.path('matchLabelExpressions'), (expr) => {
      validateLabelName(errs, expr.str('key') ?? '', expr.path('key'));
      if (!(expr.strings('values') ?? []).length) requireField(errs, expr.path('values'));
    });
  });
}

export function validateStorageClassUpdate(errs: Causes, o: Obj, old: Obj): void {
  if (!jsonStrictEqual(o.parameters ?? {}, old.parameters ?? {})) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (o.provisioner !== old.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (!jsonEqual(o.reclaimPolicy, old.reclaimPolicy)) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (!jsonEqual(o.volumeBindingMode, old.volumeBindingMode)) {
    errs.push(invalid('volumeBindingMode', typeof o.volumeBindingMode === 'string' ? o.volumeBindingMode : null, IMMUTABLE));
  }
}
