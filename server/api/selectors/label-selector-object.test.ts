import test from 'ava';
import { labelSelectorFromObject, labelSelectorFromSet, selectorToString, SelectorError } from './index.ts';

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof SelectorError) return error.message;
    throw error;
  }
  throw new Error('expected a SelectorError');
}

test('null or absent selects nothing; {} and empty lists select everything', (t) => {
  for (const nothing of [null, undefined]) {
    const selector = labelSelectorFromObject(nothing);
    t.false(selector.matches({ app: 'web' }));
    t.false(selector.matches(undefined));
    t.false(selector.empty);
    t.false(selector.selectable);
    t.is(selector.toString(), '');
  }
  for (const everything of [{}, { matchLabels: {} }, { matchLabels: null, matchExpressions: [] }]) {
    const selector = labelSelectorFromObject(everything);
    t.true(selector.matches({ app: 'web' }));
    t.true(selector.matches(undefined));
    t.true(selector.empty);
    t.true(selector.selectable);
  }
});

test('matchLabels and matchExpressions are ANDed', (t) => {
  const selector = labelSelectorFromObject({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['front', 'edge'] },
      { key: 'env', operator: 'NotIn', values: ['test'] },
      { key: 'gpu', operator: 'Exists' },
      { key: 'legacy', operator: 'DoesNotExist', values: null },
    ],
  });
  t.true(selector.matches({ app: 'web', tier: 'edge', gpu: '' }));
  t.true(selector.matches({ app: 'web', tier: 'front', gpu: 'a', env: 'prod' }));
  t.false(selector.matches({ app: 'web', tier: 'edge', gpu: '', env: 'test' }));
  t.false(selector.matches({ app: 'web', tier: 'edge' }));
  t.false(selector.matches({ app: 'web', tier: 'edge', gpu: '', legacy: 'yes' }));
  t.false(selector.matches({ app: 'db', tier: 'edge', gpu: '' }));
  t.is(selector.requiresExactMatch('app'), 'web');
});

test('selectorToString sorts requirements by key and values within sets', (t) => {
  t.is(
    selectorToString({
      matchLabels: { tier: 'x', app: 'web' },
      matchExpressions: [
        { key: 'zone', operator: 'NotIn', values: ['b', 'a'] },
        { key: 'role', operator: 'In', values: ['db', 'cache', 'api'] },
        { key: 'gpu', operator: 'Exists' },
        { key: 'beta', operator: 'DoesNotExist' },
      ],
    }),
    'app=web,!beta,gpu,role in (api,cache,db),tier=x,zone notin (a,b)',
  );
  t.is(selectorToString({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['only'] }] }), 'tier in (only)');
  t.is(selectorToString({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'app', operator: 'Exists' }] }), 'app=web,app');
  t.is(selectorToString(null), '');
  t.is(selectorToString({}), '');
});

test('selectorToString canonicalises selector strings too', (t) => {
  t.is(selectorToString(' tier in (b, a) , app = web '), 'app=web,tier in (a,b)');
  t.throws(() => selectorToString('a b'), { instanceOf: SelectorError });
});

test('requirement errors are worded as LabelSelectorAsSelector words them', (t) => {
  t.is(
    failure(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In' }] })),
    "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
  );
  t.is(
    failure(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] })),
    "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
  );
  t.is(
    failure(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x', 'y'] }] })),
    'values: Invalid value: ["x","y"]: values set must be empty for exists and does not exist',
  );
  t.regex(
    failure(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist', values: ['<y>'] }] })),
    /^\[values: Invalid value: \["\\u003cy\\u003e"\]: values set must be empty .*, values\[0\]\[a\]: Invalid value: "<y>": a valid label/,
    'Go escapes <, > and & in JSON; each value is validated too',
  );
  t.is(
    failure(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] })),
    '"in" is not a valid label selector operator',
  );
  t.is(failure(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a' }] })), '"" is not a valid label selector operator');
  t.regex(failure(() => labelSelectorFromObject({ matchLabels: { 'bad key': 'v' } })), /^key: Invalid value: "bad key": name part must consist of/);
  t.regex(failure(() => labelSelectorFromObject({ matchLabels: { k: 'bad value' } })), /^values\[0\]\[k\]: Invalid value: "bad value": a valid label must be/);
  t.regex(
    failure(() => labelSelectorFromObject({ matchExpressions: [{ key: '', operator: 'Exists' }] })),
    /^key: Invalid value: "": name part must be non-empty; name part must consist of/,
  );
  t.regex(
    failure(() => labelSelectorFromObject({ matchExpressions: [{ key: '-k', operator: 'In', values: ['ok', '-v'] }] })),
    /^\[key: Invalid value: "-k": .*, values\[1\]\[-k\]: Invalid value: "-v": .*\]$/,
  );
});

test('a badly shaped selector is an error naming the field', (t) => {
  const cases: [unknown, string][] = [
    ['app=web', 'selector: Invalid value: "string": must be of type object'],
    [[{ matchLabels: {} }], 'selector: Invalid value: "array": must be of type object'],
    [new Date(0), 'selector: Invalid value: "object": must be of type object'],
    [{ matchLabels: ['a'] }, 'selector.matchLabels: Invalid value: "array": must be of type object'],
    [{ matchLabels: { app: 1 } }, 'selector.matchLabels[app]: Invalid value: "number": must be of type string'],
    [{ matchExpressions: {} }, 'selector.matchExpressions: Invalid value: "object": must be of type array'],
    [{ matchExpressions: [null] }, 'selector.matchExpressions[0]: Invalid value: "null": must be of type object'],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: 'x' }] }, 'selector.matchExpressions[0].values: Invalid value: "string": must be of type array'],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['x', 2] }] }, 'selector.matchExpressions[0].values[1]: Invalid value: "number": must be of type string'],
    [{ matchExpressions: [{ key: true, operator: 'Exists' }] }, 'selector.matchExpressions[0].key: Invalid value: "boolean": must be of type string'],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', value: 'x' }] }, 'unknown field "selector.matchExpressions[0].value"'],
    [{ app: 'web' }, 'unknown field "selector.app"'],
  ];
  for (const [selector, message] of cases) t.is(failure(() => labelSelectorFromObject(selector)), message, JSON.stringify(selector));
  t.is(
    failure(() => labelSelectorFromObject({ matchLabels: 'x' }, 'spec.selector')),
    'spec.selector.matchLabels: Invalid value: "string": must be of type object',
    'the caller names the selector',
  );
});

test('nulls inside a selector read as Go zero values', (t) => {
  t.true(labelSelectorFromObject({ matchLabels: { app: null } }).matches({ app: '' }));
  t.true(labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [null] }] }).matches({ a: '' }));
});

test('map selectors (Service spec.selector) match every pair; null and {} select all', (t) => {
  const selector = labelSelectorFromSet({ tier: 'front', app: 'web' });
  t.is(selector.toString(), 'app=web,tier=front');
  t.true(selector.matches({ app: 'web', tier: 'front', extra: 'x' }));
  t.false(selector.matches({ app: 'web' }));
  t.is(selector.requiresExactMatch('tier'), 'front');
  for (const all of [null, undefined, {}]) t.true(labelSelectorFromSet(all).empty);
  t.is(failure(() => labelSelectorFromSet({ app: 3 }, 'spec.selector')), 'spec.selector[app]: Invalid value: "number": must be of type string');
});
