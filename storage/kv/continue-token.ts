import { SkerryError } from '../../common/index.ts';

interface ContinuePosition {
  /** The last key returned; the next page starts after it. */
  afterKey: string;
  /** The revision every page of this list is read at. */
  revision: number;
}

export function encodeContinue(position: ContinuePosition): string {
  return Buffer.from(JSON.stringify({ k: position.afterKey, r: position.revision })).toString('base64url');
}

export function decodeContinue(token: string): ContinuePosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) {
      const { k, r } = parsed as { k?: unknown; r?: unknown };
      if (typeof k === 'string' && typeof r === 'number' && Number.isSafeInteger(r) && r > 0) {
        return { afterKey: k, revision: r };
      }
    }
  } catch {
    // fall through to the error below: any malformed token gets the same answer
  }
  throw new SkerryError('CONTINUE_INVALID', 'continue token was not produced by this store', { field: 'continue' });
}
