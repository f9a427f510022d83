import test from 'ava';
import { selectorMatcher, SelectorError } from './selector.ts';
import type { LabelSelector } from './types.ts';

const matches = (selector: LabelSelector | undefined, labels: Record<string, string>) => selectorMatcher(selector, 'sel')(labels);

test('an absent or empty selector matches every label set', (t) => {
  t.true(matches(undefined, {}));
  t.true(matches({}, { a: 'b' }));
  t.true(matches({ matchLabels: {}, matchExpressions: [] }, {}));
});

test('matchLabels needs every pair', (t) => {
  t.true(matches({ matchLabels: { app: 'web', tier: 'fe' } }, { app: 'web', tier: 'fe', x: 'y' }));
  t.false(matches({ matchLabels: { app: 'web', tier: 'fe' } }, { app: 'web' }));
  t.false(matches({ matchLabels: { app: '' } }, {}));
  t.true(matches({ matchLabels: { app: '' } }, { app: '' }));
});

test('In, NotIn, Exists and DoesNotExist as Kubernetes reads them', (t) => {
  const inExpr = { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'qa'] }] };
  t.true(matches(inExpr, { env: 'qa' }));
  t.false(matches(inExpr, { env: 'dev' }));
  t.false(matches(inExpr, {}));
  const notIn = { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] };
  t.true(matches(notIn, { env: 'dev' }));
  t.true(matches(notIn, {}), 'NotIn matches a missing key');
  t.false(matches(notIn, { env: 'prod' }));
  t.true(matches({ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, { env: '' }));
  t.false(matches({ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, {}));
  t.true(matches({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, { other: 'x' }));
  t.false(matches({ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, { env: 'x' }));
  t.false(matches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'Exists' }] }, { app: 'web' }), 'labels AND expressions');
});

test('a malformed selector is refused naming the field', (t) => {
  const refuse = (selector: unknown, message: string) => t.throws(() => selectorMatcher(selector as LabelSelector, 'spec.podSelector'), { instanceOf: SelectorError, message });
  refuse({ matchExpressions: [{ key: 'env', operator: 'Equals', values: ['a'] }] }, 'spec.podSelector.matchExpressions[0].operator: "Equals" is not In, NotIn, Exists or DoesNotExist');
  refuse({ matchExpressions: [{ key: 'env', operator: 'In', values: [] }] }, 'spec.podSelector.matchExpressions[0].values: must be non-empty when operator is In');
  refuse({ matchExpressions: [{ key: 'env', operator: 'Exists', values: ['a'] }] }, 'spec.podSelector.matchExpressions[0].values: must be empty when operator is Exists');
  refuse({ matchExpressions: [{ operator: 'Exists' }] }, 'spec.podSelector.matchExpressions[0].key: must be a non-empty string');
  refuse({ matchLabels: { a: 1 } }, 'spec.podSelector.matchLabels[a]: is not a string');
  refuse({ matchExpressions: 'env' }, 'spec.podSelector.matchExpressions: is not a list');
  refuse('app=web', 'spec.podSelector: is not an object');
});
