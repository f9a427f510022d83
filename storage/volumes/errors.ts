// The stable error codes of node-local volumes. Codes never change once released: the agent
// turns them into volume reports and events. Messages are sentence case and name the volume,
// what was being done and the tool's stderr or the errno.

export const volumeErrorCatalogue = {
  VOLUME_NAME_INVALID: 'Volume name is not valid',
  VOLUME_CAPACITY_INVALID: 'Volume capacity is not valid',
  VOLUME_NOT_FOUND: 'Volume has no record on this node',
  VOLUME_MISSING: 'Volume data is missing',
  VOLUME_DAMAGED: 'Volume filesystem is damaged',
  VOLUME_NO_SPACE: 'Node disk has no space for the volume',
  VOLUME_SHRINK: 'Volume cannot shrink',
  VOLUME_BUSY: 'Volume is in use',
  VOLUME_RECORD_INVALID: 'Volume record cannot be read',
  VOLUME_HOST_FAILED: 'Host operation on the volume failed',
} as const;

export type VolumeErrorCode = keyof typeof volumeErrorCatalogue;

/** An error with a stable code, naming the volume (when there is one) and the reason. */
export class VolumeError extends Error {
  readonly code: VolumeErrorCode;
  readonly volume: string | undefined;

  constructor(code: VolumeErrorCode, volume: string | undefined, detail: string, options?: { cause?: unknown }) {
    super(`${volumeErrorCatalogue[code]}: ${volume === undefined ? '' : `volume ${volume}: `}${detail}`, options);
    this.name = 'VolumeError';
    this.code = code;
    this.volume = volume;
  }
}

export function isVolumeError(error: unknown, code?: VolumeErrorCode): error is VolumeError {
  return error instanceof VolumeError && (code === undefined || error.code === code);
}

/** The errno a failure carries: a Node system error's code, or ENOSPC read from a tool's stderr. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  const text = error instanceof Error ? error.message : String(error);
  if (/No space left on device/i.test(text)) return 'ENOSPC';
  return undefined;
}

/**
 * Wraps a failure of one step: a VolumeError passes through unchanged; ENOSPC becomes
 * VOLUME_NO_SPACE; anything else VOLUME_HOST_FAILED. `doing` says what was being done.
 */
export function wrapFailure(volume: string, doing: string, error: unknown): VolumeError {
  if (error instanceof VolumeError) return error;
  const errno = errnoOf(error);
  const reason = error instanceof Error ? error.message : String(error);
  const detail = `${doing}: ${errno && !reason.startsWith(errno) ? `${errno}: ` : ''}${reason}`;
  return new VolumeError(errno === 'ENOSPC' ? 'VOLUME_NO_SPACE' : 'VOLUME_HOST_FAILED', volume, detail, { cause: error });
}

/** Runs one step and wraps its failure (see wrapFailure). */
export async function step<T>(volume: string, doing: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw wrapFailure(volume, doing, error);
  }
}
