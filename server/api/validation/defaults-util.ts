import { isObj, type Obj } from './json.ts';

/**
 * Helpers for defaulting untrusted JSON in place. A field of the wrong JSON type is left alone so
 * validation can report it; defaulting never throws and never "fixes" bad input.
 */

/** Go's nil: a pointer field Kubernetes would default. */
export const unset = (v: unknown): boolean => v === undefined || v === null;

/** A string field Kubernetes defaults when empty. */
export const blank = (v: unknown): boolean => unset(v) || v === '';

export function setDefault(o: Obj, key: string, value: unknown, when: (v: unknown) => boolean = unset): void {
  if (when(o[key])) o[key] = value;
}

/** The object at `o[key]`, created when absent; undefined when something else is there. */
export function ensureObj(o: Obj, key: string): Obj | undefined {
  if (unset(o[key])) o[key] = {};
  const v = o[key];
  return isObj(v) ? v : undefined;
}

/** The object at `o[key]` if it is one. */
export function objAt(o: Obj | undefined, key: string): Obj | undefined {
  const v = o?.[key];
  return isObj(v) ? v : undefined;
}

/** The objects of the list at `o[key]`, skipping anything that is not an object. */
export function objectsAt(o: Obj | undefined, key: string): Obj[] {
  const v = o?.[key];
  return Array.isArray(v) ? v.filter(isObj) : [];
}
