import { child, hasTypeError, index, key, typeInvalid, type Causes } from './errors.ts';

/**
 * Typed reads over untrusted JSON. Each read reports a FieldValueTypeInvalid cause when the value
 * is present with the wrong JSON type and then behaves as if it were absent, so validators never
 * trip over a string where they expected a list. `null` means absent, as it does for Go's decoder.
 */

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const INT32_MAX = 2 ** 31 - 1;

/** Validators may read a field more than once; its type error is reported once. */
function reportType(errs: Causes, at: string, v: unknown, expected: string): undefined {
  if (!hasTypeError(errs, at)) errs.push(typeInvalid(at, jsonType(v), expected));
  return undefined;
}

export function asString(errs: Causes, v: unknown, at: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  return reportType(errs, at, v, 'string');
}

export function asInt(errs: Causes, v: unknown, at: string, bits: 32 | 64 = 32): number | undefined {
  if (v === undefined || v === null) return undefined;
  const limit = bits === 32 ? INT32_MAX : Number.MAX_SAFE_INTEGER;
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= limit) return v;
  // An integer too large for the field's Go type is a type error too, as the decoder sees it.
  const outOfRange = typeof v === 'number' && Number.isInteger(v);
  return reportType(errs, at, v, outOfRange ? (bits === 32 ? 'int32' : 'int64') : 'integer');
}

export function asBool(errs: Causes, v: unknown, at: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  return reportType(errs, at, v, 'boolean');
}

export function asObj(errs: Causes, v: unknown, at: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (isObj(v)) return v;
  return reportType(errs, at, v, 'object');
}

export function asArray(errs: Causes, v: unknown, at: string): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v;
  return reportType(errs, at, v, 'array');
}

/** A string list; wrongly typed items are reported and dropped. */
export function asStringList(errs: Causes, v: unknown, at: string): string[] | undefined {
  const list = asArray(errs, v, at);
  if (!list) return undefined;
  const out: string[] = [];
  list.forEach((item, i) => {
    const s = asString(errs, item, index(at, i));
    if (s !== undefined) out.push(s);
  });
  return out;
}

/** A map[string]string; wrongly typed values are reported at `path[key]` and dropped. */
export function asStringMap(errs: Causes, v: unknown, at: string): Record<string, string> | undefined {
  const o = asObj(errs, v, at);
  if (!o) return undefined;
  const out: Record<string, string> = {};
  for (const [k, item] of Object.entries(o)) {
    const s = asString(errs, item, key(at, k));
    if (s !== undefined) out[k] = s;
  }
  return out;
}

export function asIntOrString(errs: Causes, v: unknown, at: string): number | string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= INT32_MAX) return v;
  return reportType(errs, at, v, 'integer or string');
}

/** Field access bound to one object and its path: `f.str('image')` reads `<at>.image`. */
export interface Fields {
  readonly at: string;
  readonly obj: Obj | undefined;
  path(name: string): string;
  has(name: string): boolean;
  raw(name: string): unknown;
  str(name: string): string | undefined;
  int(name: string, bits?: 32 | 64): number | undefined;
  bool(name: string): boolean | undefined;
  object(name: string): Obj | undefined;
  array(name: string): unknown[] | undefined;
  strings(name: string): string[] | undefined;
  stringMap(name: string): Record<string, string> | undefined;
  intOrString(name: string): number | string | undefined;
  fields(name: string): Fields;
}

export function fields(errs: Causes, o: Obj | undefined, at: string): Fields {
  const path = (name: string) => child(at, name);
  const raw = (name: string) => (o ? o[name] : undefined);
  return {
    at,
    obj: o,
    path,
    has: (name) => raw(name) !== undefined && raw(name) !== null,
    raw,
    str: (name) => asString(errs, raw(name), path(name)),
    int: (name, bits) => asInt(errs, raw(name), path(name), bits),
    bool: (name) => asBool(errs, raw(name), path(name)),
    object: (name) => asObj(errs, raw(name), path(name)),
    array: (name) => asArray(errs, raw(name), path(name)),
    strings: (name) => asStringList(errs, raw(name), path(name)),
    stringMap: (name) => asStringMap(errs, raw(name), path(name)),
    intOrString: (name) => asIntOrString(errs, raw(name), path(name)),
    fields: (name) => fields(errs, asObj(errs, raw(name), path(name)), path(name)),
  };
}

/** Visits each element of an object list; non-objects are reported and skipped. */
export function eachObject(errs: Causes, list: unknown[] | undefined, at: string, visit: (item: Fields, i: number) => void): void {
  list?.forEach((item, i) => {
    const itemPath = index(at, i);
    const o = asObj(errs, item, itemPath);
    if (o) visit(fields(errs, o, itemPath), i);
  });
}

/**
 * Go decodes a missing field, `null`, `""`, `0`, `false`, `[]` and `{}` alike into zero values, and
 * apimachinery's semantic equality treats nil and empty collections as equal. Immutability checks
 * compare stored JSON with the update, so they must not see those spellings as changes.
 */
export function isEmptyJson(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObj(v)) return Object.values(v).every(isEmptyJson);
  return false;
}

/** Semantic deep equality over JSON values; arrays are order-sensitive, as Go slices are. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isEmptyJson(a) && isEmptyJson(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (!isObj(a) || !isObj(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!jsonEqual(a[k], b[k])) return false;
  return true;
}

export function cloneJson<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch {
    return JSON.parse(JSON.stringify(value ?? null)) as T;
  }
}

/** Exact deep equality, for opaque payloads where an empty object is still data. */
export function jsonStrictEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonStrictEqual(v, b[i]));
  }
  if (!isObj(a) || !isObj(b)) return false;
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonStrictEqual(a[k], b[k]));
}
