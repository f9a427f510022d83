import test from 'ava';
import { ApiError } from '../errors.ts';
import type { KubeObject } from '../objects/index.ts';
import { clientFrame, execOptionsOf } from './exec.ts';
import { refusedEarlier, rememberRefusal } from './exec-refusals.ts';
import { logOptionsOf } from './log.ts';
import { podContainer } from './pod-target.ts';

const params = (query: string) => new URLSearchParams(query);
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('no error');
};

test('log options as the apiserver reads them', (t) => {
  t.deepEqual(logOptionsOf(params('follow=true&tailLines=2&timestamps=1&limitBytes=10'), 'p'), { follow: true, previous: false, timestamps: true, tailLines: 2, limitBytes: 10 });
  t.is(logOptionsOf(params('sinceTime=2024-01-01T00:00:00Z'), 'p').sinceTime, '2024-01-01T00:00:00.000Z');
});

test('bad log options are a 422 naming each field', (t) => {
  const error = refusal(() => logOptionsOf(params('tailLines=-1&limitBytes=0&sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z'), 'p'));
  t.is(error.code, 422);
  t.deepEqual(error.details?.causes?.map((c) => c.field), ['tailLines', 'limitBytes', 'sinceSeconds']);
  t.regex(error.message, /^PodLogOptions "p" is invalid: \[tailLines: Invalid value: -1: must be greater than or equal to 0, /);
  t.is(refusal(() => logOptionsOf(params('tailLines=x'), 'p')).code, 400);
});

test('the container: the only one, the named one, or a 400 that lists the choices', (t) => {
  const pod = (names: string[]): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: names.map((name) => ({ name })), initContainers: [{ name: 'init' }] } }) as KubeObject;
  t.is(podContainer(pod(['a']), ''), 'a');
  t.is(podContainer(pod(['a', 'b']), 'b'), 'b');
  t.is(podContainer(pod(['a']), 'init'), 'init');
  t.is(refusal(() => podContainer(pod(['a', 'b']), '')).message, 'a container name must be specified for pod p, choose one of: [a b]');
  t.is(refusal(() => podContainer(pod(['a']), 'x')).message, 'container x is not valid for pod p');
});

test('exec options: a command, at least one stream, and no terminal yet', (t) => {
  t.deepEqual(execOptionsOf(params('command=sh&command=-c&command=&stdout=true')), { command: ['sh', '-c', ''], stdin: false, stdout: true, stderr: false, tty: false });
  t.is(refusal(() => execOptionsOf(params('stdout=true'))).message, 'you must specify at least 1 command');
  t.is(refusal(() => execOptionsOf(params('command=ls'))).message, 'you must specify at least one of stdin, stdout, stderr');
  t.regex(refusal(() => execOptionsOf(params('command=sh&stdin=true&tty=true'))).message, /tty=true/);
});

test('client channel messages: stdin, resize, and v5 close of stdin only', (t) => {
  t.deepEqual(clientFrame(Buffer.from('\x00hi'), true), { type: 'stdin', data: Buffer.from('hi') });
  t.deepEqual(clientFrame(Buffer.concat([Buffer.of(4), Buffer.from('{"Width":80,"Height":24}')]), true), { type: 'resize', size: { width: 80, height: 24 } });
  t.deepEqual(clientFrame(Buffer.of(255, 0), true), { type: 'close', channel: 'stdin' });
  t.is(clientFrame(Buffer.of(255, 0), false), undefined, 'v4 has no close channel');
  t.is(clientFrame(Buffer.of(1, 65), true), undefined, 'stdout is not the client’s to send');
  t.is(clientFrame(Buffer.of(4, 0x7b), true), undefined, 'a bad resize is dropped');
  t.is(clientFrame(Buffer.alloc(0), true), undefined);
});

test('a refused WebSocket exec is given once to the SPDY retry, and only for a while', (t) => {
  const error = new ApiError(400, 'BadRequest', 'why');
  rememberRefusal('k', error, 1_000);
  t.is(refusedEarlier('k', 2_000), error);
  t.is(refusedEarlier('k', 2_000), undefined);
  rememberRefusal('old', error, 1_000);
  t.is(refusedEarlier('old', 20_000), undefined);
});
