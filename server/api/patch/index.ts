// The public face of PATCH: the three patch content types kube-apiserver accepts, as pure functions.
import type { KubeObject } from '../objects/types.ts';
import { PatchError, type PatchErrorCode } from './error.ts';
import { applyJsonPatch } from './json-patch.ts';
import { checkJson, cloneJson } from './json-value.ts';
import { toKubeObject } from './kube-object.ts';
import { applyMergePatch } from './merge-patch.ts';
import { schemaFor } from './schema.ts';
import { applyStrategicPatch } from './strategic.ts';

export { PatchError, type PatchErrorCode };
export { fieldPatch, type FieldPatch } from './schema.ts';

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

const MEDIA_TYPES: ReadonlyMap<string, PatchType> = new Map([
  ['application/merge-patch+json', 'merge'],
  ['application/json-patch+json', 'json'],
  ['application/strategic-merge-patch+json', 'strategic'],
  ['application/apply-patch+yaml', 'apply'],
]);

/** The patch type of a Content-Type header, parameters such as "; charset=utf-8" ignored. */
export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  if (contentType === undefined) return undefined;
  return MEDIA_TYPES.get(contentType.split(';')[0]!.trim().toLowerCase());
}

const PATCHERS: Readonly<Record<Exclude<PatchType, 'apply'>, (target: unknown, patch: unknown, kind: string) => unknown>> = {
  merge: (target, patch) => applyMergePatch(target, patch),
  json: (target, patch) => applyJsonPatch(target, patch),
  strategic: (target, patch, kind) => applyStrategicPatch(target, patch, schemaFor(kind)!),
};

/**
 * The object `original` becomes under `patch`, as a new object: neither input is changed.
 * Throws only PatchError: 400 for a patch body of the wrong shape, 415 for a strategic merge
 * patch on a kind outside the catalog (kube-apiserver serves custom resources only merge and
 * json patches), 422 for a patch that does not apply to this object.
 */
export function applyPatch(type: Exclude<PatchType, 'apply'>, original: KubeObject, patch: unknown, kind: string): KubeObject {
  const patcher = Object.hasOwn(PATCHERS, type) ? PATCHERS[type] : undefined;
  if (!patcher) throw new PatchError(415, `patch type ${JSON.stringify(String(type))} is not supported; use application/merge-patch+json, application/json-patch+json or application/strategic-merge-patch+json`);
  if (type === 'strategic' && !schemaFor(kind)) {
    throw new PatchError(415, `strategic merge patch is not supported for kind ${JSON.stringify(kind)}; use application/merge-patch+json or application/json-patch+json`);
  }
  try {
    checkJson(patch, 'the patch');
    return toKubeObject(patcher(cloneJson(original), patch, kind), original);
  } catch (error) {
    throw asPatchError(error);
  }
}

function asPatchError(error: unknown): PatchError {
  if (error instanceof PatchError) return error;
  // The caller bounds nesting; this is the backstop should a body still exhaust the stack.
  if (error instanceof RangeError) return new PatchError(400, 'the patch is nested too deeply to apply');
  return new PatchError(422, `the patch could not be applied: ${error instanceof Error ? error.message : String(error)}`);
}
