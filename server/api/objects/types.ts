/** The Kubernetes object shapes the API works with: plain JSON, checked by validation. */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** One field-level reason of a 422 Invalid, as in a Kubernetes `Status.details.causes`. */
export interface StatusCause {
  /** "FieldValueRequired", "FieldValueInvalid", "FieldValueNotSupported", "FieldValueDuplicate", "FieldValueForbidden", "FieldValueTooLong", "FieldValueTypeInvalid", "FieldValueNotFound". */
  reason: string;
  message: string;
  /** JSON path as Kubernetes writes it: "spec.containers[0].image", "metadata.labels". */
  field: string;
}
