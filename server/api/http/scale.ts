import type { ResourceType } from '../catalog/index.ts';
import { apiErrors } from '../errors.ts';
import type { KubeObject } from '../objects/index.ts';
import { selectorToString } from '../selectors/index.ts';

/** The autoscaling/v1 Scale view of a Deployment, ReplicaSet or StatefulSet. */
export function toScale(object: KubeObject): object {
  const spec = (object.spec ?? {}) as { replicas?: number; selector?: unknown };
  const status = (object.status ?? {}) as { replicas?: number };
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: spec.selector ? selectorToString(spec.selector) : '' },
  };
}

/** Applies a Scale's spec.replicas to its object; a resourceVersion in the Scale is a precondition. */
export function fromScale(type: ResourceType, current: KubeObject, scale: KubeObject): KubeObject {
  const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw apiErrors.invalid(type, current.metadata.name!, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
  }
  const wanted = scale.metadata?.resourceVersion;
  if (wanted && wanted !== current.metadata.resourceVersion) throw apiErrors.conflict(type, current.metadata.name!);
  return { ...current, spec: { ...((current.spec ?? {}) as object), replicas } };
}
