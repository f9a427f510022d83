// fast-json-patch is CommonJS whose exports Node cannot list statically: only the default
// import (module.exports) carries applyOperation under both tsx and the esbuild bundle.
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { badPatch, PatchError } from './error.ts';
import { deepEqual, describe, isObject, own, setOwn, type JsonObject } from './json-value.ts';
import { arrayIndex, isProperPrefix, lookup, parsePointer } from './pointer.ts';

/**
 * RFC 6902 JSON patch (`application/json-patch+json`). kube-apiserver answers 400 when the
 * body is not a list of objects and 422 when an operation cannot apply, as here.
 *
 * The document is worked on as null-prototype objects, so fast-json-patch's plain property
 * writes store "__proto__" or "constructor" keys as data instead of reaching a prototype.
 * Every operation is checked here first, with own-property lookups, because the library's
 * own checks see inherited members ("/metadata/constructor" would look present).
 */
export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badPatch(`a json patch must be a list of operations, got ${describe(patch)}`);
  patch.forEach((op, i) => {
    if (!isObject(op)) throw badPatch(`json patch operation ${i} must be an object, got ${describe(op)}`);
  });
  let document = toDict(target);
  (patch as JsonObject[]).forEach((op, i) => {
    document = applyOperation(document, op, i);
  });
  return fromDict(document);
}

const OPERATIONS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function applyOperation(document: unknown, op: JsonObject, index: number): unknown {
  const name = own(op, 'op');
  const path = own(op, 'path');
  const fail = (reason: string) =>
    new PatchError(422, `json patch operation ${index} (${typeof name === 'string' ? name : '?'} ${typeof path === 'string' ? path : '?'}): ${reason}`);
  if (typeof name !== 'string' || !OPERATIONS.has(name)) throw fail(name === undefined ? 'missing "op"' : 'unknown "op"; expected add, remove, replace, move, copy or test');
  if (typeof path !== 'string') throw fail('missing "path"');
  const tokens = parsePointer(path);
  if (!tokens) throw fail('"path" is not a JSON pointer');
  const step: Step = { document, path, tokens, fail };
  switch (name) {
    case 'add':
      return add(step, toDict(requireValue(op, fail)));
    case 'remove':
      return remove(step);
    case 'replace':
      return replace(step, toDict(requireValue(op, fail)));
    case 'test':
      return test(step, requireValue(op, fail));
    default:
      return moveOrCopy(step, name === 'move', requireFrom(op, fail));
  }
}

interface Step {
  document: unknown;
  path: string;
  tokens: string[];
  fail: (reason: string) => PatchError;
}

function requireValue(op: JsonObject, fail: Step['fail']): unknown {
  // RFC 6902 §4.1: a null value is a value; only a missing member is an error.
  if (!Object.hasOwn(op, 'value')) throw fail('missing "value"');
  return own(op, 'value');
}

function requireFrom(op: JsonObject, fail: Step['fail']): { from: string; tokens: string[] } {
  const from = own(op, 'from');
  if (typeof from !== 'string') throw fail('missing "from"');
  const tokens = parsePointer(from);
  if (!tokens) throw fail('"from" is not a JSON pointer');
  return { from, tokens };
}

function add(step: Step, value: unknown): unknown {
  if (step.tokens.length === 0) return value;
  const parent = lookup(step.document, step.tokens.slice(0, -1));
  if (!parent.found) throw step.fail('path does not exist');
  if (Array.isArray(parent.value)) {
    const last = step.tokens[step.tokens.length - 1]!;
    const index = last === '-' ? parent.value.length : arrayIndex(last);
    if (index === undefined || index > parent.value.length) throw step.fail(`index ${last} is out of range for a list of ${parent.value.length}`);
  } else if (!isObject(parent.value)) {
    throw step.fail(`the parent is ${describe(parent.value)}, not an object or list`);
  }
  return mutate(step, { op: 'add', path: step.path, value });
}

function remove(step: Step): unknown {
  if (step.tokens.length === 0) throw step.fail('cannot remove the whole object');
  if (!lookup(step.document, step.tokens).found) throw step.fail('path does not exist');
  return mutate(step, { op: 'remove', path: step.path });
}

function replace(step: Step, value: unknown): unknown {
  if (!lookup(step.document, step.tokens).found) throw step.fail('path does not exist');
  if (step.tokens.length === 0) return value;
  return mutate(step, { op: 'replace', path: step.path, value });
}

function test(step: Step, expected: unknown): unknown {
  const actual = lookup(step.document, step.tokens);
  if (!actual.found) throw step.fail('path does not exist');
  if (!deepEqual(actual.value, expected)) throw step.fail('test failed: the value differs');
  return step.document;
}

function moveOrCopy(step: Step, move: boolean, source: { from: string; tokens: string[] }): unknown {
  const value = lookup(step.document, source.tokens);
  if (!value.found) throw step.fail(`"from" ${source.from} does not exist`);
  if (!move) return add(step, toDict(value.value));
  if (isProperPrefix(source.tokens, step.tokens)) throw step.fail('cannot move a value into itself');
  if (source.from === step.path) return step.document;
  // RFC 6902 §4.4: a move is a remove then an add, the target resolved after the removal.
  const removed = remove({ ...step, path: source.from, tokens: source.tokens });
  return add({ ...step, document: removed }, value.value);
}

function mutate(step: Step, operation: Operation): unknown {
  // Checked above, so the library's validation is off; prototype banning is off because the
  // document has no prototypes to reach and "__proto__" must stay an ordinary key.
  return jsonpatch.applyOperation(step.document, operation, false, true, false).newDocument;
}

function toDict(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toDict);
  if (!isObject(value)) return value;
  const dict = Object.create(null) as JsonObject;
  for (const key of Object.keys(value)) dict[key] = toDict(value[key]);
  return dict;
}

function fromDict(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromDict);
  if (!isObject(value)) return value;
  const object: JsonObject = {};
  for (const key of Object.keys(value)) setOwn(object, key, fromDict(value[key]));
  return object;
}
