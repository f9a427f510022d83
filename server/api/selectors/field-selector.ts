/**
 * `?fieldSelector=` for a kind: parsed with fields.ParseSelector's syntax, then each field put
 * through the kind's field label conversion as kube-apiserver's list handler does, so unknown
 * fields fail with the same message.
 */
import type { KubeObject } from '../objects/types.ts';
import { SelectorError } from './errors.ts';
import { fieldsOf, type KindFields } from './field-kinds.ts';
import { escapeValue, parseFieldTerms, type FieldTerm } from './field-terms.ts';

export type FieldRequirement = FieldTerm;

export interface FieldMatcher {
  matches(object: KubeObject): boolean;
  /** True when the selector does not restrict the selection. */
  readonly empty: boolean;
  /**
   * The value an `=` requirement demands of `field` (named as the kind's field set names it,
   * e.g. `spec.nodeName` also for `spec.host`), so a caller can narrow through an index.
   */
  equals(field: string): string | undefined;
  /** The ANDed requirements, fields converted, in kube's order. */
  readonly requirements: readonly FieldRequirement[];
  /** Canonical form, values escaped: `spec.nodeName=n1,status.phase!=Running`. */
  toString(): string;
}

/** Throws SelectorError for bad syntax or a field the kind does not support. */
export function parseFieldSelector(text: string, kind: string, group?: string): FieldMatcher {
  if (typeof text !== 'string') throw new SelectorError('field selector must be a string');
  const fields = fieldsOf(kind, group);
  // All syntax errors come before any field error, as parsing precedes conversion upstream.
  const requirements = parseFieldTerms(text).map((term) => convert(term, fields));
  return fieldMatcherOf(requirements, fields);
}

function convert(term: FieldTerm, fields: KindFields): FieldRequirement {
  const field = fields.accepted.get(term.field);
  if (field === undefined) throw new SelectorError(fields.reject(term.field));
  return { ...term, field };
}

function fieldMatcherOf(requirements: readonly FieldRequirement[], fields: KindFields): FieldMatcher {
  const frozen = Object.freeze([...requirements]);
  return Object.freeze({
    matches: (object: KubeObject) => frozen.every((requirement) => requirementMatches(requirement, object, fields)),
    empty: frozen.length === 0,
    equals: (field: string) => frozen.find((r) => r.operator === '=' && r.field === field)?.value,
    requirements: frozen,
    toString: () => frozen.map((r) => `${r.field}${r.operator}${escapeValue(r.value)}`).join(','),
  });
}

function requirementMatches(requirement: FieldRequirement, object: KubeObject, fields: KindFields): boolean {
  // A field outside the kind's field set reads as "", like a Go fields.Set lookup.
  const actual = fields.readers.get(requirement.field)?.(object) ?? '';
  return requirement.operator === '=' ? actual === requirement.value : actual !== requirement.value;
}
