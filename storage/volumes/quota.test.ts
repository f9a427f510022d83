// Kernel tests of the project-quota backend: each test makes a small ext4 image with the
// quota and project features, loop-mounts it with prjquota under its own temp root, and
// removes it (unmount, detach, delete) afterwards, also after a failure. Writes past the
// capacity run in a child without CAP_SYS_RESOURCE: ext4 lets that capability pass quotas.
import anyTest, { type TestFn } from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { getProjectAttr, getProjectQuota, setProjectAttr, setProjectQuota } from '../../native/fs/quota.ts';
import { isVolumeError, openVolumeStore, type VolumeStore } from './index.ts';
import { PROJECT_ID_BASE, projectQuotaSupport } from './quota.ts';
import type { VolumeRecord } from './records.ts';
import { kernelSkipReason, loopsUnder, makeTestRoot, removeTestRoot } from './test-support.ts';

const MIB = 1024 * 1024;
const test = anyTest as TestFn;
const silent = pino({ level: 'silent' });

/** Makes ext4 on a 48 MiB image under `base` and loop-mounts it at base/fs; returns the mount point. */
function mountExt4(base: string, features: string[], options: string[]): string {
  const image = path.join(base, 'fs.img');
  const mountPoint = path.join(base, 'fs');
  fs.mkdirSync(mountPoint);
  execFileSync('/usr/bin/truncate', ['-s', '48M', image]);
  execFileSync('/usr/sbin/mkfs.ext4', ['-q', '-F', ...(features.length ? ['-O', features.join(',')] : []), '-E', 'nodiscard', image]);
  execFileSync('/usr/bin/mount', ['-o', ['loop', ...options].join(','), image, mountPoint], { stdio: ['ignore', 'ignore', 'pipe'] });
  return mountPoint;
}

/** Why the project-quota tests cannot run here, found by trying once; undefined when they can. */
function quotaSkipReason(): string | undefined {
  const kernel = kernelSkipReason();
  if (kernel) return kernel;
  const base = makeTestRoot('pq-probe');
  try {
    const root = mountExt4(base, ['quota', 'project'], ['prjquota']);
    const support = projectQuotaSupport(root);
    return support.supported ? undefined : `no project quotas on ext4 -o prjquota here: ${support.reason}`;
  } catch (error) {
    const said = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? (error as Error).message;
    const log = spawnSync('/usr/bin/dmesg', [], { encoding: 'utf8' }).stdout?.split('\n').filter((l) => /EXT4-fs.*(quota|QUOTA)/.test(l)).pop();
    return `this kernel cannot mount ext4 with the quota and project features read-write (${log?.replace(/^\[[^\]]*\]\s*/, '') ?? said})`;
  } finally {
    removeTestRoot(base);
  }
}

const quotaSkip = quotaSkipReason();
const quota = quotaSkip ? (title: string, _fn: unknown) => test.skip(`${title} (skipped: ${quotaSkip})`, () => undefined) : test.serial;
const kernelSkip = kernelSkipReason();
const kernel = kernelSkip ? (title: string, _fn: unknown) => test.skip(`${title} (skipped: ${kernelSkip})`, () => undefined) : test.serial;

/** A store at <prjquota ext4>/storage, torn down with the test. */
function quotaStore(t: { teardown(fn: () => void): void }, label: string): VolumeStore {
  const base = makeTestRoot(`pq-${label}`);
  t.teardown(() => removeTestRoot(base));
  const mountPoint = mountExt4(base, ['quota', 'project'], ['prjquota']);
  return openVolumeStore({ root: path.join(mountPoint, 'storage'), logger: silent });
}

function recordOf(store: VolumeStore, name: string): VolumeRecord {
  return JSON.parse(fs.readFileSync(path.join(store.root, 'records', `${name}.json`), 'utf8')) as VolumeRecord;
}

/**
 * Writes up to `limit` MiB of zeros into dir/file with dd, as root without CAP_SYS_RESOURCE
 * (as a container runs), and fsyncs; the errno dd stopped on and the file's size.
 */
function writeUntilFull(dir: string, file: string, limitMiB: number): { code: string | undefined; written: number } {
  const target = path.join(dir, file);
  const result = spawnSync('/usr/bin/setpriv', ['--bounding-set=-sys_resource', '--inh-caps=-sys_resource', '/usr/bin/dd', 'if=/dev/zero', `of=${target}`, 'bs=1M', `count=${limitMiB}`, 'conv=fsync'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const code = /Disk quota exceeded/.test(result.stderr) ? 'EDQUOT' : /No space left/.test(result.stderr) ? 'ENOSPC' : result.status === 0 ? undefined : `dd: ${result.stderr.trim()}`;
  return { code, written: fs.statSync(target).size };
}

test('project quota support is probed without throwing; this store root says why not', (t) => {
  const support = projectQuotaSupport(makeTestRootOnce());
  t.log(JSON.stringify(support));
  t.is(typeof support.supported, 'boolean');
  if (!support.supported) t.regex(support.reason, /project quotas|filesystem|addon|skerry\.node/);
});

function makeTestRootOnce(): string {
  const root = makeTestRoot('pq-detect');
  process.once('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}

quota('on a prjquota filesystem a volume is a directory with a project quota; writes past the capacity fail with EDQUOT, nothing else fills', async (t) => {
  const store = quotaStore(t, 'cap');
  const a = await store.provision('pvc-pq-a', 8 * MIB);
  const b = await store.provision('pvc-pq-b', 8 * MIB);
  t.deepEqual(await store.provision('pvc-pq-a', 8 * MIB), a, 'a second provision returns the record as it is');
  const [ra, rb] = [recordOf(store, a.name), recordOf(store, b.name)];
  t.is(ra.backend, 'quota');
  t.true(ra.projectId! >= PROJECT_ID_BASE && rb.projectId! >= PROJECT_ID_BASE && ra.projectId !== rb.projectId, `${ra.projectId} ${rb.projectId}`);
  const dir = await store.mount(a.name);
  t.is(dir, a.mountPath);
  t.is(await store.mount(a.name), dir, 'mount is idempotent');
  t.true(fs.statSync(dir).isDirectory());
  t.is(fs.statSync(dir).mode & 0o777, 0o777);
  t.deepEqual(getProjectAttr(dir), { projectId: ra.projectId!, inherit: true });
  const statfs = await fs.promises.statfs(dir);
  t.is(statfs.blocks * statfs.bsize, 8 * MIB, 'statfs in the directory shows the project limit as the size');
  fs.mkdirSync(path.join(dir, 'sub'));
  t.is(getProjectAttr(path.join(dir, 'sub')).projectId, ra.projectId!, 'what is made inside inherits the project');
  const full = writeUntilFull(path.join(dir, 'sub'), 'fill', 32);
  t.is(full.code, 'EDQUOT', 'ext4 says EDQUOT ("Disk quota exceeded") for a project over its limit, not ENOSPC');
  t.true(full.written <= 8 * MIB && full.written >= 7 * MIB, `wrote ${full.written} bytes`);
  const usage = await store.usage(a.name);
  t.is(usage.capacityBytes, 8 * MIB);
  t.true(usage.usedBytes >= 7 * MIB && usage.availableBytes < MIB, JSON.stringify(usage));
  t.is(writeUntilFull(await store.mount(b.name), 'ok', 4).code, undefined, 'the other volume still takes writes');
  t.is(writeUntilFull(store.root, 'host-ok', 4).code, undefined, 'the root still takes writes');
  fs.rmSync(path.join(store.root, 'host-ok'));
  t.deepEqual(await store.inspect(a.name), { state: 'Ready' });
  await store.unmount(a.name);
  t.true(fs.existsSync(path.join(dir, 'sub', 'fill')), 'unmount leaves the directory as it is');
  t.deepEqual(loopsUnder(store.root), [], 'no loop device for a quota volume');
});

quota('data survives a reopened store; expand raises the limit while in use; shrinking is refused', async (t) => {
  const store = quotaStore(t, 'expand');
  const v = await store.provision('pvc-pq-expand', 4 * MIB);
  const dir = await store.mount(v.name);
  fs.writeFileSync(path.join(dir, 'data'), 'kept');
  const after = openVolumeStore({ root: store.root, logger: silent });
  t.deepEqual(await after.provision(v.name, 4 * MIB), v);
  t.is(fs.readFileSync(path.join(await after.mount(v.name), 'data'), 'utf8'), 'kept');
  const fd = fs.openSync(path.join(dir, 'open'), 'w');
  t.teardown(() => fs.closeSync(fd));
  t.is((await after.expand(v.name, 12 * MIB)).capacityBytes, 12 * MIB);
  t.is((await after.usage(v.name)).capacityBytes, 12 * MIB);
  t.is(getProjectQuota(after.root, recordOf(after, v.name).projectId!).hardLimitBytes, 12 * MIB);
  const full = writeUntilFull(dir, 'fill', 32);
  t.is(full.code, 'EDQUOT');
  t.true(full.written > 10 * MIB && full.written <= 12 * MIB, `wrote ${full.written} bytes`);
  const shrink = await t.throwsAsync(after.expand(v.name, 4 * MIB));
  t.true(isVolumeError(shrink, 'VOLUME_SHRINK'), String(shrink));
  t.is(recordOf(after, v.name).capacityBytes, 12 * MIB);
});

quota('remove deletes the directory, the limit and the record; removing again is fine', async (t) => {
  const store = quotaStore(t, 'remove');
  const v = await store.provision('pvc-pq-remove', 4 * MIB);
  const projectId = recordOf(store, v.name).projectId!;
  fs.mkdirSync(path.join(await store.mount(v.name), 'deep', 'er'), { recursive: true });
  fs.writeFileSync(path.join(v.mountPath, 'deep', 'er', 'file'), 'x');
  await store.remove(v.name);
  await store.remove(v.name);
  t.false(fs.existsSync(v.mountPath));
  t.deepEqual(store.list(), []);
  t.deepEqual(getProjectQuota(store.root, projectId), { hardLimitBytes: 0, usedBytes: 0, usedInodes: 0 });
  t.deepEqual(fs.readdirSync(path.join(store.root, 'trash')), []);
  const error = await t.throwsAsync(store.inspect(v.name));
  t.true(isVolumeError(error, 'VOLUME_NOT_FOUND'), String(error));
});

quota('a removed directory is Missing and is never made anew; a wrong project or limit is Damaged', async (t) => {
  const store = quotaStore(t, 'missing');
  const gone = await store.provision('pvc-pq-gone', 4 * MIB);
  fs.rmSync(gone.mountPath, { recursive: true });
  t.like(await store.inspect(gone.name), { state: 'Missing' });
  for (const attempt of [store.mount(gone.name), store.provision(gone.name, 4 * MIB), store.expand(gone.name, 8 * MIB), store.usage(gone.name)]) {
    const error = await t.throwsAsync(attempt);
    t.true(isVolumeError(error, 'VOLUME_MISSING'), String(error));
  }
  t.false(fs.existsSync(gone.mountPath));
  await store.remove(gone.name);

  const v = await store.provision('pvc-pq-damaged', 4 * MIB);
  const projectId = recordOf(store, v.name).projectId!;
  setProjectQuota(store.root, projectId, 0);
  const lost = await store.inspect(v.name);
  t.like(lost, { state: 'Damaged' });
  t.log(JSON.stringify(lost));
  await store.mount(v.name);
  t.deepEqual(await store.inspect(v.name), { state: 'Ready' }, 'mount puts a lost limit back');
  setProjectAttr(v.mountPath, 12345);
  t.like(await store.inspect(v.name), { state: 'Damaged' });
  const error = await t.throwsAsync(store.mount(v.name));
  t.true(isVolumeError(error, 'VOLUME_DAMAGED'), String(error));
  t.regex(error!.message, /pvc-pq-damaged.*project 12345/);
});

quota('a directory whose record was lost is adopted with its project and data', async (t) => {
  const store = quotaStore(t, 'adopt');
  const v = await store.provision('pvc-pq-adopt', 4 * MIB);
  const projectId = recordOf(store, v.name).projectId!;
  fs.writeFileSync(path.join(v.mountPath, 'data'), 'kept');
  fs.rmSync(path.join(store.root, 'records', `${v.name}.json`));
  await store.provision(v.name, 4 * MIB);
  t.is(recordOf(store, v.name).projectId, projectId);
  t.is(fs.readFileSync(path.join(await store.mount(v.name), 'data'), 'utf8'), 'kept');
  t.deepEqual(await store.inspect(v.name), { state: 'Ready' });
});

kernel('a store on ext4 without project quotas makes loop images', async (t) => {
  const base = makeTestRoot('pq-plain');
  t.teardown(() => removeTestRoot(base));
  const root = path.join(mountExt4(base, [], []), 'storage');
  const support = projectQuotaSupport(root.replace(/\/storage$/, ''));
  t.false(support.supported);
  t.log(support.supported ? '' : support.reason);
  const store = openVolumeStore({ root, logger: silent });
  const v = await store.provision('pvc-pq-plain', 8 * MIB);
  t.is(recordOf(store, v.name).backend, 'loop');
  t.true(fs.statSync(v.imagePath).isFile());
  t.false(fs.existsSync(path.join(store.root, 'dirs')));
  await store.mount(v.name);
  t.deepEqual(await store.inspect(v.name), { state: 'Ready' });
  await store.remove(v.name);
});
