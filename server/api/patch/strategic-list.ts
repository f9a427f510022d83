import { badPatch, unprocessable } from './error.ts';
import { DELETED, isDirectiveElement, item, patchDirective, type Directive } from './directives.ts';
import { cloneJson, isObject, own, type JsonObject } from './json-value.ts';
import { orderMerged, type ElementKey } from './list-order.ts';
import type { SchemaNode } from './schema.ts';

/** Merges one element's patch into its old value (or into nothing, for a new element). */
export type MergeElement = (target: JsonObject | undefined, patch: JsonObject, where: string) => JsonObject | typeof DELETED;

export interface ListContext {
  readonly node: SchemaNode;
  readonly where: string;
  readonly mergeElement: MergeElement;
}

interface Indexed<T> {
  readonly element: T;
  /** Position in the patch list, for messages. */
  readonly index: number;
}

/**
 * Strategic merge of a list: merged by merge key (objects) or as a set (primitives) when
 * the schema or a `$patch: merge` element says so, otherwise replaced by the patch list.
 */
export function mergeList(current: unknown[], patch: unknown[], ctx: ListContext): unknown[] {
  const { plain, directives } = splitDirectives(patch, ctx.where);
  const has = (d: Directive) => directives.some((x) => x.directive === d);
  // A `$patch: replace` element turns the rest of the patch list into the new list.
  if (has('replace') || (ctx.node.patch?.strategy !== 'merge' && !has('merge'))) return cleanElements(plain, ctx);
  const deletes = directives.filter((d) => d.directive === 'delete');
  switch (elementKind([...current, ...plain.map((p) => p.element)], ctx.where)) {
    case 'objects':
      return mergeObjectList(current, plain as Indexed<JsonObject>[], deletes, ctx);
    case 'primitives':
      if (deletes.length > 0) throw badPatch(`${ctx.where}: "$patch: delete" cannot delete from a list of primitives; use $deleteFromPrimitiveList/<field>`);
      return mergePrimitiveList(current, plain.map((p) => p.element));
    default:
      return current;
  }
}

/** A patch list taken whole (replace strategy, or nothing to merge with): directive elements dropped, maps cleaned of nulls. */
export function cleanList(patch: unknown[], ctx: ListContext): unknown[] {
  return cleanElements(splitDirectives(patch, ctx.where).plain, ctx);
}

/** How `$setElementOrder` and list ordering identify an element of the list at `node`. */
export function elementKey(node: SchemaNode): ElementKey {
  const mergeKey = node.patch?.mergeKey;
  if (mergeKey) return (e) => (isObject(e) ? own(e, mergeKey) : undefined);
  return (e) => (typeof e === 'object' && e !== null ? undefined : e);
}

/**
 * apimachinery's validatePatchWithSetOrderList: the patch list's elements must appear in
 * the `$setElementOrder` list, in the same relative order.
 */
export function checkElementOrder(order: unknown[], patch: unknown[], ctx: ListContext, directiveKey: string): void {
  const mergeKey = ctx.node.patch?.mergeKey;
  const items = patch.filter((e) => !isDirectiveElement(e));
  if (mergeKey) {
    order.forEach((o, i) => requireMergeKey(o, mergeKey, `${directiveKey}[${i}]`));
    items.forEach((e) => requireMergeKey(e, mergeKey, item(ctx.where, patch.indexOf(e))));
  }
  if (order.length === 0) return;
  const keyOf = elementKey(ctx.node);
  let matched = 0;
  for (const o of order) {
    if (matched < items.length && keyOf(o) !== undefined && keyOf(items[matched]) === keyOf(o)) matched++;
  }
  if (matched < items.length) throw badPatch(`${ctx.where}: the patch lists elements that ${directiveKey} leaves out or orders differently`);
}

function splitDirectives(patch: unknown[], where: string): { plain: Indexed<unknown>[]; directives: Array<Indexed<JsonObject> & { directive: Directive }> } {
  const plain: Indexed<unknown>[] = [];
  const directives: Array<Indexed<JsonObject> & { directive: Directive }> = [];
  patch.forEach((element, index) => {
    if (!isDirectiveElement(element)) plain.push({ element, index });
    else directives.push({ element, index, directive: patchDirective(element, item(where, index))! });
  });
  return { plain, directives };
}

function cleanElements(plain: Indexed<unknown>[], ctx: ListContext): unknown[] {
  const out: unknown[] = [];
  for (const { element, index } of plain) {
    if (!isObject(element)) out.push(cloneJson(element));
    else {
      const cleaned = ctx.mergeElement(undefined, element, item(ctx.where, index));
      if (cleaned !== DELETED) out.push(cleaned);
    }
  }
  return out;
}

function elementKind(elements: unknown[], where: string): 'objects' | 'primitives' | 'none' {
  let objects = 0;
  let primitives = 0;
  for (const e of elements) {
    if (Array.isArray(e)) throw unprocessable(`${where}: lists of lists cannot be merged`);
    if (isObject(e)) objects++;
    else primitives++;
  }
  if (objects > 0 && primitives > 0) throw unprocessable(`${where}: cannot merge a list that mixes objects and primitives`);
  return objects > 0 ? 'objects' : primitives > 0 ? 'primitives' : 'none';
}

function requireMergeKey(element: unknown, mergeKey: string, where: string): void {
  if (!isObject(element) || !Object.hasOwn(element, mergeKey)) throw badPatch(`${where}: element has no merge key "${mergeKey}"`);
}

function mergeObjectList(current: unknown[], plain: Indexed<JsonObject>[], deletes: Indexed<JsonObject>[], ctx: ListContext): unknown[] {
  const mergeKey = ctx.node.patch?.mergeKey;
  if (!mergeKey) throw unprocessable(`${ctx.where}: this list has no merge key, so its elements cannot be merged`);
  const keyOf = elementKey(ctx.node);
  let working = current.slice();
  for (const d of deletes) {
    requireMergeKey(d.element, mergeKey, item(ctx.where, d.index));
    // Every element with the key goes, as in apimachinery's deleteMatchingEntries.
    working = working.filter((e) => keyOf(e) !== own(d.element, mergeKey));
  }
  const serverOrder = working.slice();
  for (const { element, index } of plain) {
    const where = item(ctx.where, index);
    requireMergeKey(element, mergeKey, where);
    const at = working.findIndex((e) => keyOf(e) === own(element, mergeKey));
    const merged = ctx.mergeElement(at >= 0 ? (working[at] as JsonObject) : undefined, element, where);
    if (merged === DELETED) continue;
    if (at >= 0) working[at] = merged;
    else working.push(merged);
  }
  return orderMerged(working, plain.map((p) => p.element), serverOrder, keyOf);
}

/** A list of primitives with the merge strategy is a set: the union, without duplicates. */
function mergePrimitiveList(current: unknown[], additions: unknown[]): unknown[] {
  const merged = [...new Set([...current, ...additions])];
  return orderMerged(merged, additions, current, (e) => e);
}
