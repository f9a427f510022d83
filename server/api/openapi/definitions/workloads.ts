// Controllers of pods: apps/v1 and batch/v1 (k8s.io/api/apps/v1, k8s.io/api/batch/v1), as of Kubernetes 1.33.
import {
  arrayOf,
  boolean,
  type Definitions,
  int32,
  int64,
  intOrString,
  labelSelector,
  looseObject,
  objectMeta,
  RAW_EXTENSION,
  ref,
  type Schema,
  string,
  struct,
  typeMeta,
} from '../schema.ts';
import { CORE, podTemplate } from './pod.ts';

export const APPS = 'io.k8s.api.apps.v1';
export const BATCH = 'io.k8s.api.batch.v1';

const apps = (name: string): Schema => ref(`${APPS}.${name}`);
const status = (): Schema => looseObject('Most recently observed status; written by the system.');

/** A workload object: apiVersion, kind, metadata, spec and a loosely typed status. */
const workload = (spec: string, description: string): Schema =>
  struct({ ...typeMeta(), metadata: objectMeta(), spec: ref(spec), status: status() }, [], description);

const rollingUpdate = (): Schema => struct({ maxSurge: intOrString(), maxUnavailable: intOrString() });

export const WORKLOAD_DEFINITIONS: Definitions = {
  [`${APPS}.Deployment`]: workload(`${APPS}.DeploymentSpec`, 'Declarative updates for pods and replica sets.'),
  [`${APPS}.DeploymentSpec`]: struct(
    {
      minReadySeconds: int32(),
      paused: boolean(),
      progressDeadlineSeconds: int32(),
      replicas: int32(),
      revisionHistoryLimit: int32(),
      selector: labelSelector(),
      strategy: apps('DeploymentStrategy'),
      template: podTemplate(),
    },
    ['selector', 'template'],
  ),
  [`${APPS}.DeploymentStrategy`]: struct({ rollingUpdate: rollingUpdate(), type: string() }),
  [`${APPS}.ReplicaSet`]: workload(`${APPS}.ReplicaSetSpec`, 'Keeps a number of pod replicas running.'),
  [`${APPS}.ReplicaSetSpec`]: struct(
    { minReadySeconds: int32(), replicas: int32(), selector: labelSelector(), template: podTemplate() },
    ['selector'],
  ),
  [`${APPS}.DaemonSet`]: workload(`${APPS}.DaemonSetSpec`, 'Runs a pod on every eligible node.'),
  [`${APPS}.DaemonSetSpec`]: struct(
    {
      minReadySeconds: int32(),
      revisionHistoryLimit: int32(),
      selector: labelSelector(),
      template: podTemplate(),
      updateStrategy: struct({ rollingUpdate: rollingUpdate(), type: string() }),
    },
    ['selector', 'template'],
  ),
  [`${APPS}.StatefulSet`]: workload(`${APPS}.StatefulSetSpec`, 'Pods with stable identities and storage.'),
  // serviceName is required before Kubernetes 1.33 but optional since; it is left optional so no valid manifest fails.
  [`${APPS}.StatefulSetSpec`]: struct(
    {
      minReadySeconds: int32(),
      ordinals: struct({ start: int32() }),
      persistentVolumeClaimRetentionPolicy: struct({ whenDeleted: string(), whenScaled: string() }),
      podManagementPolicy: string(),
      replicas: int32(),
      revisionHistoryLimit: int32(),
      selector: labelSelector(),
      serviceName: string(),
      template: podTemplate(),
      updateStrategy: struct({
        rollingUpdate: struct({ maxUnavailable: intOrString(), partition: int32() }),
        type: string(),
      }),
      volumeClaimTemplates: arrayOf(ref(`${CORE}.PersistentVolumeClaim`)),
    },
    ['selector', 'template'],
  ),
  [`${APPS}.ControllerRevision`]: struct(
    { ...typeMeta(), data: ref(RAW_EXTENSION), metadata: objectMeta(), revision: int64() },
    ['revision'],
    'An immutable snapshot of a controller state.',
  ),
  [`${BATCH}.Job`]: workload(`${BATCH}.JobSpec`, 'A run-to-completion task.'),
  [`${BATCH}.JobSpec`]: struct(
    {
      activeDeadlineSeconds: int64(),
      backoffLimit: int32(),
      backoffLimitPerIndex: int32(),
      completionMode: string(),
      completions: int32(),
      managedBy: string(),
      manualSelector: boolean(),
      maxFailedIndexes: int32(),
      parallelism: int32(),
      podFailurePolicy: looseObject(),
      podReplacementPolicy: string(),
      selector: labelSelector(),
      successPolicy: looseObject(),
      suspend: boolean(),
      template: podTemplate(),
      ttlSecondsAfterFinished: int32(),
    },
    ['template'],
  ),
};
