import { badPatch } from './error.ts';
import { isObject, own, show, type JsonObject } from './json-value.ts';

/** The strategic merge patch directives (apimachinery pkg/util/strategicpatch). */
export const PATCH = '$patch';
export const RETAIN_KEYS = '$retainKeys';
export const SET_ELEMENT_ORDER = '$setElementOrder';
export const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';

export type Directive = 'replace' | 'delete' | 'merge';

/** What merging a map returns when its patch says `$patch: delete`: the caller drops the field. */
export const DELETED: unique symbol = Symbol('deleted');

/** The `$patch` of a map or list element, refusing values kube-apiserver does not know. */
export function patchDirective(patch: JsonObject, where: string): Directive | undefined {
  if (!Object.hasOwn(patch, PATCH)) return undefined;
  const value = own(patch, PATCH);
  if (value === 'replace' || value === 'delete' || value === 'merge') return value;
  throw badPatch(`${place(where)}: unknown $patch directive ${show(value)}; expected "replace", "delete" or "merge"`);
}

/** A list element that is a directive (`{"$patch": ...}`) rather than data. */
export function isDirectiveElement(element: unknown): element is JsonObject {
  return isObject(element) && Object.hasOwn(element, PATCH);
}

/**
 * The list field a parallel-list key ("$setElementOrder/containers") is about, or undefined
 * for other keys. A key with the prefix but no "/field" is refused, as apimachinery does.
 */
export function parallelField(key: string, prefix: string, where: string): string | undefined {
  if (!key.startsWith(prefix)) return undefined;
  if (key[prefix.length] !== '/') throw badPatch(`${place(where)}: "${key}" is not a valid directive; write "${prefix}/<field>"`);
  return key.slice(prefix.length + 1);
}

export function isDirectiveKey(key: string): boolean {
  return key === PATCH || key === RETAIN_KEYS || key.startsWith(SET_ELEMENT_ORDER) || key.startsWith(DELETE_FROM_PRIMITIVE_LIST);
}

/** Field paths for messages, as Kubernetes writes them: "spec.containers[0].env". */
export const at = (where: string, key: string): string => (where ? `${where}.${key}` : key);
export const item = (where: string, index: number): string => `${where}[${index}]`;
export const place = (where: string): string => where || 'the top level';
