import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { ObjectSource } from '../spec/env.ts';
import type { Pod, Volume } from '../types.ts';
import { writeAtomically } from './atomic-writer.ts';
import { volumeFiles } from './projection.ts';

const pod: Pod = { metadata: { name: 'web', namespace: 'shop', uid: 'u-1', labels: { b: '2', a: 'x"y' }, annotations: { note: 'hi' } }, spec: { containers: [] } };
const objects: ObjectSource = {
  configMap: (ns, name) => (ns === 'shop' && name === 'cfg' ? { 'app.conf': Buffer.from('port=80'), extra: Buffer.from('e') } : undefined),
  secret: (ns, name) => (ns === 'shop' && name === 'creds' ? { password: Buffer.from('s3cret') } : undefined),
};
const facts = { hostIP: '10.0.0.5' };
const files = (volume: Volume) => volumeFiles(volume, pod, objects, facts)!.map((f) => [f.path, f.data.toString(), f.mode.toString(8)]);

test('configMap and secret volumes hold every key, or the listed items with their paths and modes', (t) => {
  t.deepEqual(files({ name: 'v', configMap: { name: 'cfg' } }), [['app.conf', 'port=80', '644'], ['extra', 'e', '644']]);
  t.deepEqual(files({ name: 'v', configMap: { name: 'cfg', defaultMode: 0o600, items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o400 }, { key: 'extra', path: 'x' }] } }),
    [['conf/app.conf', 'port=80', '400'], ['x', 'e', '600']]);
  t.deepEqual(files({ name: 'v', secret: { secretName: 'creds' } }), [['password', 's3cret', '644']]);
});

test('missing objects and keys fail the mount with the kubelet message unless optional', (t) => {
  t.throws(() => files({ name: 'conf', configMap: { name: 'nope' } }), { message: 'MountVolume.SetUp failed for volume "conf" : configmap "nope" not found' });
  t.throws(() => files({ name: 's', secret: { secretName: 'nope' } }), { message: 'MountVolume.SetUp failed for volume "s" : secret "nope" not found' });
  t.throws(() => files({ name: 'conf', configMap: { name: 'cfg', items: [{ key: 'gone', path: 'g' }] } }), { message: /configmap references non-existent config key: gone/ });
  t.deepEqual(files({ name: 'conf', configMap: { name: 'nope', optional: true } }), []);
});

test('downwardAPI and projected volumes format labels as the kubelet does', (t) => {
  t.deepEqual(files({ name: 'd', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }),
    [['labels', 'a="x\\"y"\nb="2"', '644'], ['name', 'web', '644']]);
  const projected: Volume = {
    name: 'p',
    projected: { defaultMode: 0o440, sources: [{ configMap: { name: 'cfg', items: [{ key: 'extra', path: 'extra' }] } }, { secret: { name: 'creds' } }, { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } }] },
  };
  t.deepEqual(files(projected), [['extra', 'e', '440'], ['password', 's3cret', '440'], ['ns', 'shop', '440']]);
});

test('the atomic writer swaps ..data and keeps top-level links, and skips an unchanged set', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-atomic-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const v1 = [{ path: 'a', data: Buffer.from('1'), mode: 0o644 }, { path: 'sub/b', data: Buffer.from('2'), mode: 0o600 }];
  t.true(writeAtomically(dir, v1));
  t.is(fs.readFileSync(path.join(dir, 'a'), 'utf8'), '1');
  t.is(fs.readFileSync(path.join(dir, 'sub', 'b'), 'utf8'), '2');
  t.is(fs.statSync(path.join(dir, 'sub', 'b')).mode & 0o777, 0o600);
  t.is(fs.readlinkSync(path.join(dir, 'a')), '..data/a');
  t.false(writeAtomically(dir, v1), 'the same files are not written again');
  t.true(writeAtomically(dir, [{ path: 'a', data: Buffer.from('new'), mode: 0o644 }]));
  t.is(fs.readFileSync(path.join(dir, 'a'), 'utf8'), 'new');
  t.false(fs.existsSync(path.join(dir, 'sub')), 'a name that left the set is gone');
  t.deepEqual(fs.readdirSync(dir).filter((e) => e.startsWith('..')).length, 2, 'only ..data and the current dir remain');
});
