// The public face of server/api/objects: the API's object storage (the internal client).
export {
  createObjectStore,
  noAdmission,
  type Admission,
  type AdmissionReader,
  type AdmissionRequest,
  type DeleteOptions,
  type Filter,
  type ListQuery,
  type ObjectEvent,
  type ObjectList,
  type ObjectStore,
  type ObjectWatch,
  type UpdateOptions,
  type WatchQuery,
  type WriteOptions,
} from './store.ts';
export type { KubeObject, ObjectMeta, OwnerReference, StatusCause } from './types.ts';
export { timestamp } from './metadata.ts';
export { decodeObject, listPrefix } from './codec.ts';
export { createServiceAllocator, DEFAULT_SERVICE_RANGES, cidrRange, formatIpv4, parseIpv4, type ServiceAllocator, type ServiceRanges } from './service-allocation.ts';
