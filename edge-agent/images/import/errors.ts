// Errors from an archive must say where in it the problem is: a bare "config.mediaType is
// not an image config" does not tell the user which of forty files to look at. These
// helpers put the file (and field) in front of a SkerryError's detail, keeping its code.
import { errorCatalogue, isSkerryError, SkerryError } from '../../../common/index.ts';

function detailOf(error: SkerryError): string {
  const prefix = `${errorCatalogue[error.code]}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/** The same error with `where` in front of its detail; other errors pass unchanged. */
export function locate(where: string, error: unknown): unknown {
  if (!isSkerryError(error)) return error;
  return new SkerryError(error.code, `${where}: ${detailOf(error)}`, { ...error.details, where }, { cause: error });
}

export function within<T>(where: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw locate(where, error);
  }
}

export async function withinAsync<T>(where: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw locate(where, error);
  }
}
