export { componentLogger, type Logger } from './logger.ts';
export { errorCatalogue, SkerryError, isSkerryError, type ErrorCode } from './errors.ts';
export * as oci from './oci/index.ts';
export type { ClusterNetwork, JoinAnswer, JoinRequest } from './join.ts';
export { DEFAULT_CLUSTER_NETWORK } from './join.ts';
