// The Dockerfile reader on its own: lines, continuations, directives, words and $VARs as
// Docker reads them.
import test from 'ava';
import { isSkerryError } from '../common/index.ts';
import { parseBuildFile } from '../edge-agent/images/build/index.ts';
import { expandWord, keyValues, splitWords } from '../edge-agent/images/build/words.ts';

test('instructions keep the line they start on; continuations, comments and blank lines are handled', (t) => {
  const file = parseBuildFile('\uFEFF# top comment\nfrom scratch\n\nCOPY a \\\n  # dropped comment\n\n  b /x/\r\nenv A=1\n', 'Dockerfile');
  t.deepEqual(file.instructions, [
    { keyword: 'FROM', args: 'scratch', line: 2 },
    { keyword: 'COPY', args: 'a   b /x/', line: 4 },
    { keyword: 'ENV', args: 'A=1', line: 8 },
  ]);
  t.is(file.escape, '\\');
});

test('the escape directive switches the continuation character; a bad one is refused', (t) => {
  const file = parseBuildFile('# escape=`\nFROM scratch\nCOPY a `\n b c:\\dir\\\n', 'Dockerfile');
  t.is(file.escape, '`');
  t.deepEqual(file.instructions[1], { keyword: 'COPY', args: 'a  b c:\\dir\\', line: 3 });
  const error = t.throws(() => parseBuildFile('# escape=x\nFROM scratch\n', 'Dockerfile'));
  t.true(isSkerryError(error, 'BUILD_INVALID'));
  t.regex(error!.message, /Dockerfile:1: escape directive/);
});

test('words split on unquoted whitespace; quotes and escapes are removed; variables expand', (t) => {
  const env = new Map([['HOME', '/root'], ['EMPTY', ''], ['NAME', 'a b']]);
  t.deepEqual(splitWords(`one "two three" 'four  five' six\\ seven`), ['one', '"two three"', "'four  five'", 'six\\ seven']);
  t.is(expandWord('"$HOME/x"', env), '/root/x');
  t.is(expandWord("'$HOME'", env), '$HOME');
  t.is(expandWord('\\$HOME', env), '$HOME');
  t.is(expandWord('${HOME}s', env), '/roots');
  t.is(expandWord('${MISSING:-fallback}-${EMPTY:-e}-${EMPTY-x}', env), 'fallback-e-');
  t.is(expandWord('${HOME:+set}${MISSING:+no}', env), 'set');
  t.is(expandWord('"a\\"b\\c"', env), 'a"b\\c');
  t.is(expandWord('$NAME', env), 'a b');
  t.deepEqual(keyValues('A=1 B="x y" C=$HOME D=', env), [['A', '1'], ['B', 'x y'], ['C', '/root'], ['D', '']]);
  for (const bad of ['"open', '${', '${HOME%%x}']) {
    t.true(isSkerryError(t.throws(() => expandWord(splitWords(bad).join(' '), env)), 'BUILD_INVALID'), bad);
  }
  t.true(isSkerryError(t.throws(() => keyValues('novalue', env)), 'BUILD_INVALID'));
});
