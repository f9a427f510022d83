/**
 * One label requirement, as apimachinery's labels.Requirement: construction with NewRequirement's
 * checks and messages, matching, and the canonical string form.
 */
import { aggregate, invalidValue, SelectorError } from './errors.ts';
import { goCompare } from './go-format.ts';
import { labelValueErrors, qualifiedNameErrors } from './validation.ts';

/** selection.Operator values: `!` is DoesNotExist, `gt`/`lt` the numeric comparisons. */
export type Operator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  /** As given; the string form sorts them. Empty for `exists` and `!`. */
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>> | undefined;

/** labels.NewRequirement: every problem found, aggregated into one SelectorError. */
export function newRequirement(key: string, operator: Operator, values: readonly string[]): Requirement {
  const errors = [
    ...keyErrors(key, 'key'),
    ...operatorErrors(operator, values),
    ...values.flatMap((value, i) => valueErrors(key, value, i)),
  ];
  if (errors.length > 0) throw new SelectorError(aggregate(errors));
  return { key, operator, values };
}

/** validateLabelKey: `path` is `<nil>` when the string parser checks a key on its own. */
export function keyErrors(key: string, path: string): string[] {
  const problems = qualifiedNameErrors(key);
  return problems.length === 0 ? [] : [invalidValue(path, key, problems.join('; '))];
}

function valueErrors(key: string, value: string, index: number): string[] {
  const problems = labelValueErrors(value);
  return problems.length === 0 ? [] : [invalidValue(`values[${index}][${key}]`, value, problems.join('; '))];
}

function operatorErrors(operator: Operator, values: readonly string[]): string[] {
  // Go prints the offending slice; an empty one reached here as nil.
  const shown = values.length === 0 ? null : values;
  switch (operator) {
    case 'in':
    case 'notin':
      return values.length === 0
        ? [invalidValue('values', shown, "for 'in', 'notin' operators, values set can't be empty")]
        : [];
    case '=':
    case '==':
    case '!=':
      return values.length === 1 ? [] : [invalidValue('values', shown, 'exact-match compatibility requires one single value')];
    case 'exists':
    case '!':
      return values.length === 0
        ? []
        : [invalidValue('values', shown, 'values set must be empty for exists and does not exist')];
    case 'gt':
    case 'lt':
      return numericErrors(values);
  }
}

function numericErrors(values: readonly string[]): string[] {
  const errors =
    values.length === 1
      ? []
      : [invalidValue('values', values.length === 0 ? null : values, "for 'Gt', 'Lt' operators, exactly one value is required")];
  values.forEach((value, i) => {
    if (parseInt64(value) === undefined) {
      errors.push(invalidValue(`values[${i}]`, value, "for 'Gt', 'Lt' operators, the value must be an integer"));
    }
  });
  return errors;
}

const int64Digits = /^[+-]?[0-9]+$/;
const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/** strconv.ParseInt(text, 10, 64), or undefined where Go returns an error. */
export function parseInt64(text: string): bigint | undefined {
  if (!int64Digits.test(text)) return undefined;
  // Bound the digits before BigInt so a huge numeral costs nothing: 19 digits hold every int64.
  const digits = text.replace(/^[+-]?0*/, '');
  if (digits.length > 19) return undefined;
  const value = BigInt(text);
  return value < int64Min || value > int64Max ? undefined : value;
}

/** labels.Requirement.Matches: `!=` and `notin` also match objects without the label. */
export function requirementMatches(requirement: Requirement, labels: Labels): boolean {
  const has = typeof labels === 'object' && labels !== null && Object.hasOwn(labels, requirement.key);
  const value = has ? labels[requirement.key] : undefined;
  switch (requirement.operator) {
    case 'in':
    case '=':
    case '==':
      return has && requirement.values.some((wanted) => wanted === value);
    case 'notin':
    case '!=':
      return !has || !requirement.values.some((wanted) => wanted === value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt':
      return has && typeof value === 'string' && comparesNumerically(requirement, value);
  }
}

function comparesNumerically(requirement: Requirement, value: string): boolean {
  const actual = parseInt64(value);
  const [bound, ...rest] = requirement.values;
  const limit = bound === undefined || rest.length > 0 ? undefined : parseInt64(bound);
  if (actual === undefined || limit === undefined) return false;
  return requirement.operator === 'gt' ? actual > limit : actual < limit;
}

const infix: Readonly<Record<Operator, string>> = {
  '=': '=',
  '==': '==',
  '!=': '!=',
  in: ' in ',
  notin: ' notin ',
  gt: '>',
  lt: '<',
  exists: '',
  '!': '',
};

/** labels.Requirement.String: `k=v`, `k in (a,b)` with values sorted, `k`, `!k`. */
export function requirementToString(requirement: Requirement): string {
  const { key, operator, values } = requirement;
  if (operator === 'exists') return key;
  if (operator === '!') return `!${key}`;
  const shown = values.length === 1 ? (values[0] ?? '') : [...values].sort(goCompare).join(',');
  const wrapped = operator === 'in' || operator === 'notin' ? `(${shown})` : shown;
  return `${key}${infix[operator]}${wrapped}`;
}

/** Requirements in key order, as Selector.Add sorts them (stable, like Go's small-slice sort). */
export function sortByKey(requirements: readonly Requirement[]): Requirement[] {
  return [...requirements].sort((a, b) => goCompare(a.key, b.key));
}
