import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { homeOf } from './passwd.ts';

function rootfs(t: { teardown(fn: () => void): void }, passwd?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-passwd-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'etc'));
  if (passwd !== undefined) fs.writeFileSync(path.join(dir, 'etc', 'passwd'), passwd);
  return dir;
}

test('HOME comes from the entry of the uid', (t) => {
  const dir = rootfs(t, 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n');
  t.is(homeOf(dir, 0), '/root');
  t.is(homeOf(dir, 1000), '/home/app');
});

test('a uid without an entry, or no passwd file, gets "/"', (t) => {
  t.is(homeOf(rootfs(t, 'root:x:0:0:root:/root:/bin/sh\n'), 42), '/');
  t.is(homeOf(rootfs(t), 0), '/');
});

test('a symlinked passwd or etc is not followed out of the image', (t) => {
  const host = rootfs(t, 'root:x:0:0:root:/host-secret:/bin/sh\n');
  const linkedFile = rootfs(t);
  fs.symlinkSync(path.join(host, 'etc', 'passwd'), path.join(linkedFile, 'etc', 'passwd'));
  t.is(homeOf(linkedFile, 0), '/');
  const linkedDir = rootfs(t);
  fs.rmdirSync(path.join(linkedDir, 'etc'));
  fs.symlinkSync(path.join(host, 'etc'), path.join(linkedDir, 'etc'));
  t.is(homeOf(linkedDir, 0), '/');
});
