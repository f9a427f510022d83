import { isObject, own } from './json-value.ts';

/** RFC 6901 JSON pointers, resolved against own properties only so "/constructor" finds nothing. */

/** The reference tokens of a pointer, or undefined when it is malformed. */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer.slice(1).split('/');
  // "~" may only start the escapes "~0" (~) and "~1" (/).
  if (tokens.some((t) => /~(?![01])/.test(t))) return undefined;
  return tokens.map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** An array index as RFC 6901 writes it: digits without a leading zero. */
export function arrayIndex(token: string): number | undefined {
  return /^(0|[1-9][0-9]{0,8})$/.test(token) ? Number(token) : undefined;
}

export type Lookup = { found: true; value: unknown } | { found: false };

export function lookup(document: unknown, tokens: readonly string[]): Lookup {
  let value = document;
  for (const token of tokens) {
    if (Array.isArray(value)) {
      const index = arrayIndex(token);
      if (index === undefined || index >= value.length) return { found: false };
      value = value[index];
    } else if (isObject(value) && Object.hasOwn(value, token)) {
      value = own(value, token);
    } else {
      return { found: false };
    }
  }
  return { found: true, value };
}

export function isProperPrefix(prefix: readonly string[], tokens: readonly string[]): boolean {
  return prefix.length < tokens.length && prefix.every((t, i) => t === tokens[i]);
}
