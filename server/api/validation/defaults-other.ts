import { blank, ensureObj, objAt, objectsAt, setDefault } from './defaults-util.ts';
import type { Obj } from './json.ts';
import { RBAC_GROUP } from './rbac.ts';

/** Defaults for networking, storage and RBAC kinds. */

export function defaultNetworkPolicy(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  if (!spec) return;
  const egress = Array.isArray(spec.egress) && spec.egress.length > 0;
  // A policy that names no types still isolates ingress, and egress too when it has egress rules.
  setDefault(spec, 'policyTypes', egress ? ['Ingress', 'Egress'] : ['Ingress'], (v) => v === undefined || v === null || (Array.isArray(v) && v.length === 0));
  for (const direction of ['ingress', 'egress']) {
    for (const rule of objectsAt(spec, direction)) for (const port of objectsAt(rule, 'ports')) setDefault(port, 'protocol', 'TCP', blank);
  }
}

export function defaultStorageClass(o: Obj): void {
  setDefault(o, 'reclaimPolicy', 'Delete', blank);
  setDefault(o, 'volumeBindingMode', 'Immediate', blank);
}

export function defaultBinding(o: Obj): void {
  const ref = objAt(o, 'roleRef');
  if (ref) setDefault(ref, 'apiGroup', RBAC_GROUP, blank);
  for (const subject of objectsAt(o, 'subjects')) {
    if (subject.kind === 'User' || subject.kind === 'Group') setDefault(subject, 'apiGroup', RBAC_GROUP, blank);
  }
}
