import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kernelConstants, runChildSteps } from '../../../native/index.ts';
import { hasOwnFilesystem, mountsUnder, unmountAll } from './mounts.ts';

const rootTest = process.getuid?.() === 0 ? test : test.skip;
if (process.getuid?.() !== 0) console.warn('pods/host/mounts: skipping the mount tests, they need root');

test('a plain directory, a plain file and a missing path have no filesystem of their own', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-mounts-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'file'), '');
  t.false(hasOwnFilesystem(path.join(dir, 'sub')));
  t.false(hasOwnFilesystem(path.join(dir, 'file')));
  t.false(hasOwnFilesystem(path.join(dir, 'missing')));
});

rootTest('a tmpfs on a directory and a namespace pinned on a file are seen, and not once unmounted (needs root)', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-mounts-'));
  t.teardown(() => {
    unmountAll(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const tmpfs = path.join(dir, 'tmpfs');
  const pin = path.join(dir, 'net');
  fs.mkdirSync(tmpfs);
  fs.writeFileSync(pin, '');
  const c = kernelConstants();
  runChildSteps([
    { kind: 'mount', label: 'mount tmpfs', source: 'tmpfs', target: tmpfs, fstype: 'tmpfs', flags: 0, data: 'size=1m' },
    { kind: 'unshare', label: 'unshare net', flags: c.CLONE_NEWNET },
    { kind: 'mount', label: 'pin the namespace', source: '/proc/self/ns/net', target: pin, flags: c.MS_BIND },
  ]);
  t.true(hasOwnFilesystem(tmpfs));
  t.true(hasOwnFilesystem(pin));
  t.deepEqual(mountsUnder(dir).sort(), [pin, tmpfs].sort());
  unmountAll(dir);
  t.false(hasOwnFilesystem(tmpfs));
  t.false(hasOwnFilesystem(pin));
});
