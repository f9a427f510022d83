import type { Admission } from './objects/index.ts';
import { admitStorage, mutateStorage } from './storage-admission.ts';
import { applyDefaults, carryOverServiceAllocations, validateCreate, validateUpdate } from './validation/index.ts';

/** Kubernetes' defaulting, validation and admission plugins for every write, keyed by kind. */
export const kubernetesAdmission: Admission = {
  defaults: (type, object) => applyDefaults(type.kind, object),
  carryOver: (type, object, old) => {
    if (type.kind !== 'Service') return object;
    const next = structuredClone(object);
    carryOverServiceAllocations(next, old);
    return next;
  },
  validateCreate: (type, object) => validateCreate(type.kind, object, { defaulted: true }),
  validateUpdate: (type, object, old) => validateUpdate(type.kind, object, old, { defaulted: true }),
  mutate: mutateStorage,
  admit: admitStorage,
};
