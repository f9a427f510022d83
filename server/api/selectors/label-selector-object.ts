/**
 * Structured label selectors (`matchLabels` + `matchExpressions`, as in Deployment, ReplicaSet,
 * Job, DaemonSet specs) and map selectors (Service, ReplicationController), converted the way
 * metav1.LabelSelectorAsSelector and labels.SelectorFromSet do.
 */
import { SelectorError } from './errors.ts';
import { goQuote } from './go-format.ts';
import { readList, readObject, readString, readStringList, readStringMap, rejectUnknownFields } from './json-shape.ts';
import { parseLabelSelector } from './label-parser.ts';
import { matcherOf, nothingMatcher, type Matcher } from './matcher.ts';
import { newRequirement, sortByKey, type Operator, type Requirement } from './requirement.ts';

interface Expression {
  key: string;
  operator: string;
  values: string[];
}

const expressionOperators: ReadonlyMap<string, Operator> = new Map<string, Operator>([
  ['In', 'in'],
  ['NotIn', 'notin'],
  ['Exists', 'exists'],
  ['DoesNotExist', '!'],
]);

/**
 * A `LabelSelector` as a Matcher: null or absent selects nothing, `{}` selects everything.
 * `path` names the selector in shape errors (e.g. "spec.selector").
 */
export function labelSelectorFromObject(selector: unknown, path = 'selector'): Matcher {
  if (selector === undefined || selector === null) return nothingMatcher;
  const object = readObject(selector, path);
  rejectUnknownFields(object, path, ['matchLabels', 'matchExpressions']);
  const matchLabels = readStringMap(object.matchLabels, `${path}.matchLabels`);
  const expressions = readList(object.matchExpressions, `${path}.matchExpressions`).map((item, i) =>
    readExpression(item, `${path}.matchExpressions[${i}]`),
  );
  const requirements: Requirement[] = [
    ...matchLabels.map(([key, value]) => newRequirement(key, '=', [value])),
    ...expressions.map(expressionRequirement),
  ];
  return matcherOf(sortByKey(requirements));
}

/** A map selector (`spec.selector` of a Service): every pair must match; null or {} selects all. */
export function labelSelectorFromSet(set: unknown, path = 'selector'): Matcher {
  // Like labels.SelectorFromSet, the pairs are not validated: that is the object's validation's job.
  const requirements = readStringMap(set, path).map(
    ([key, value]): Requirement => ({ key, operator: '=', values: [value] }),
  );
  return matcherOf(requirements);
}

/**
 * The canonical string of a `LabelSelector` (or of a selector string): requirements sorted by key,
 * values sorted, e.g. `app=web,tier in (a,b)`. "" for null and empty selectors, which kubectl
 * shows as `<none>`. Throws SelectorError for an invalid selector.
 */
export function selectorToString(selector: unknown): string {
  if (typeof selector === 'string') return parseLabelSelector(selector).toString();
  return labelSelectorFromObject(selector).toString();
}

function readExpression(item: unknown, path: string): Expression {
  const object = readObject(item, path);
  rejectUnknownFields(object, path, ['key', 'operator', 'values']);
  return {
    key: readString(object.key, `${path}.key`),
    operator: readString(object.operator, `${path}.operator`),
    values: readStringList(object.values, `${path}.values`),
  };
}

function expressionRequirement(expression: Expression): Requirement {
  const operator = expressionOperators.get(expression.operator);
  if (operator === undefined) {
    throw new SelectorError(`${goQuote(expression.operator)} is not a valid label selector operator`);
  }
  return newRequirement(expression.key, operator, expression.values);
}
