import test from 'ava';
import { dns1123SubdomainErrors, labelValueErrors, qualifiedNameErrors } from './validation.ts';

test('valid label keys', (t) => {
  for (const key of ['a', 'A', '1', 'app', 'My_Key-1.x', 'k'.repeat(63), 'example.com/a', 'a.b-c.d/Name', `${'p'.repeat(253)}/n`]) {
    t.deepEqual(qualifiedNameErrors(key), [], key);
  }
});

test('invalid label keys and their messages', (t) => {
  t.deepEqual(qualifiedNameErrors('k'.repeat(64)), ['name part must be no more than 63 characters']);
  t.is(qualifiedNameErrors('').length, 2, 'empty: non-empty and pattern');
  t.is(qualifiedNameErrors('')[0], 'name part must be non-empty');
  for (const key of ['-a', 'a-', '_a', 'a.', 'a b', 'a:b', 'é', 'a*']) {
    t.is(qualifiedNameErrors(key).length, 1, key);
    t.true(qualifiedNameErrors(key)[0]?.startsWith('name part must consist of alphanumeric characters'), key);
  }
  t.deepEqual(qualifiedNameErrors('/a'), ['prefix part must be non-empty']);
  t.true(qualifiedNameErrors('a/b/c')[0]?.startsWith('a qualified name must consist of'));
  t.true(qualifiedNameErrors('Upper.com/a')[0]?.startsWith('prefix part a lowercase RFC 1123 subdomain'));
  t.deepEqual(qualifiedNameErrors(`${'p'.repeat(254)}/n`), ['prefix part must be no more than 253 characters']);
  t.is(qualifiedNameErrors('a/').length, 2);
});

test('label values: empty is valid, 63 characters at most, alphanumeric at both ends', (t) => {
  for (const value of ['', 'a', 'v1.2_3-x', 'v'.repeat(63)]) t.deepEqual(labelValueErrors(value), [], value);
  t.deepEqual(labelValueErrors('v'.repeat(64)), ['must be no more than 63 characters']);
  t.is(labelValueErrors(`-${'v'.repeat(64)}`).length, 2);
  for (const value of ['-a', 'a_', '.', 'a/b', 'a b']) t.is(labelValueErrors(value).length, 1, value);
  t.deepEqual(labelValueErrors('é'.repeat(32)).length, 2, 'length counts UTF-8 bytes, as Go does');
});

test('DNS subdomains', (t) => {
  for (const value of ['a', 'a.b', 'a-b.c-d', '0.1']) t.deepEqual(dns1123SubdomainErrors(value), [], value);
  for (const value of ['', '.', 'a.', '.a', 'a..b', '-a', 'a-', 'A', 'a_b']) t.is(dns1123SubdomainErrors(value).length, 1, value);
});
