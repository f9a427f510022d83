import { badPatch } from './error.ts';

/**
 * JSON data as patches handle it. Every key is plain data: a `__proto__` key read from a
 * request body is an own property, so reads go through `own` and writes through `setOwn`,
 * which never reach (or replace) a prototype.
 */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

export function setOwn(object: JsonObject, key: string, value: unknown): void {
  // Plain assignment to "__proto__" would swap the object's prototype instead of storing data.
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

export function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (!isObject(value)) return value;
  const copy: JsonObject = {};
  for (const key of Object.keys(value)) setOwn(copy, key, cloneJson(value[key]));
  return copy;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

/** "an object", "a list", "a string": for messages about a value of the wrong type. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isObject(value)) return 'an object';
  return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' ? `a ${typeof value}` : String(typeof value);
}

/** A value quoted for a message, cut short so a huge patch cannot make a huge message. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Refuses anything a JSON body could not contain (undefined, functions, class instances,
 * NaN, cycles), so the patch code below only ever meets JSON.
 */
export function checkJson(value: unknown, what: string): void {
  const ancestors = new Set<object>();
  const visit = (v: unknown): void => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw badPatch(`${what} contains a number JSON cannot carry (${v})`);
      return;
    }
    if (typeof v !== 'object') throw badPatch(`${what} contains a value that is not JSON (${typeof v})`);
    const proto: unknown = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) throw badPatch(`${what} contains a value that is not JSON (an instance of a class)`);
    if (ancestors.has(v)) throw badPatch(`${what} contains a cycle`);
    ancestors.add(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) visit(child);
    ancestors.delete(v);
  };
  visit(value);
}
