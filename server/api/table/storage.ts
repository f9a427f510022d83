// PersistentVolume, PersistentVolumeClaim and StorageClass.
import type { KubeObject } from '../objects/types.ts';
import { ageColumn, column, nameColumn, wide } from './columns.ts';
import { storageDocs as docs } from './descriptions.ts';
import { since } from './duration.ts';
import { arr, at, bool, isDeleting, obj, optStr, str, strMap } from './fields.ts';
import type { Printer } from './printer.ts';

// Still honoured ahead of spec.storageClassName, as the printers' helpers do.
const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';

export const persistentVolumePrinter: Printer = {
  columns: [
    nameColumn,
    column('Capacity', 'string', docs.pvCapacity),
    column('Access Modes', 'string', docs.pvAccessModes),
    column('Reclaim Policy', 'string', docs.pvReclaimPolicy),
    column('Status', 'string', docs.pvPhase),
    column('Claim', 'string', docs.pvClaimRef),
    column('StorageClass', 'string', docs.pvStorageClass),
    column('VolumeAttributesClass', 'string', docs.pvVolumeAttributesClass),
    column('Reason', 'string', docs.pvReason),
    ageColumn,
    wide('VolumeMode', 'string', docs.pvVolumeMode),
  ],
  cells(pv, { now }) {
    const spec = obj(pv.spec);
    const claim = spec.claimRef === undefined || spec.claimRef === null ? '' : `${str(at(spec, 'claimRef', 'namespace'))}/${str(at(spec, 'claimRef', 'name'))}`;
    return [
      str(pv.metadata.name),
      quantity(at(spec, 'capacity', 'storage')),
      accessModes(spec.accessModes),
      str(spec.persistentVolumeReclaimPolicy),
      isDeleting(pv.metadata) ? 'Terminating' : str(obj(pv.status).phase),
      claim,
      storageClassOf(pv) ?? '',
      optStr(spec.volumeAttributesClassName) ?? '<unset>',
      str(obj(pv.status).reason),
      since(pv.metadata.creationTimestamp, now),
      optStr(spec.volumeMode) ?? '<unset>',
    ];
  },
};

export const persistentVolumeClaimPrinter: Printer = {
  columns: [
    nameColumn,
    column('Status', 'string', docs.pvcPhase),
    column('Volume', 'string', docs.pvcVolumeName),
    column('Capacity', 'string', docs.pvcCapacity),
    column('Access Modes', 'string', docs.pvcAccessModes),
    column('StorageClass', 'string', docs.pvcStorageClass),
    column('VolumeAttributesClass', 'string', docs.pvcVolumeAttributesClass),
    ageColumn,
    wide('VolumeMode', 'string', docs.pvcVolumeMode),
  ],
  cells(pvc, { now }) {
    const spec = obj(pvc.spec);
    const status = obj(pvc.status);
    // Capacity and modes are the bound volume's, so they stay blank until the claim is bound.
    const bound = str(spec.volumeName) !== '';
    return [
      str(pvc.metadata.name),
      isDeleting(pvc.metadata) ? 'Terminating' : str(status.phase),
      str(spec.volumeName),
      bound ? quantity(at(status, 'capacity', 'storage')) : '',
      bound ? accessModes(status.accessModes) : '',
      storageClassOf(pvc) ?? '',
      optStr(spec.volumeAttributesClassName) ?? '<unset>',
      since(pvc.metadata.creationTimestamp, now),
      optStr(spec.volumeMode) ?? '<unset>',
    ];
  },
};

export const storageClassPrinter: Printer = {
  columns: [
    nameColumn,
    column('Provisioner', 'string', docs.provisioner),
    column('ReclaimPolicy', 'string', docs.reclaimPolicy),
    column('VolumeBindingMode', 'string', docs.volumeBindingMode),
    column('AllowVolumeExpansion', 'string', docs.allowVolumeExpansion),
    ageColumn,
  ],
  cells(storageClass, { now }) {
    const annotations = strMap(storageClass.metadata.annotations);
    const isDefault = annotations[DEFAULT_CLASS] === 'true' || annotations[BETA_DEFAULT_CLASS] === 'true';
    return [
      isDefault ? `${str(storageClass.metadata.name)} (default)` : str(storageClass.metadata.name),
      str(storageClass.provisioner),
      optStr(storageClass.reclaimPolicy) ?? 'Delete',
      optStr(storageClass.volumeBindingMode) ?? 'Immediate',
      bool(storageClass.allowVolumeExpansion),
      since(storageClass.metadata.creationTimestamp, now),
    ];
  },
};

/** The beta annotation first, then spec.storageClassName. */
function storageClassOf(object: KubeObject): string | undefined {
  const annotation = strMap(object.metadata.annotations)[BETA_STORAGE_CLASS];
  return annotation ?? optStr(obj(object.spec).storageClassName);
}

const ACCESS_MODES: ReadonlyArray<[mode: string, short: string]> = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** "RWO,RWX": in this fixed order whatever the spec's order, duplicates once. */
function accessModes(value: unknown): string {
  const modes = new Set(arr(value).map(str));
  return ACCESS_MODES.filter(([mode]) => modes.has(mode))
    .map(([, short]) => short)
    .join(',');
}

/**
 * A resource.Quantity's String(). Stored quantities arrive canonical from the API's write path;
 * an absent one is Go's zero Quantity, "0".
 */
function quantity(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return str(value) || '0';
}
