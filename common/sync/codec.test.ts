import test from 'ava';
import { encode } from 'cbor-x';
import { decodeDown, decodeUp, encodeMessage, MAX_MESSAGE_BYTES, MessageError } from './index.ts';

test('a batch survives the round trip', (t) => {
  const batch = { t: 'batch' as const, epoch: 'e1', from: 3, to: 9, full: false, part: 0, parts: 1, changes: [{ key: 'pods/default/a', rev: 9, object: { spec: { x: [1, 'two', null] } } }, { key: 'secrets/default/s', rev: 5, object: null }] };
  t.deepEqual(decodeDown(encodeMessage(batch)), batch);
});

test('up messages survive the round trip', (t) => {
  const report = { t: 'report' as const, session: 's', items: [{ seq: 4, report: { kind: 'podStatus' as const, key: 'pod/ns/a', namespace: 'ns', name: 'a', uid: 'u', status: { phase: 'Running' } } }] };
  t.deepEqual(decodeUp(encodeMessage(report)), report);
  t.deepEqual(decodeUp(encodeMessage({ t: 'hello', session: 's', lastRevision: 0 })), { t: 'hello', session: 's', lastRevision: 0 });
});

const refused = (payload: Buffer, decode: (b: Buffer) => unknown, field: string) => (t: import('ava').ExecutionContext) => {
  const error = t.throws(() => decode(payload), { instanceOf: MessageError });
  t.is(error?.field, field);
};

test('garbage is refused', refused(Buffer.from('not cbor at all \xff\xff'), decodeDown, 'message'));
test('a list is not a message', refused(encode([1, 2]), decodeDown, 'message'));
test('an unknown type names t', refused(encode({ t: 'launch' }), decodeUp, 't'));
test('a negative revision names the field', refused(encode({ t: 'ack', session: 's', rev: -1 }), decodeUp, 'rev'));
test('a string revision names the field', refused(encode({ t: 'hello', session: 's', lastRevision: '5' }), decodeUp, 'lastRevision'));
test('a change after its batch is refused', refused(encode({ t: 'batch', epoch: 'e', from: 1, to: 2, full: false, part: 0, parts: 1, changes: [{ key: 'k', rev: 3, object: null }] }), decodeDown, 'changes[0].rev'));
test('a part outside the parts is refused', refused(encode({ t: 'batch', epoch: 'e', from: 1, to: 2, full: false, part: 2, parts: 2, changes: [] }), decodeDown, 'part'));
test('an unknown report kind is refused', refused(encode({ t: 'report', session: 's', items: [{ seq: 1, report: { kind: 'shell', key: 'x' } }] }), decodeUp, 'items[0].report.kind'));
test('oversized messages are refused before decoding', refused(Buffer.alloc(MAX_MESSAGE_BYTES + 1), decodeDown, 'message'));

const logs = { t: 'stream' as const, epoch: 'e', id: 'abc', kind: 'logs' as const, namespace: 'default', pod: 'p', container: 'c', logs: { follow: true, previous: false, timestamps: false, tailLines: 2, sinceTime: '2024-01-02T03:04:05Z' } };
const exec = { t: 'stream' as const, epoch: 'e', id: 'abd', kind: 'exec' as const, namespace: 'default', pod: 'p', container: 'c', exec: { command: ['sh', '-c', ''], stdin: true, stdout: true, stderr: false, tty: false } };

test('stream requests survive the round trip', (t) => {
  t.deepEqual(decodeDown(encodeMessage(logs)), logs);
  t.deepEqual(decodeDown(encodeMessage(exec)), exec);
});

test('a stream without an id is refused', refused(encode({ ...logs, id: '' }), decodeDown, 'id'));
test('an unknown stream kind is refused', refused(encode({ ...logs, kind: 'portforward' }), decodeDown, 'kind'));
test('a negative tail is refused', refused(encode({ ...logs, logs: { ...logs.logs, tailLines: -1 } }), decodeDown, 'logs.tailLines'));
test('a sinceTime that is no time is refused', refused(encode({ ...logs, logs: { ...logs.logs, sinceTime: 'yesterday' } }), decodeDown, 'logs.sinceTime'));
test('a follow that is no boolean is refused', refused(encode({ ...logs, logs: { ...logs.logs, follow: 'yes' } }), decodeDown, 'logs.follow'));
test('an empty command is refused', refused(encode({ ...exec, exec: { ...exec.exec, command: [] } }), decodeDown, 'exec.command'));
test('a command argument that is no string is refused', refused(encode({ ...exec, exec: { ...exec.exec, command: ['ls', 7] } }), decodeDown, 'exec.command[1]'));
test('an exec without its options is refused', refused(encode({ ...exec, exec: undefined }), decodeDown, 'exec'));
