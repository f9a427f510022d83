import {
  child,
  forbidden,
  IMMUTABLE,
  index,
  invalid,
  nonNegative,
  requireField,
  tooLong,
  type Causes,
} from './errors.ts';
import { go, goStringSlice, type BadValue } from './gofmt.ts';
import { asObj, eachObject, fields, type Fields } from './json.ts';
import { validateLabels } from './labels.ts';
import { dns1123LabelErrors, NAME_RULES, qualifiedNameErrors, type NameRule } from './names.ts';

/** ObjectMeta checks shared by every kind (apimachinery's ValidateObjectMeta and its update twin). */

export interface MetaRules {
  /** Whether the kind lives in a namespace; undefined skips the check (kinds this module does not know). */
  namespaced: boolean | undefined;
  /** How the kind's names are checked; `none` keeps only the presence check (legacy core Events). */
  name: NameRule | 'none';
}

const ANNOTATIONS_LIMIT = 256 * 1024;
// Finalizers Kubernetes itself uses without a domain prefix.
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateAnnotations(errs: Causes, annotations: Record<string, string> | undefined, at: string): void {
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    // Annotation keys are label keys in which case does not matter.
    for (const msg of qualifiedNameErrors(k.toLowerCase())) errs.push(invalid(at, k, msg));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > ANNOTATIONS_LIMIT) errs.push(tooLong(at, ANNOTATIONS_LIMIT));
}

function validateOwnerReferences(errs: Causes, m: Fields): void {
  const at = m.path('ownerReferences');
  let controller = '';
  eachObject(errs, m.array('ownerReferences'), at, (ref) => {
    const apiVersion = ref.str('apiVersion') ?? '';
    const kind = ref.str('kind') ?? '';
    const name = ref.str('name') ?? '';
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    // Kubernetes reports these at the list's path, not the element's.
    if (!version) errs.push(invalid(child(at, 'apiVersion'), apiVersion, 'version must not be empty'));
    if (!kind) errs.push(invalid(child(at, 'kind'), kind, 'must not be empty'));
    if (!name) errs.push(invalid(child(at, 'name'), name, 'must not be empty'));
    if (!(ref.str('uid') ?? '')) errs.push(invalid(child(at, 'uid'), '', 'must not be empty'));
    if (apiVersion === 'v1' && kind === 'Event') errs.push(invalid(at, go('v1.OwnerReference{...}'), '/v1, Kind=Event is disallowed from being an owner'));
    if (ref.bool('controller') === true) {
      const current = `${kind}/${name}`;
      if (controller) {
        errs.push(
          invalid(at, go('[]v1.OwnerReference{...}'), `Only one reference can have Controller set to true. Found "true" in references for ${controller} and ${current}`),
        );
      } else controller = current;
    }
  });
}

function validateFinalizers(errs: Causes, finalizers: string[] | undefined, at: string): void {
  if (!finalizers) return;
  finalizers.forEach((f, i) => {
    for (const msg of qualifiedNameErrors(f)) errs.push(invalid(at, f, msg));
    if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      errs.push(invalid(index(at, i), f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    errs.push(invalid(at, go(goStringSlice(finalizers)), 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
}

/** The ObjectMeta rules beyond name and namespace; updates re-run them through the create check. */
function validateCommon(errs: Causes, m: Fields): void {
  nonNegative(errs, m.int('generation', 64), m.path('generation'));
  validateLabels(errs, m.stringMap('labels'), m.path('labels'));
  validateAnnotations(errs, m.stringMap('annotations'), m.path('annotations'));
  validateOwnerReferences(errs, m);
  validateFinalizers(errs, m.strings('finalizers'), m.path('finalizers'));
}

/** NameIsDNSSubdomain and friends accept a trailing dash in a generateName prefix. */
function nameErrors(rule: NameRule, name: string, prefix: boolean): string[] {
  const candidate = prefix && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
  return NAME_RULES[rule](candidate);
}

export function validateObjectMeta(errs: Causes, metadata: unknown, rules: MetaRules, at = 'metadata'): void {
  const m = fields(errs, asObj(errs, metadata, at), at);
  if (!m.obj) {
    if (metadata === undefined || metadata === null) requireField(errs, m.path('name'), 'name or generateName is required');
    return;
  }
  const generateName = m.str('generateName');
  if (generateName && rules.name !== 'none') {
    for (const msg of nameErrors(rules.name, generateName, true)) errs.push(invalid(m.path('generateName'), generateName, msg));
  }
  const name = m.str('name');
  if (!name) requireField(errs, m.path('name'), 'name or generateName is required');
  else if (rules.name !== 'none') for (const msg of nameErrors(rules.name, name, false)) errs.push(invalid(m.path('name'), name, msg));
  const namespace = m.str('namespace');
  if (rules.namespaced) {
    if (!namespace) requireField(errs, m.path('namespace'));
    else for (const msg of dns1123LabelErrors(namespace)) errs.push(invalid(m.path('namespace'), namespace, msg));
  } else if (rules.namespaced === false && namespace) {
    errs.push(forbidden(m.path('namespace'), 'not allowed on this type'));
  }
  validateCommon(errs, m);
}

const IMMUTABLE_META = ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/** Only what an update adds; the new object's metadata is validated as on create as well. */
export function validateObjectMetaUpdate(errs: Causes, metadata: unknown, oldMetadata: unknown, at = 'metadata'): void {
  const m = fields(errs, asObj(errs, metadata, at), at);
  const old = fields([], asObj([], oldMetadata, at), at);
  if (!m.obj) return;
  for (const name of IMMUTABLE_META) {
    const next = m.raw(name) ?? '';
    const prev = old.raw(name) ?? '';
    if (next !== prev) errs.push(invalid(m.path(name), printable(next), IMMUTABLE));
  }
  const generation = m.int('generation', 64);
  const oldGeneration = old.int('generation', 64);
  if (generation !== undefined && oldGeneration !== undefined && generation < oldGeneration) {
    errs.push(invalid(m.path('generation'), generation, 'must not be decremented'));
  }
  if (old.has('deletionTimestamp')) {
    const before = new Set(old.strings('finalizers') ?? []);
    const added = [...new Set(m.strings('finalizers') ?? [])].filter((f) => !before.has(f)).sort();
    if (added.length) {
      errs.push(forbidden(m.path('finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added)}`));
    }
  }
}

function printable(v: unknown): BadValue {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return v === undefined || v === null ? null : go(JSON.stringify(v));
}
