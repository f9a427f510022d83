import { badPatch, unprocessable } from './error.ts';
import {
  at,
  DELETE_FROM_PRIMITIVE_LIST,
  DELETED,
  isDirectiveKey,
  parallelField,
  patchDirective,
  place,
  RETAIN_KEYS,
  SET_ELEMENT_ORDER,
} from './directives.ts';
import { describe, isObject, own, setOwn, type JsonObject } from './json-value.ts';
import { orderMerged } from './list-order.ts';
import { child, type SchemaNode } from './schema.ts';
import { checkElementOrder, cleanList, elementKey, mergeList, type ListContext } from './strategic-list.ts';

/**
 * Kubernetes strategic merge patch (`application/strategic-merge-patch+json`), applied the
 * way apimachinery's StrategicMergeMapPatch does on the server: per map, `$patch` first, then
 * `$retainKeys`, then each `$setElementOrder/<list>` with its list, then the other fields,
 * and `$deleteFromPrimitiveList/<list>` last. `target` is the caller's working copy.
 *
 * Where Go would leave a directive or a null inside the stored object (a patch value added
 * whole), this merges it into an empty value instead: a typed Go object drops those when it
 * is decoded, and an untyped store must not keep them.
 */
export function applyStrategicPatch(target: unknown, patch: unknown, schema: SchemaNode): unknown {
  if (!isObject(patch)) throw badPatch(`a strategic merge patch must be a JSON object, got ${describe(patch)}`);
  const result = mergeObject(isObject(target) ? target : undefined, patch, schema, '');
  if (result === DELETED) throw unprocessable('"$patch: delete" at the top level would delete the whole object');
  return result;
}

function mergeObject(target: JsonObject | undefined, patch: JsonObject, node: SchemaNode, where: string): JsonObject | typeof DELETED {
  const directive = patchDirective(patch, where);
  if (directive === 'delete') return DELETED;
  // `$patch: replace` takes the map as written; building it from nothing still drops its nulls and directives.
  const result: JsonObject = directive === 'replace' || !target ? {} : target;
  retainKeys(result, patch, where);
  const ordered = setElementOrders(result, patch, node, where);
  for (const key of Object.keys(patch)) {
    if (isDirectiveKey(key) || ordered.has(key)) continue;
    const value = patch[key];
    if (value === null) {
      delete result[key];
      continue;
    }
    const merged = mergeField(own(result, key), value, child(node, key), at(where, key));
    if (merged === DELETED) delete result[key];
    else setOwn(result, key, merged);
  }
  deleteFromPrimitiveLists(result, patch, where);
  return result;
}

function mergeField(current: unknown, value: unknown, node: SchemaNode, where: string): unknown {
  if (isObject(value)) {
    const into = node.patch?.strategy === 'replace' || !isObject(current) ? undefined : current;
    return mergeObject(into, value, node, where);
  }
  if (Array.isArray(value)) {
    const ctx = listContext(node, where);
    return Array.isArray(current) ? mergeList(current, value, ctx) : cleanList(value, ctx);
  }
  return value;
}

function listContext(node: SchemaNode, where: string): ListContext {
  return { node, where, mergeElement: (target, patch, elementWhere) => mergeObject(target, patch, node, elementWhere) };
}

/** `$retainKeys`: fields not listed are cleared, and the patch may only set listed fields. */
function retainKeys(result: JsonObject, patch: JsonObject, where: string): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const list = own(patch, RETAIN_KEYS);
  if (!Array.isArray(list)) throw badPatch(`${at(where, RETAIN_KEYS)} must be a list of field names, got ${describe(list)}`);
  const keep = new Set(list.filter((k): k is string => typeof k === 'string'));
  for (const key of Object.keys(patch)) {
    if (isDirectiveKey(key) || patch[key] === null || keep.has(key)) continue;
    throw badPatch(`${place(where)}: the patch sets "${key}", which ${RETAIN_KEYS} does not list`);
  }
  for (const key of Object.keys(result)) if (!keep.has(key)) delete result[key];
}

/** Merges each list named by a `$setElementOrder/<list>` and puts it in that order; returns the lists done. */
function setElementOrders(result: JsonObject, patch: JsonObject, node: SchemaNode, where: string): Set<string> {
  const done = new Set<string>();
  for (const key of Object.keys(patch)) {
    const field = parallelField(key, SET_ELEMENT_ORDER, where);
    if (field === undefined) continue;
    const order = patch[key];
    if (!Array.isArray(order)) throw badPatch(`${at(where, key)} must be a list, got ${describe(order)}`);
    const fieldWhere = at(where, field);
    const current = own(result, field);
    const patchList = own(patch, field);
    if (current !== undefined && !Array.isArray(current)) throw unprocessable(`${fieldWhere} is ${describe(current)}, so ${key} cannot order it`);
    if (patchList !== undefined && !Array.isArray(patchList)) throw badPatch(`${fieldWhere} must be a list alongside ${key}, got ${describe(patchList)}`);
    const ctx = listContext(child(node, field), fieldWhere);
    checkElementOrder(order, patchList ?? [], ctx, key);
    done.add(field);
    if (current === undefined && patchList === undefined) continue;
    const merged = patchList === undefined ? current! : current === undefined ? cleanList(patchList, ctx) : mergeList(current, patchList, ctx);
    setOwn(result, field, orderMerged(merged, order, current ?? [], elementKey(ctx.node)));
  }
  return done;
}

function deleteFromPrimitiveLists(result: JsonObject, patch: JsonObject, where: string): void {
  for (const key of Object.keys(patch)) {
    const field = parallelField(key, DELETE_FROM_PRIMITIVE_LIST, where);
    if (field === undefined) continue;
    const doomed = patch[key];
    if (!Array.isArray(doomed)) throw badPatch(`${at(where, key)} must be a list, got ${describe(doomed)}`);
    const current = own(result, field);
    // apimachinery would store the deletion list as the new list here; deleting from nothing is a no-op.
    if (current === undefined) continue;
    if (!Array.isArray(current)) throw unprocessable(`${at(where, field)} is ${describe(current)}, so ${key} cannot delete from it`);
    setOwn(result, field, current.filter((e) => !doomed.includes(e)));
  }
}
