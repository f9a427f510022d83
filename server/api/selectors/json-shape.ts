/**
 * Shape checks for selector JSON coming from object specs. Absent and null read as Go's zero
 * values, as encoding/json decodes them; wrong types and unknown fields are errors naming the
 * field, so a mistyped selector can never silently select everything.
 */
import { SelectorError } from './errors.ts';
import { goCompare, goQuote } from './go-format.ts';

export type JsonObject = Readonly<Record<string, unknown>>;

export function readObject(value: unknown, path: string): JsonObject {
  if (!isPlainObject(value)) throw typeError(value, path, 'object');
  return value;
}

export function readString(value: unknown, path: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw typeError(value, path, 'string');
  return value;
}

export function readStringList(value: unknown, path: string): string[] {
  return readList(value, path).map((item, i) => readString(item, `${path}[${i}]`));
}

export function readList(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw typeError(value, path, 'array');
  return value;
}

/** A string-to-string map as sorted entries (Go iterates maps randomly; sorting keeps errors stable). */
export function readStringMap(value: unknown, path: string): [string, string][] {
  if (value === undefined || value === null) return [];
  const object = readObject(value, path);
  return Object.keys(object)
    .sort(goCompare)
    .map((key) => [key, readString(object[key], `${path}[${key}]`)]);
}

/** Strict decoding's complaint about a field the type does not have. */
export function rejectUnknownFields(object: JsonObject, path: string, known: readonly string[]): void {
  const unknown = Object.keys(object).find((field) => !known.includes(field));
  if (unknown !== undefined) throw new SelectorError(`unknown field ${goQuote(`${path}.${unknown}`)}`);
}

function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function typeError(value: unknown, path: string, expected: string): SelectorError {
  return new SelectorError(`${path}: Invalid value: ${goQuote(jsonType(value))}: must be of type ${expected}`);
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
