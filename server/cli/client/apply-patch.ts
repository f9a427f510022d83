import { fieldPatch } from '../../api/index.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * kubectl apply's three-way patch, as a strategic merge patch: everything the manifest says,
 * plus deletions of what the last applied manifest said and this one no longer does (map keys
 * become null; elements of keyed lists get `$patch: delete`). Fields set by others and never
 * applied are left alone.
 */
export function threeWayPatch(kind: string, last: JsonObject | undefined, next: JsonObject): JsonObject {
  return objectPatch(kind, '', last ?? {}, next);
}

function objectPatch(kind: string, path: string, last: JsonObject, next: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const [key, value] of Object.entries(next)) {
    const child = path ? `${path}.${key}` : key;
    const before = last[key];
    if (isObject(value) && isObject(before)) patch[key] = objectPatch(kind, child, before, value);
    else if (Array.isArray(value) && Array.isArray(before)) patch[key] = listPatch(kind, child, before, value);
    else patch[key] = value;
  }
  for (const key of Object.keys(last)) if (!(key in next)) patch[key] = null;
  return patch;
}

function listPatch(kind: string, path: string, last: Json[], next: Json[]): Json[] {
  const meta = fieldPatch(kind, path);
  if (!meta || meta.strategy !== 'merge' || !meta.mergeKey) return next;
  const key = meta.mergeKey;
  const keyOf = (item: Json) => (isObject(item) ? JSON.stringify(item[key]) : JSON.stringify(item));
  const wanted = new Set(next.map(keyOf));
  const lastByKey = new Map(last.map((item) => [keyOf(item), item]));
  const merged: Json[] = next.map((item) => {
    const before = lastByKey.get(keyOf(item));
    return isObject(item) && isObject(before) ? { ...objectPatch(kind, path, before, item), [key]: item[key]! } : item;
  });
  for (const item of last) if (isObject(item) && !wanted.has(keyOf(item))) merged.push({ [key]: item[key]!, $patch: 'delete' });
  return merged;
}
