import test from 'ava';
import { isDns1123Label, isDns1123Subdomain } from './index.ts';
import { configMapKeyErrors, dns1035LabelErrors, envVarNameErrors, labelValueErrors, portNameErrors, qualifiedNameErrors } from './names.ts';

test('DNS-1123 subdomains', (t) => {
  for (const good of ['a', 'nginx', 'my-app.example.com', '0', 'a'.repeat(253), '1.2.3']) t.true(isDns1123Subdomain(good), good);
  for (const bad of ['', 'A', 'my_app', '-a', 'a-', 'a..b', '.a', 'a.', 'a'.repeat(254), 'ünïcode']) t.false(isDns1123Subdomain(bad), bad);
  t.false(isDns1123Subdomain(7 as unknown as string));
});

test('DNS-1123 labels', (t) => {
  for (const good of ['a', 'web-0', '123-abc', 'a'.repeat(63)]) t.true(isDns1123Label(good), good);
  for (const bad of ['', 'a.b', 'Web', 'a'.repeat(64), '-x', 'x-']) t.false(isDns1123Label(bad), bad);
  t.false(isDns1123Label(null as unknown as string));
});

test('DNS-1035 labels must start with a letter', (t) => {
  t.deepEqual(dns1035LabelErrors('my-service'), []);
  t.deepEqual(dns1035LabelErrors('1svc'), [
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
  ]);
});

test('qualified names: optional DNS prefix, 63-character name part', (t) => {
  for (const good of ['app', 'app.kubernetes.io/name', 'example.com/MyName', 'a_b.c-d', 'A']) t.deepEqual(qualifiedNameErrors(good), [], good);
  t.deepEqual(qualifiedNameErrors('/name'), ['prefix part must be non-empty']);
  t.deepEqual(qualifiedNameErrors(`${'x'.repeat(64)}`), ['name part must be no more than 63 characters']);
  t.is(qualifiedNameErrors('Bad_Prefix/name')[0]?.startsWith('prefix part a lowercase RFC 1123 subdomain'), true);
  t.is(qualifiedNameErrors('a/b/c')[0]?.startsWith('a qualified name must consist of'), true);
  t.deepEqual(qualifiedNameErrors('-x'), [
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  ]);
});

test('label values may be empty, at most 63 characters', (t) => {
  t.deepEqual(labelValueErrors(''), []);
  t.deepEqual(labelValueErrors('v1.2_x-y'), []);
  t.deepEqual(labelValueErrors('x'.repeat(64)), ['must be no more than 63 characters']);
  t.is(labelValueErrors('has space').length, 1);
});

test('config keys, env var names and port names', (t) => {
  t.deepEqual(configMapKeyErrors('game.properties'), []);
  t.deepEqual(configMapKeyErrors('..hidden'), ["must not start with '..'"]);
  t.deepEqual(configMapKeyErrors('.'), ["must not be '.'"]);
  t.is(configMapKeyErrors('a/b').length, 1);
  t.deepEqual(envVarNameErrors('MY_ENV.NAME'), []);
  t.is(envVarNameErrors('1ABC').length, 1);
  t.deepEqual(portNameErrors('http'), []);
  t.deepEqual(portNameErrors('8080'), ['must contain at least one letter (a-z)']);
  t.deepEqual(portNameErrors('web--ui'), ['must not contain consecutive hyphens']);
  t.deepEqual(portNameErrors('a-very-long-port-name'), ['must be no more than 15 characters']);
});
