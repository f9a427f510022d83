// Label selectors (metav1.LabelSelector) as predicates over a label map. An empty selector
// matches everything; a selector that cannot be read is reported, never guessed at.
import type { LabelSelector } from './types.ts';

export type Labels = Record<string, string>;
export type Matcher = (labels: Labels) => boolean;

const has = (labels: Labels, key: string): boolean => Object.prototype.hasOwnProperty.call(labels, key);

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

function requirement(expr: unknown, at: string): Matcher {
  if (!expr || typeof expr !== 'object') throw new SelectorError(`${at}: is not an object`);
  const { key, operator, values = [] } = expr as { key?: unknown; operator?: unknown; values?: unknown };
  if (typeof key !== 'string' || key === '') throw new SelectorError(`${at}.key: must be a non-empty string`);
  if (!isStringList(values)) throw new SelectorError(`${at}.values: must be a list of strings`);
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) throw new SelectorError(`${at}.values: must be non-empty when operator is ${operator}`);
      return operator === 'In' ? (l) => has(l, key) && values.includes(l[key]!) : (l) => !has(l, key) || !values.includes(l[key]!);
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) throw new SelectorError(`${at}.values: must be empty when operator is ${operator}`);
      return operator === 'Exists' ? (l) => has(l, key) : (l) => !has(l, key);
    default:
      throw new SelectorError(`${at}.operator: ${JSON.stringify(operator)} is not In, NotIn, Exists or DoesNotExist`);
  }
}

export class SelectorError extends Error {}

/** The selector as a predicate; throws SelectorError naming the field under `at` when it is malformed. */
export function selectorMatcher(selector: LabelSelector | undefined | null, at: string): Matcher {
  if (selector === undefined || selector === null) return () => true;
  if (typeof selector !== 'object' || Array.isArray(selector)) throw new SelectorError(`${at}: is not an object`);
  const matchLabels = selector.matchLabels ?? {};
  if (typeof matchLabels !== 'object' || Array.isArray(matchLabels)) throw new SelectorError(`${at}.matchLabels: is not a map of strings`);
  const pairs = Object.entries(matchLabels);
  for (const [k, v] of pairs) if (typeof v !== 'string') throw new SelectorError(`${at}.matchLabels[${k}]: is not a string`);
  const exprs = selector.matchExpressions ?? [];
  if (!Array.isArray(exprs)) throw new SelectorError(`${at}.matchExpressions: is not a list`);
  const requirements = exprs.map((e, i) => requirement(e, `${at}.matchExpressions[${i}]`));
  return (labels) => pairs.every(([k, v]) => has(labels, k) && labels[k] === v) && requirements.every((r) => r(labels));
}
