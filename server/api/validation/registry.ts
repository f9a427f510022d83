import { defaultDeployment, defaultDaemonSet, defaultJob, defaultReplicaSet, defaultStatefulSet } from './defaults-workloads.ts';
import {
  defaultEndpoints,
  defaultNamespace,
  defaultNode,
  defaultPersistentVolume,
  defaultPersistentVolumeClaim,
  defaultSecret,
  defaultService,
} from './defaults-core.ts';
import { defaultBinding, defaultNetworkPolicy, defaultStorageClass } from './defaults-other.ts';
import { defaultPod } from './defaults-pod.ts';
import { validateNamespace, validateNode, validateNodeUpdate } from './cluster.ts';
import { validateConfigMap, validateConfigMapUpdate, validateSecret, validateSecretUpdate, validateServiceAccount } from './config.ts';
import type { Causes } from './errors.ts';
import { validateEvent, validateEventUpdate } from './events.ts';
import { validateJob, validateJobUpdate } from './jobs.ts';
import type { Obj } from './json.ts';
import { validateLease } from './lease.ts';
import { validateNetworkPolicy } from './network-policy.ts';
import { validatePod, validatePodUpdate } from './pod.ts';
import { validateBindingUpdate, validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding } from './rbac.ts';
import { validateEndpoints, validateService, validateServiceUpdate } from './service.ts';
import { validateStatefulSet, validateStatefulSetUpdate } from './statefulset.ts';
import {
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeUpdate,
  validateStorageClass,
  validateStorageClassUpdate,
} from './storage.ts';
import {
  validateControllerRevision,
  validateControllerRevisionUpdate,
  validateDaemonSet,
  validateDeployment,
  validateReplicaSet,
  validateSelectorUnchanged,
} from './workloads.ts';

/** What each served kind gets: defaults, create validation, and the extra rules of an update. */
export interface KindRules {
  defaults?: (o: Obj) => void;
  validate: (errs: Causes, o: Obj) => void;
  /** Rules only an update has; the new object is also validated as on create. */
  validateUpdate?: (errs: Causes, o: Obj, old: Obj) => void;
}

export const KINDS: Readonly<Record<string, KindRules>> = {
  Namespace: { defaults: defaultNamespace, validate: validateNamespace },
  Node: { defaults: defaultNode, validate: validateNode, validateUpdate: validateNodeUpdate },
  Pod: { defaults: defaultPod, validate: validatePod, validateUpdate: validatePodUpdate },
  Service: { defaults: defaultService, validate: validateService, validateUpdate: validateServiceUpdate },
  Endpoints: { defaults: defaultEndpoints, validate: validateEndpoints },
  ConfigMap: { validate: validateConfigMap, validateUpdate: validateConfigMapUpdate },
  Secret: { defaults: defaultSecret, validate: validateSecret, validateUpdate: validateSecretUpdate },
  ServiceAccount: { validate: validateServiceAccount },
  PersistentVolume: { defaults: defaultPersistentVolume, validate: validatePersistentVolume, validateUpdate: validatePersistentVolumeUpdate },
  PersistentVolumeClaim: {
    defaults: defaultPersistentVolumeClaim,
    validate: validatePersistentVolumeClaim,
    validateUpdate: validatePersistentVolumeClaimUpdate,
  },
  Event: { validate: validateEvent, validateUpdate: validateEventUpdate },
  Deployment: { defaults: defaultDeployment, validate: validateDeployment, validateUpdate: validateSelectorUnchanged },
  ReplicaSet: { defaults: defaultReplicaSet, validate: validateReplicaSet, validateUpdate: validateSelectorUnchanged },
  DaemonSet: { defaults: defaultDaemonSet, validate: validateDaemonSet, validateUpdate: validateSelectorUnchanged },
  StatefulSet: { defaults: defaultStatefulSet, validate: validateStatefulSet, validateUpdate: validateStatefulSetUpdate },
  ControllerRevision: { validate: validateControllerRevision, validateUpdate: validateControllerRevisionUpdate },
  Job: { defaults: defaultJob, validate: validateJob, validateUpdate: validateJobUpdate },
  NetworkPolicy: { defaults: defaultNetworkPolicy, validate: validateNetworkPolicy },
  StorageClass: { defaults: defaultStorageClass, validate: validateStorageClass, validateUpdate: validateStorageClassUpdate },
  Lease: { validate: validateLease },
  Role: { validate: validateRole },
  RoleBinding: { defaults: defaultBinding, validate: validateRoleBinding, validateUpdate: validateBindingUpdate },
  ClusterRole: { validate: validateClusterRole },
  ClusterRoleBinding: { defaults: defaultBinding, validate: validateClusterRoleBinding, validateUpdate: validateBindingUpdate },
};
