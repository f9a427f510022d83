import { forbidden, invalid, key, notSupported, requireField, type Causes } from './errors.ts';
import { fields, type Fields } from './json.ts';
import { readLabelSelector } from './labels.ts';
import { dns1123LabelErrors, dns1123SubdomainErrors } from './names.ts';
import { quantityString } from './quantity.ts';
import { readResourceList } from './resources.ts';

/** PersistentVolumeClaimSpec, shared by claims, StatefulSet claim templates and ephemeral volumes. */

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];

export function validateAccessModes(errs: Causes, s: Fields, requiredDetail: string): void {
  const modes = s.strings('accessModes');
  if (!modes || modes.length === 0) requireField(errs, s.path('accessModes'), requiredDetail);
  let once = false;
  let others = false;
  for (const mode of modes ?? []) {
    if (!ACCESS_MODES.includes(mode)) errs.push(notSupported(s.path('accessModes'), mode, ACCESS_MODES));
    else if (mode === 'ReadWriteOncePod') once = true;
    else others = true;
  }
  if (once && others) errs.push(forbidden(s.path('accessModes'), 'may not use ReadWriteOncePod with other access modes'));
}

function validateDataSource(errs: Causes, ds: Fields, withNamespace: boolean): void {
  if (!ds.obj) return;
  if (!(ds.str('name') ?? '')) requireField(errs, ds.path('name'));
  const kind = ds.str('kind') ?? '';
  if (!kind) requireField(errs, ds.path('kind'));
  const apiGroup = ds.str('apiGroup') ?? '';
  if (!apiGroup && kind !== 'PersistentVolumeClaim') {
    errs.push(invalid(ds.at, kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  }
  for (const msg of apiGroup ? dns1123SubdomainErrors(apiGroup) : []) errs.push(invalid(ds.path('apiGroup'), apiGroup, msg));
  const namespace = withNamespace ? ds.str('namespace') : undefined;
  for (const msg of namespace ? dns1123LabelErrors(namespace) : []) errs.push(invalid(ds.path('namespace'), namespace ?? '', msg));
}

export function validatePvcSpec(errs: Causes, s: Fields): void {
  validateAccessModes(errs, s, 'at least 1 access mode is required');
  if (s.has('selector')) readLabelSelector(errs, s.raw('selector'), s.path('selector'));
  const resources = s.fields('resources');
  const storagePath = key(s.path('resources'), 'storage');
  const requests = readResourceList(errs, resources.raw('requests'), resources.path('requests'));
  const storage = requests.get('storage');
  // An unparsable storage request was already reported where it is; do not also call it missing.
  const unreadable = errs.some((e) => e.field === key(resources.path('requests'), 'storage'));
  if (!storage) {
    if (!unreadable) requireField(errs, storagePath);
  } else if (storage.nanos <= 0n) errs.push(invalid(storagePath, quantityString(storage), 'must be greater than zero'));
  const className = s.str('storageClassName');
  for (const msg of className ? dns1123SubdomainErrors(className) : []) errs.push(invalid(s.path('storageClassName'), className ?? '', msg));
  const volumeMode = s.str('volumeMode');
  if (volumeMode !== undefined && !VOLUME_MODES.includes(volumeMode)) errs.push(notSupported(s.path('volumeMode'), volumeMode, VOLUME_MODES));
  validateDataSource(errs, s.fields('dataSource'), false);
  validateDataSource(errs, s.fields('dataSourceRef'), true);
}

/** A claim template embedded in another object: only labels and annotations may be set in its metadata. */
export function validateClaimTemplate(errs: Causes, template: Fields): void {
  const spec = template.fields('spec');
  validatePvcSpec(errs, fields(errs, spec.obj ?? {}, spec.at));
}
