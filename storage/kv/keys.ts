import { SkerryError } from '../../common/index.ts';

const MAX_KEY_LENGTH = 1024;

/**
 * Keys are printable ASCII without spaces (Kubernetes names and namespaces are), which keeps
 * byte order and string order the same and makes a prefix a simple range.
 */
export function assertKey(key: unknown, field = 'key'): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new SkerryError('KEY_INVALID', `${field} must be a non-empty string`, { field });
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw new SkerryError('KEY_INVALID', `${field} is ${key.length} characters, more than ${MAX_KEY_LENGTH}`, { field });
  }
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new SkerryError('KEY_INVALID', `${field} ${JSON.stringify(key)} must be printable ASCII without spaces`, { field });
  }
}

export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (prefix === '') return;
  assertKey(prefix, 'prefix');
}

/** The half-open range [start, end) of keys that begin with `prefix`. */
export function prefixRange(prefix: string): { start: string; end: string } {
  if (prefix === '') return { start: '', end: '\x7f' };
  const last = prefix.charCodeAt(prefix.length - 1);
  return { start: prefix, end: prefix.slice(0, -1) + String.fromCharCode(last + 1) };
}

export function assertRevision(revision: unknown, field: string): asserts revision is number {
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) {
    throw new SkerryError('KEY_INVALID', `${field} must be a non-negative integer, got ${String(revision)}`, { field });
  }
}

export function assertValue(value: unknown): asserts value is Buffer {
  if (!Buffer.isBuffer(value)) {
    throw new SkerryError('KEY_INVALID', 'value must be a Buffer', { field: 'value' });
  }
}
