import { badPatch } from './error.ts';
import { cloneJson, describe, isObject, own, setOwn, type JsonObject } from './json-value.ts';

/**
 * RFC 7386 JSON merge patch (`application/merge-patch+json`): objects merge key by key,
 * `null` removes a key, and anything else (lists included) replaces the old value.
 * `target` is the caller's working copy and is updated in place.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  // kube-apiserver answers 400 for a merge patch that is not an object (evanphx ErrBadJSONPatch).
  if (!isObject(patch)) throw badPatch(`a merge patch must be a JSON object, got ${describe(patch)}`);
  return mergeValue(target, patch);
}

function mergeValue(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return cloneJson(patch);
  // Merging into a fresh object is what drops nulls nested in newly added maps (RFC 7386 §2).
  const result: JsonObject = isObject(target) ? target : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) delete result[key];
    else setOwn(result, key, mergeValue(own(result, key), value));
  }
  return result;
}
