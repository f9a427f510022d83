import { child, index, invalid, required, forbidden, type Causes } from './errors.ts';
import { go, goLabelSelector, type GoLiteral } from './gofmt.ts';
import { asObj, eachObject, fields, type Obj } from './json.ts';
import { labelValueErrors, qualifiedNameErrors } from './names.ts';

/** Labels, annotations' keys and label selectors, as meta/v1 validation checks them. */

export function validateLabelName(errs: Causes, name: string, at: string): void {
  for (const msg of qualifiedNameErrors(name)) errs.push(invalid(at, name, msg));
}

export function validateLabels(errs: Causes, labels: Record<string, string> | undefined, at: string): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    validateLabelName(errs, k, at);
    for (const msg of labelValueErrors(v)) errs.push(invalid(at, v, msg));
  }
}

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

export interface Selector {
  matchLabels: Record<string, string>;
  matchExpressions: Array<{ key: string; operator: string; values: string[] }>;
  /** The selector as given, for messages that print it. */
  raw: Obj;
}

/** Validates and reads a metav1.LabelSelector; `valid` is false where Kubernetes could not build a selector from it. */
export function readLabelSelector(errs: Causes, value: unknown, at: string): { selector?: Selector; valid: boolean } {
  const before = errs.length;
  const o = asObj(errs, value, at);
  if (!o) return { valid: errs.length === before };
  const f = fields(errs, o, at);
  const matchLabels = f.stringMap('matchLabels') ?? {};
  validateLabels(errs, matchLabels, f.path('matchLabels'));
  const matchExpressions: Selector['matchExpressions'] = [];
  eachObject(errs, f.array('matchExpressions'), f.path('matchExpressions'), (e) => {
    const expr = { key: e.str('key') ?? '', operator: e.str('operator') ?? '', values: e.strings('values') ?? [] };
    validateRequirement(errs, expr, e.at);
    matchExpressions.push(expr);
  });
  return { selector: { matchLabels, matchExpressions, raw: o }, valid: errs.length === before };
}

function validateRequirement(errs: Causes, expr: { key: string; operator: string; values: string[] }, at: string): void {
  const valuesPath = child(at, 'values');
  if (expr.operator === 'In' || expr.operator === 'NotIn') {
    if (expr.values.length === 0) errs.push(required(valuesPath, "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (expr.operator === 'Exists' || expr.operator === 'DoesNotExist') {
    if (expr.values.length > 0) errs.push(forbidden(valuesPath, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else {
    errs.push(invalid(child(at, 'operator'), expr.operator, 'not a valid selector operator'));
  }
  validateLabelName(errs, expr.key, child(at, 'key'));
  expr.values.forEach((v, i) => {
    for (const msg of labelValueErrors(v)) errs.push(invalid(index(valuesPath, i), v, msg));
  });
}

export function isEmptySelector(sel: Selector | undefined): boolean {
  return !sel || (Object.keys(sel.matchLabels).length === 0 && sel.matchExpressions.length === 0);
}

export function selectorMatches(sel: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  return sel.matchExpressions.every((e) => {
    if (!OPERATORS.includes(e.operator)) return false;
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        return has && e.values.includes(value ?? '');
      case 'NotIn':
        return !has || !e.values.includes(value ?? '');
      case 'Exists':
        return has;
      default:
        return !has;
    }
  });
}

/** The selector as `%#v` prints a *metav1.LabelSelector; absent lists print as nil. */
export function selectorLiteral(sel: Selector | undefined): GoLiteral {
  if (!sel) return go('null');
  return go(
    goLabelSelector({
      matchLabels: asObj([], sel.raw.matchLabels, '') ? sel.matchLabels : undefined,
      matchExpressions: Array.isArray(sel.raw.matchExpressions) ? sel.matchExpressions : undefined,
    }),
  );
}
