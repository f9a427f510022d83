// Narrowing helpers for reading printer inputs: a stored object's fields are `unknown` JSON,
// and a printer must never throw on a missing or mistyped field (kube-apiserver's printers read
// typed zero values, so absent means "", 0, false or empty here).

export type JsonObject = Record<string, unknown>;

export function obj(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function objs(value: unknown): JsonObject[] {
  return arr(value).map(obj);
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A string field that may be absent, for the places where Go checks a pointer for nil. */
export function optStr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function int(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : 0;
}

/** An integer field that may be absent, for the places where Go checks a pointer for nil. */
export function optInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : undefined;
}

export function bool(value: unknown): boolean {
  return value === true;
}

/** A map of strings (labels, selectors); non-string values are dropped. */
export function strMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(value))) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Number of keys of an object-valued field (ConfigMap data, Secret data). */
export function keyCount(value: unknown): number {
  return Object.keys(obj(value)).length;
}

/** Walks nested objects: at(pod, 'spec', 'nodeName'). */
export function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) current = obj(current)[key];
  return current;
}

/** Whether a field holds an object, for Go's `!= nil` checks on struct pointers (state.running...). */
export function isObj(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Go's `DeletionTimestamp != nil`. */
export function isDeleting(metadata: { deletionTimestamp?: string }): boolean {
  return typeof metadata.deletionTimestamp === 'string' && metadata.deletionTimestamp !== '';
}
