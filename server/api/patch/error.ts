/**
 * Why a patch could not be applied, with the HTTP status kube-apiserver answers:
 * 400 for a patch body of the wrong shape, 415 for a patch type the kind does not accept,
 * 422 for a well-formed patch that does not fit the object (a failed `test`, a missing path).
 */
export type PatchErrorCode = 400 | 415 | 422;

export class PatchError extends Error {
  constructor(
    readonly code: PatchErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PatchError';
  }
}

export const badPatch = (message: string): PatchError => new PatchError(400, message);
export const unprocessable = (message: string): PatchError => new PatchError(422, message);
