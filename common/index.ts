export { componentLogger, type Logger } from './logger.ts';
export { errorCatalogue, SkerryError, isSkerryError, type ErrorCode } from './errors.ts';
