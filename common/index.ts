export { componentLogger, type Logger } from './logger.ts';
export { errorCatalogue, SkerryError, isSkerryError, type ErrorCode } from './errors.ts';
export * as oci from './oci/index.ts';
export type { JoinAnswer, JoinRequest } from './join.ts';
