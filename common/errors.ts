/**
 * The catalogue of stable error codes. Code strings never change once released: scripts and
 * the API's Status objects carry them. Messages are sentence case and name the object and
 * the reason.
 */
export const errorCatalogue = {
  KEY_INVALID: 'Key is not valid',
  KEY_EXISTS: 'Key already exists',
  KEY_NOT_FOUND: 'Key was not found',
  REVISION_CONFLICT: 'Key was changed since the revision the write expected',
  REVISION_COMPACTED: 'Revision has been compacted',
  REVISION_FUTURE: 'Revision is newer than the store',
  CONTINUE_INVALID: 'Continue token is not valid',
  WATCH_TOO_SLOW: 'Watcher fell too far behind and was cut off',
  WATCH_CLOSED: 'Watch was closed',
  STORE_CLOSED: 'Store is closed',
  STORE_FOREIGN: 'Database file belongs to another application',
  STORE_CORRUPT: 'Database file is corrupt or not a database',
  STORE_DURABILITY: 'Database cannot guarantee durable writes',
  STORE_NO_SPACE: 'Disk is full; the write was not stored',
  STORE_IO: 'Database input/output failed',
  USAGE: 'Command line is not valid',
  CONFIG_INVALID: 'Configuration is not valid',
  API_ERROR: 'The API refused the request',
  DATA_DIR_UNUSABLE: 'Data directory cannot be used',
  LISTEN_FAILED: 'Cannot listen on the address',
  ADDON_MISSING: 'Native addon cannot be loaded',
  CONTAINER_EXISTS: 'Container already exists',
  CONTAINER_NOT_FOUND: 'Container does not exist',
  CONTAINER_STATE: 'Container is not in a state that allows this',
  DIGEST_INVALID: 'Digest is not valid',
  DIGEST_MISMATCH: 'Content does not match its digest',
  BLOB_NOT_FOUND: 'Blob is not in the content store',
  BLOB_BUSY: 'Blob is being written by another process',
  REFERENCE_INVALID: 'Image reference is not valid',
  IMAGE_NOT_FOUND: 'Image was not found',
  IMAGE_IN_USE: 'Image is used by a container',
  IMAGE_INVALID: 'Image is not valid',
  MEDIA_TYPE_UNSUPPORTED: 'Media type is not supported',
  PLATFORM_NOT_FOUND: 'Image has no variant for this platform',
  REGISTRY_UNREACHABLE: 'Registry cannot be reached',
  REGISTRY_AUTH: 'Registry refused the credentials',
  REGISTRY_ERROR: 'Registry answered with an error',
  LAYER_UNSAFE: 'Layer holds an entry that cannot be unpacked safely',
  LAYER_TOO_LARGE: 'Layer is larger than the unpack limit',
  BUILD_INVALID: 'Image build file is not valid',
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

/** An error with a stable code from the catalogue and a message naming what failed and why. */
export class SkerryError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, detail: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(`${errorCatalogue[code]}: ${detail}`, options);
    this.name = 'SkerryError';
    this.code = code;
    this.details = details;
  }
}

export function isSkerryError(error: unknown, code?: ErrorCode): error is SkerryError {
  return error instanceof SkerryError && (code === undefined || error.code === code);
}
