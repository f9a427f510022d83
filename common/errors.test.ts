import test from 'ava';
import { errorCatalogue, SkerryError, isSkerryError } from './errors.ts';

test('every catalogue code is upper snake case and its message is one sentence-case clause', (t) => {
  for (const [code, message] of Object.entries(errorCatalogue)) {
    t.regex(code, /^[A-Z]+(_[A-Z]+)*$/, code);
    t.regex(message, /^[A-Z][a-z]/, `${code} message starts in sentence case`);
    t.false(message.endsWith('.'), `${code} message has no trailing period`);
  }
});

test('catalogue messages are distinct, so a message identifies its code', (t) => {
  const messages = Object.values(errorCatalogue);
  t.is(new Set(messages).size, messages.length);
});

test('a SkerryError carries its code, the catalogue message and the detail', (t) => {
  const error = new SkerryError('KEY_NOT_FOUND', 'key "/a" has no value', { key: '/a' });
  t.is(error.code, 'KEY_NOT_FOUND');
  t.is(error.message, 'Key was not found: key "/a" has no value');
  t.deepEqual(error.details, { key: '/a' });
  t.true(isSkerryError(error, 'KEY_NOT_FOUND'));
  t.false(isSkerryError(error, 'KEY_EXISTS'));
  t.false(isSkerryError(new Error('x')));
});
