import test from 'ava';
import { parseLabelSelector, SelectorError } from './index.ts';

const nameRule =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const valueRule =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function selects(selector: string, labels: Record<string, string> | undefined): boolean {
  return parseLabelSelector(selector).matches(labels);
}

function parseError(selector: string): string {
  const error = (() => {
    try {
      parseLabelSelector(selector);
    } catch (caught) {
      return caught;
    }
    return undefined;
  })();
  if (!(error instanceof SelectorError)) throw new Error(`expected a SelectorError for ${JSON.stringify(selector)}`);
  return error.message;
}

test('equality operators: =, == and != (which also selects objects without the label)', (t) => {
  const web = { app: 'web', tier: 'front' };
  t.true(selects('app=web', web));
  t.true(selects('app==web', web));
  t.false(selects('app=db', web));
  t.false(selects('app=web', { tier: 'front' }));
  t.true(selects('app!=db', web));
  t.false(selects('app!=web', web));
  t.true(selects('app!=web', { tier: 'front' }));
  t.true(selects('app!=web', undefined));
});

test('set operators: in and notin (which also selects objects without the label)', (t) => {
  t.true(selects('env in (prod,staging)', { env: 'prod' }));
  t.false(selects('env in (prod,staging)', { env: 'dev' }));
  t.false(selects('env in (prod)', {}));
  t.true(selects('env notin (prod,staging)', { env: 'dev' }));
  t.false(selects('env notin (prod,staging)', { env: 'prod' }));
  t.true(selects('env notin (prod)', {}));
  t.true(selects('env notin (prod)', undefined));
});

test('existence: key and !key', (t) => {
  t.true(selects('gpu', { gpu: '' }));
  t.false(selects('gpu', { cpu: 'x' }));
  t.false(selects('gpu', undefined));
  t.true(selects('!gpu', { cpu: 'x' }));
  t.true(selects('!gpu', undefined));
  t.false(selects('!gpu', { gpu: 'a100' }));
});

test('numeric gt and lt compare integers and never match non-numbers or absent labels', (t) => {
  t.true(selects('replicas>2', { replicas: '3' }));
  t.false(selects('replicas>2', { replicas: '2' }));
  t.true(selects('replicas<2', { replicas: '-5' }));
  t.false(selects('replicas<2', { replicas: 'two' }));
  t.false(selects('replicas>2', {}));
  t.true(selects('big>9223372036854775806', { big: '9223372036854775807' }));
  t.false(selects('big<1', { big: '9223372036854775808' }), 'outside int64 is not a number to Go');
});

test('comma means AND; requirements come out sorted by key, values sorted', (t) => {
  const selector = parseLabelSelector('tier in (b,a),app=web,!legacy,zone');
  t.is(selector.toString(), 'app=web,!legacy,tier in (a,b),zone', '"!legacy" sorts by its key');
  t.deepEqual(
    selector.requirements.map((r) => r.key),
    ['app', 'legacy', 'tier', 'zone'],
  );
  t.true(selector.matches({ app: 'web', tier: 'a', zone: 'z1' }));
  t.false(selector.matches({ app: 'web', tier: 'a' }));
  t.false(selector.matches({ app: 'web', tier: 'a', zone: 'z1', legacy: 'true' }));
});

test('whitespace (space, tab, CR, LF) is allowed around every token', (t) => {
  const selector = parseLabelSelector(' \tapp \n= web ,\r\n tier  in  ( a , b ) , ! legacy ');
  t.is(selector.toString(), 'app=web,!legacy,tier in (a,b)');
  t.is(parseLabelSelector('app = web').toString(), 'app=web');
});

test('empty and blank selectors select everything', (t) => {
  for (const text of ['', '   ', '\t\n']) {
    const selector = parseLabelSelector(text);
    t.true(selector.empty);
    t.true(selector.selectable);
    t.true(selector.matches(undefined));
    t.true(selector.matches({ any: 'thing' }));
    t.is(selector.toString(), '');
  }
});

test('empty values: "k=", "k in ()", "(,)", "(a,,b)" all include ""', (t) => {
  t.true(selects('k=', { k: '' }));
  t.false(selects('k=', { k: 'v' }));
  t.is(parseLabelSelector('k=,j=x').toString(), 'j=x,k=');
  t.is(parseLabelSelector('k in ()').toString(), 'k in ()');
  t.is(parseLabelSelector('k in (,)').toString(), 'k in ()');
  t.is(parseLabelSelector('x in (foo,,baz),y,z notin ()').toString(), 'x in (,baz,foo),y,z notin ()');
  t.true(selects('k in (a,)', { k: '' }));
});

test('"in" and "notin" are ordinary words as keys and values', (t) => {
  t.is(parseLabelSelector('in=notin').toString(), 'in=notin');
  t.true(selects('x in (in,notin)', { x: 'notin' }));
  t.true(selects('notin', { notin: '' }));
});

test('prefixed keys: DNS subdomain prefix and a name', (t) => {
  t.true(selects('app.kubernetes.io/name=web', { 'app.kubernetes.io/name': 'web' }));
  t.true(selects('example.com/My_Key.2 in (X)', { 'example.com/My_Key.2': 'X' }));
});

test('requiresExactMatch gives the value of =, == and one-value in', (t) => {
  const selector = parseLabelSelector('a=1,b==2,c in (3),d in (4,5),e!=6,f');
  t.is(selector.requiresExactMatch('a'), '1');
  t.is(selector.requiresExactMatch('b'), '2');
  t.is(selector.requiresExactMatch('c'), '3');
  t.is(selector.requiresExactMatch('d'), undefined);
  t.is(selector.requiresExactMatch('e'), undefined);
  t.is(selector.requiresExactMatch('f'), undefined);
  t.is(selector.requiresExactMatch('zzz'), undefined);
});

test('labels are looked up as own properties only', (t) => {
  t.false(selects('constructor', {}));
  t.false(selects('toString=x', {}));
  t.true(selects('!hasOwnProperty', {}));
  t.true(selects('constructor=x', JSON.parse('{"constructor":"x"}') as Record<string, string>));
  t.false(selects('a=1', JSON.parse('{"__proto__":{"a":"1"}}') as Record<string, string>));
});

test('syntax errors read as kube-apiserver words them', (t) => {
  const cases: [string, string][] = [
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a,', "found '', expected: identifier after ','"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['a=b,,c', "found ',', expected: identifier after ','"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['a=b=c', "found '=', expected: ',' or 'end of string'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!!a', "unable to parse requirement: found '!', expected: identifier"],
    ['a=(', "unable to parse requirement: found '(', expected: identifier"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a in', "unable to parse requirement: found '' expected: '('"],
    ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['a in (b c)', "unable to parse requirement: found 'c', expected: ',' or ')'"],
    ['a in (b,', "unable to parse requirement: found '', expected: ',', or identifier"],
    ['a in (b,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['a (b)', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=!b', "unable to parse requirement: found '!', expected: identifier"],
    ['a!==b', "unable to parse requirement: found '=', expected: identifier"],
    ['a<>1', "unable to parse requirement: found '>', expected: identifier"],
    ['a === b', "unable to parse requirement: found '=', expected: identifier"],
  ];
  for (const [selector, message] of cases) t.is(parseError(selector), message, selector);
});

test('key errors carry the parser\'s nil field path and the validation rules', (t) => {
  t.is(
    parseError('app:monolith'),
    `unable to parse requirement: <nil>: Invalid value: "app:monolith": ${nameRule}`,
  );
  t.is(parseError('*bar'), `unable to parse requirement: <nil>: Invalid value: "*bar": ${nameRule}`);
  t.is(
    parseError('a/b/c ?=? def'),
    `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name ${nameRule.slice('name part '.length)} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
  );
  t.regex(parseError('Example.com/x'), /^unable to parse requirement: <nil>: Invalid value: "Example.com\/x": prefix part a lowercase RFC 1123 subdomain must consist of/);
  t.is(parseError('/x'), 'unable to parse requirement: <nil>: Invalid value: "/x": prefix part must be non-empty');
  t.is(parseError(`${'k'.repeat(64)}=v`), `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`);
  t.is(parseError('!-x'), `unable to parse requirement: <nil>: Invalid value: "-x": ${nameRule}`);
});

test('value errors name values[i][key]; several are aggregated', (t) => {
  t.is(parseError('k=-v'), `unable to parse requirement: values[0][k]: Invalid value: "-v": ${valueRule}`);
  t.is(
    parseError(`k=${'v'.repeat(64)}`),
    `unable to parse requirement: values[0][k]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
  );
  t.is(
    parseError('k in (ok,_b,a.)'),
    `unable to parse requirement: [values[0][k]: Invalid value: "_b": ${valueRule}, values[1][k]: Invalid value: "a.": ${valueRule}]`,
    'values are validated in sorted order',
  );
  t.is(parseError('k>x'), `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`);
  t.is(parseError('k>-1'), `unable to parse requirement: values[0][k]: Invalid value: "-1": ${valueRule}`);
  t.is(parseError('k<'), `unable to parse requirement: values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`);
});

test('values are quoted the way Go quotes them', (t) => {
  t.is(parseError('k=a\tb'), "found 'b', expected: ',' or 'end of string'");
  t.is(parseError('k="x"'), `unable to parse requirement: values[0][k]: Invalid value: "\\"x\\"": ${valueRule}`);
  t.is(parseError('k=é'), `unable to parse requirement: values[0][k]: Invalid value: "é": ${valueRule}`);
  t.is(parseError('k=\u0007'), `unable to parse requirement: values[0][k]: Invalid value: "\\a": ${valueRule}`);
  t.is(parseError('k=\u0001'), `unable to parse requirement: values[0][k]: Invalid value: "\\x01": ${valueRule}`);
  t.is(parseError('k=\u00a0'), `unable to parse requirement: values[0][k]: Invalid value: "\\u00a0": ${valueRule}`);
});

test('a NUL reads like the end of the input, as in Go\'s lexer', (t) => {
  t.is(parseLabelSelector('a=b \u0000,c').toString(), 'a=b', 'scanning stops at a NUL where a token starts');
  t.is(parseError('a=b,\u0000,c'), "found ',', expected: identifier after ','", 'a NUL right after an operator is swallowed');
  t.is(parseError('a\u0000b'), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
});

test('anything but a string is refused with a SelectorError', (t) => {
  t.throws(() => parseLabelSelector(['a=b'] as unknown as string), { instanceOf: SelectorError });
});
