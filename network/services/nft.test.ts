import test from 'ava';
import { nftFailure } from './nft.ts';

test('an nft failure names the namespace, the error and the script lines nft points at', (t) => {
  const script = ['add table inet skerry', 'add element inet skerry service-ips { 10.43.0.1 . tcp . 80 : goto pick-tcp-9 }', 'add rule inet skerry nope accept'];
  const stderr = [
    '/dev/stdin:2:48-77: Error: Could not process rule: No such file or directory',
    'add element inet skerry service-ips { 10.43.0.1 . tcp . 80 : goto pick-tcp-9 }',
    '                                               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
    '/dev/stdin:3:22-25: Error: No such file or directory; did you mean chain ‘services’ in table inet ‘skerry’?',
    '',
  ].join('\n');
  const error = nftFailure('netns /run/netns/x', 1, stderr, script);
  t.is(error.message, 'nft -f - in netns /run/netns/x failed (exit 1): Error: Could not process rule: No such file or directory; line 2: add element inet skerry service-ips { 10.43.0.1 . tcp . 80 : goto pick-tcp-9 }; line 3: add rule inet skerry nope accept');
  t.deepEqual(error.lines, [2, 3]);
});

test('many failing lines are cut to the first three, long lines to 160 characters', (t) => {
  const script = Array.from({ length: 6 }, (_, i) => `delete element inet skerry hairpin { ${'10.42.0.1 . 10.42.0.1, '.repeat(20)}${i} }`);
  const stderr = script.map((_, i) => `/dev/stdin:${i + 1}:1-10: Error: Could not process rule: No such file or directory`).join('\n');
  const error = nftFailure('the current netns', 1, stderr, script);
  t.regex(error.message, /; line 3: delete element inet skerry hairpin \{ [^;]{100,}…; and 3 more lines$/);
  t.is(error.lines.length, 6);
});
