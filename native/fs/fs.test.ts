import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getXattr, makeCharDevice, mountOverlay, setXattr, unmount } from './index.ts';

const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test.serial : test.skip;
const NEEDS_ROOT = isRoot ? '' : ' (skipped: needs root for trusted.* xattrs, mknod and mounts)';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-nfs-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

rootTest(`an overlay shows the top layer over the lower one, honours whiteouts and opaque dirs, and writes go to upper${NEEDS_ROOT}`, (t) => {
  const dir = tempDir(t);
  const [lower, top, upper, work, merged] = ['lower', 'top', 'upper', 'work', 'merged'].map((n) => path.join(dir, n)) as [string, string, string, string, string];
  for (const d of [lower, top, upper, work, merged]) fs.mkdirSync(d);
  fs.writeFileSync(path.join(lower, 'kept'), 'lower');
  fs.writeFileSync(path.join(lower, 'gone'), 'lower');
  fs.mkdirSync(path.join(lower, 'opaque'));
  fs.writeFileSync(path.join(lower, 'opaque', 'hidden'), 'lower');
  fs.writeFileSync(path.join(top, 'kept'), 'top');
  makeCharDevice(path.join(top, 'gone'), 0, 0, 0);
  fs.mkdirSync(path.join(top, 'opaque'));
  setXattr(path.join(top, 'opaque'), 'trusted.overlay.opaque', 'y');
  t.is(getXattr(path.join(top, 'opaque'), 'trusted.overlay.opaque')?.toString(), 'y');
  t.is(getXattr(path.join(top, 'kept'), 'trusted.overlay.opaque'), undefined);
  mountOverlay(merged, [top, lower], upper, work);
  t.teardown(() => { try { unmount(merged, true); } catch { /* already unmounted */ } });
  t.is(fs.readFileSync(path.join(merged, 'kept'), 'utf8'), 'top');
  t.false(fs.existsSync(path.join(merged, 'gone')));
  t.deepEqual(fs.readdirSync(path.join(merged, 'opaque')), []);
  fs.writeFileSync(path.join(merged, 'new'), 'x');
  t.true(fs.existsSync(path.join(upper, 'new')));
  unmount(merged);
  t.deepEqual(fs.readdirSync(merged), []);
});

rootTest(`a read-only overlay refuses writes, and errors name the call, path and errno${NEEDS_ROOT}`, (t) => {
  const dir = tempDir(t);
  const [lower, other, merged] = ['lower', 'other', 'merged'].map((n) => path.join(dir, n)) as [string, string, string];
  for (const d of [lower, other, merged]) fs.mkdirSync(d);
  t.throws(() => mountOverlay(merged, [lower]), { message: /needs at least two lower directories/ });
  mountOverlay(merged, [lower, other]);
  t.teardown(() => { try { unmount(merged, true); } catch { /* already unmounted */ } });
  t.throws(() => fs.writeFileSync(path.join(merged, 'x'), 'x'), { code: 'EROFS' });
  t.throws(() => mountOverlay(path.join(dir, 'nosuch'), [lower, other]), { message: /nosuch: ENOENT/ });
  t.throws(() => makeCharDevice(path.join(dir, 'nosuch', 'dev'), 0, 0, 0), { message: /^mknod .*nosuch\/dev: ENOENT/ });
});
