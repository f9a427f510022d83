import type { KubeObject, StatusCause } from '../objects/types.ts';
import { internal, typeInvalid, type Causes } from './errors.ts';
import { cloneJson, isObj, jsonType, type Obj } from './json.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { KINDS, type KindRules } from './registry.ts';

/**
 * Kubernetes' defaulting and validation for every kind skerry serves, producing the same field
 * paths, reasons and messages kube-apiserver does. Every entry point accepts arbitrary JSON and
 * reports problems as causes instead of throwing.
 */

export { parseQuantity, quantityFromJson, quantityString, type Quantity } from './quantity.ts';
export { isDns1123Label, isDns1123Subdomain } from './names.ts';
export { carryOverServiceAllocations } from './service.ts';

/** Kinds this module does not know still get ObjectMeta checks. */
const UNKNOWN: KindRules = { validate: (errs, o) => validateObjectMeta(errs, o.metadata, { namespaced: undefined, name: 'subdomain' }) };

const rulesFor = (kind: string): KindRules => (Object.prototype.hasOwnProperty.call(KINDS, kind) ? KINDS[kind] : undefined) ?? UNKNOWN;

/** A bug here must surface as a 422 cause rather than a 500 or a crashed request. */
function guarded(run: (errs: Causes) => void): StatusCause[] {
  const errs: Causes = [];
  try {
    run(errs);
  } catch (error) {
    errs.push(internal('', `validation failed: ${error instanceof Error ? error.message : String(error)}`));
  }
  return errs;
}

/** Returns a new object with Kubernetes' defaults filled in; the input is not modified. */
export function applyDefaults(kind: string, object: KubeObject): KubeObject {
  const copy = cloneJson(object);
  if (!isObj(copy)) return copy;
  try {
    rulesFor(kind).defaults?.(copy);
    return copy;
  } catch {
    // Defaulting is best effort: validation will report whatever made it fail.
    return cloneJson(object);
  }
}

function asObject(errs: Causes, object: unknown): Obj | undefined {
  if (isObj(object)) return object;
  errs.push(typeInvalid('', jsonType(object), 'object'));
  return undefined;
}

export interface ValidateOptions {
  /** The caller already applied the defaults (the store does): skip the second copy and pass. */
  defaulted?: boolean;
}

const defaultedOf = (kind: string, object: KubeObject, options: ValidateOptions) => (options.defaulted ? object : applyDefaults(kind, object));

/** Validates as kube-apiserver does on create, after defaulting (as the apiserver decodes with defaults). */
export function validateCreate(kind: string, object: KubeObject, options: ValidateOptions = {}): StatusCause[] {
  return guarded((errs) => {
    const o = asObject(errs, object);
    if (o) rulesFor(kind).validate(errs, defaultedOf(kind, o as KubeObject, options));
  });
}

/** Validates an update of `old` to `object`, including the fields Kubernetes keeps immutable. */
export function validateUpdate(kind: string, object: KubeObject, old: KubeObject, options: ValidateOptions = {}): StatusCause[] {
  return guarded((errs) => {
    const o = asObject(errs, object);
    if (!o) return;
    const rules = rulesFor(kind);
    const next = defaultedOf(kind, o as KubeObject, options);
    const prev = isObj(old) ? defaultedOf(kind, old, options) : undefined;
    if (prev) validateObjectMetaUpdate(errs, next.metadata, prev.metadata);
    rules.validate(errs, next);
    if (prev) rules.validateUpdate?.(errs, next, prev);
  });
}
