// Kernel tests: real loop devices, real ext4, each test under its own root, cleaned up always.
import anyTest, { type TestFn } from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { isVolumeError, openVolumeStore, type VolumeStore } from './index.ts';
import { kernelSkipReason, loopsUnder, makeTestRoot, mountsUnder, removeTestRoot } from './test-support.ts';
import { canResizeOnline } from './sizing.ts';

const MIB = 1024 * 1024;
const skip = kernelSkipReason();
const test = anyTest as TestFn;
const kernel = skip ? (title: string, _fn: unknown) => test.skip(`${title} (skipped: ${skip})`, () => undefined) : test.serial;
const silent = pino({ level: 'silent' });

function storeFor(t: { teardown(fn: () => void): void }, label: string): VolumeStore {
  const root = makeTestRoot(label);
  t.teardown(() => removeTestRoot(root));
  return openVolumeStore({ root, logger: silent });
}

async function fill(dir: string, file: string, bytes: number): Promise<string> {
  const data = randomBytes(bytes);
  await fs.promises.writeFile(path.join(dir, file), data, { flush: true });
  return createHash('sha256').update(data).digest('hex');
}

function digest(dir: string, file: string): string {
  return createHash('sha256').update(fs.readFileSync(path.join(dir, file))).digest('hex');
}

/** Writes 1 MiB chunks until the filesystem refuses; resolves with the errno and the bytes written. */
async function writeUntilFull(dir: string, limit: number): Promise<{ code: string | undefined; written: number }> {
  const handle = await fs.promises.open(path.join(dir, 'fill'), 'w');
  let written = 0;
  try {
    while (written < limit) {
      written += (await handle.write(Buffer.alloc(MIB, 1))).bytesWritten;
      await handle.sync();
    }
    return { code: undefined, written };
  } catch (error) {
    return { code: (error as NodeJS.ErrnoException).code, written };
  } finally {
    await handle.close();
  }
}

kernel('capacity is enforced, sized to what was asked, and a full volume touches no other', async (t) => {
  const store = storeFor(t, 'capacity');
  const a = await store.provision('pvc-cap-a', 16 * MIB);
  await store.provision('pvc-cap-b', 16 * MIB);
  t.deepEqual(await store.provision('pvc-cap-a', 16 * MIB), a, 'a second provision returns the record as it is');
  t.deepEqual(store.list().map((v) => v.name), ['pvc-cap-a', 'pvc-cap-b']);
  const dirA = await store.mount('pvc-cap-a');
  const dirB = await store.mount('pvc-cap-b');
  t.is(await store.mount('pvc-cap-a'), dirA);
  const total = (await fs.promises.statfs(dirA)).blocks * 4096;
  t.log(`asked 16 MiB, statfs total ${(total / MIB).toFixed(2)} MiB, image ${(fs.statSync(a.imagePath).size / MIB).toFixed(2)} MiB`);
  t.true(total >= 16 * MIB && total <= 16 * MIB + MIB, `usable ${total} bytes`);
  t.is(fs.statSync(dirA).mode & 0o777, 0o777);
  const full = await writeUntilFull(dirA, 40 * MIB);
  t.is(full.code, 'ENOSPC');
  t.true(full.written <= 17 * MIB && full.written >= 15 * MIB, `wrote ${full.written} bytes`);
  const usage = await store.usage('pvc-cap-a');
  t.true(usage.usedBytes >= 15 * MIB && usage.availableBytes < MIB, JSON.stringify(usage));
  t.truthy(await fill(dirB, 'ok', 4 * MIB), 'the other volume still takes writes');
  t.truthy(await fill(path.dirname(a.imagePath), 'host-ok', MIB), 'the host directory still takes writes');
  t.deepEqual(await store.inspect('pvc-cap-a'), { state: 'Ready' });
});

kernel('data survives unmount, mount and a simulated reboot, and is never formatted again', async (t) => {
  const store = storeFor(t, 'reboot');
  const v = await store.provision('pvc-reboot', 16 * MIB);
  const sum = await fill(await store.mount(v.name), 'data', 4 * MIB);
  await store.unmount(v.name);
  await store.unmount(v.name);
  t.deepEqual(loopsUnder(store.root), [], 'unmount frees the loop device');
  t.is(digest(await store.mount(v.name), 'data'), sum);
  // a reboot: the mount and the loop device vanish behind the store's back
  execFileSync('/usr/bin/umount', [v.mountPath]);
  t.deepEqual(loopsUnder(store.root), [], 'autoclear freed the loop device with the unmount');
  const after = openVolumeStore({ root: store.root, logger: silent });
  t.deepEqual(await after.provision(v.name, 16 * MIB), v);
  t.is(digest(await after.mount(v.name), 'data'), sum);
  const usageMounted = await after.usage(v.name);
  await after.unmount(v.name);
  const usageUnmounted = await after.usage(v.name);
  t.is(usageUnmounted.capacityBytes, usageMounted.capacityBytes);
  t.true(Math.abs(usageUnmounted.usedBytes - usageMounted.usedBytes) <= 64 * 1024, `${JSON.stringify(usageMounted)} vs ${JSON.stringify(usageUnmounted)}`);
});

kernel('remove deletes the mount, image and record, and removing again is fine', async (t) => {
  const store = storeFor(t, 'remove');
  const v = await store.provision('pvc-remove', 16 * MIB);
  await fill(await store.mount(v.name), 'data', MIB);
  await store.remove(v.name);
  await store.remove(v.name);
  t.false(fs.existsSync(v.imagePath));
  t.false(fs.existsSync(v.mountPath));
  t.deepEqual(store.list(), []);
  t.deepEqual(mountsUnder(store.root), []);
  t.deepEqual(loopsUnder(store.root), []);
  const error = await t.throwsAsync(store.inspect(v.name));
  t.true(isVolumeError(error, 'VOLUME_NOT_FOUND'), String(error));
});

kernel('expand grows an unmounted volume and keeps its data; shrinking is refused', async (t) => {
  const store = storeFor(t, 'expand');
  const v = await store.provision('pvc-expand', 16 * MIB);
  const sum = await fill(await store.mount(v.name), 'data', 8 * MIB);
  await store.unmount(v.name);
  t.is((await store.expand(v.name, 32 * MIB)).capacityBytes, 32 * MIB);
  const dir = await store.mount(v.name);
  const total = (await fs.promises.statfs(dir)).blocks * 4096;
  t.true(total >= 32 * MIB && total <= 33 * MIB, `usable ${total} bytes`);
  t.is(digest(dir, 'data'), sum);
  const shrink = await t.throwsAsync(store.expand(v.name, 16 * MIB));
  t.true(isVolumeError(shrink, 'VOLUME_SHRINK'), String(shrink));
  t.regex(shrink!.message, /pvc-expand/);
  t.is((await store.expand(v.name, 32 * MIB)).capacityBytes, 32 * MIB, 'the same size is no change');
});

const online = canResizeOnline() ? kernel : (title: string, _fn: unknown) => test.skip(`${title} (skipped: online ext4 resize needs CAP_SYS_RESOURCE, which this process lacks)`, () => undefined);

online('expand grows a mounted volume online and keeps its data', async (t) => {
  const store = storeFor(t, 'online');
  const v = await store.provision('pvc-online', 16 * MIB);
  const dir = await store.mount(v.name);
  const sum = await fill(dir, 'data', 8 * MIB);
  await store.expand(v.name, 48 * MIB);
  const total = (await fs.promises.statfs(dir)).blocks * 4096;
  t.true(total >= 48 * MIB && total <= 49 * MIB, `usable ${total} bytes`);
  t.is(digest(dir, 'data'), sum);
  t.is((await writeUntilFull(dir, 60 * MIB)).code, 'ENOSPC');
});

if (!canResizeOnline()) {
  kernel('without CAP_SYS_RESOURCE a mounted volume is not expanded and says why', async (t) => {
    const store = storeFor(t, 'nocap');
    const v = await store.provision('pvc-nocap', 16 * MIB);
    await store.mount(v.name);
    const error = await t.throwsAsync(store.expand(v.name, 32 * MIB));
    t.true(isVolumeError(error, 'VOLUME_BUSY'), String(error));
    t.regex(error!.message, /CAP_SYS_RESOURCE/);
    t.is(store.list()[0]!.capacityBytes, 16 * MIB);
  });
}

kernel('a missing image is Missing and is never made anew', async (t) => {
  const store = storeFor(t, 'missing');
  const v = await store.provision('pvc-missing', 16 * MIB);
  fs.rmSync(v.imagePath);
  t.like(await store.inspect(v.name), { state: 'Missing' });
  for (const attempt of [store.mount(v.name), store.provision(v.name, 16 * MIB), store.expand(v.name, 32 * MIB)]) {
    const error = await t.throwsAsync(attempt);
    t.true(isVolumeError(error, 'VOLUME_MISSING'), String(error));
    t.regex(error!.message, /pvc-missing/);
  }
  t.false(fs.existsSync(v.imagePath));
  await store.remove(v.name);
  t.deepEqual(store.list(), []);
});

kernel('a corrupted superblock is Damaged and no other volume is touched', async (t) => {
  const store = storeFor(t, 'damaged');
  const bad = await store.provision('pvc-bad', 16 * MIB);
  const good = await store.provision('pvc-good', 16 * MIB);
  const sum = await fill(await store.mount(good.name), 'data', 2 * MIB);
  const fd = fs.openSync(bad.imagePath, 'r+');
  fs.writeSync(fd, Buffer.alloc(1024), 0, 1024, 1024); // the primary superblock; 16 MiB has no backup
  fs.closeSync(fd);
  const size = fs.statSync(bad.imagePath).size;
  t.like(await store.inspect(bad.name), { state: 'Damaged' });
  const error = await t.throwsAsync(store.mount(bad.name));
  t.true(isVolumeError(error, 'VOLUME_DAMAGED'), String(error));
  t.regex(error!.message, /pvc-bad.*e2fsck/);
  const condition = await store.inspect(bad.name);
  t.like(condition, { state: 'Damaged' });
  t.log(JSON.stringify(condition));
  t.is(fs.statSync(bad.imagePath).size, size, 'the damaged image is kept as it was');
  t.deepEqual(await store.inspect(good.name), { state: 'Ready' });
  t.is(digest(good.mountPath, 'data'), sum);
  t.deepEqual(loopsUnder(store.root).length, 1, 'only the good volume holds a loop device');
});

kernel('a full node disk fails provisioning with ENOSPC and leaves nothing behind', async (t) => {
  const base = makeTestRoot('full');
  t.teardown(() => removeTestRoot(base));
  execFileSync('/usr/bin/mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'skerry-volumes-test', base]);
  const store = openVolumeStore({ root: path.join(base, 'storage'), logger: silent });
  for (const capacity of [64 * MIB, 22 * MIB]) {
    const error = await t.throwsAsync(store.provision('pvc-too-big', capacity));
    t.true(isVolumeError(error, 'VOLUME_NO_SPACE'), String(error));
    t.regex(error!.message, new RegExp(`pvc-too-big.*${capacity / MIB} MiB.*ENOSPC`));
    t.log(error!.message);
    t.deepEqual(store.list(), []);
    t.deepEqual(fs.readdirSync(path.join(store.root, 'images')), []);
    t.deepEqual(fs.readdirSync(path.join(store.root, 'records')), []);
    t.deepEqual(mountsUnder(store.root), []);
    t.deepEqual(loopsUnder(base), []);
  }
  const small = await store.provision('pvc-fits', 8 * MIB);
  t.true(fs.existsSync(small.imagePath), 'the store still works once the space is there');
  const size = fs.statSync(small.imagePath).size;
  const error = await t.throwsAsync(store.expand(small.name, 64 * MIB));
  t.true(isVolumeError(error, 'VOLUME_NO_SPACE'), String(error));
  t.is(fs.statSync(small.imagePath).size, size, 'a failed expansion gives the reserved space back');
  t.is(store.list()[0]!.capacityBytes, 8 * MIB);
  t.deepEqual(await store.inspect(small.name), { state: 'Ready' });
});

kernel('a cut provisioning leaves only a partial image; an image whose record was lost is adopted, not formatted', async (t) => {
  const store = storeFor(t, 'adopt');
  const v = await store.provision('pvc-adopt', 16 * MIB);
  const sum = await fill(await store.mount(v.name), 'data', MIB);
  await store.unmount(v.name);
  fs.rmSync(path.join(store.root, 'records', 'pvc-adopt.json'));
  t.deepEqual(store.list(), []);
  const adopted = await store.provision(v.name, 16 * MIB);
  t.is(digest(await store.mount(adopted.name), 'data'), sum);
  fs.writeFileSync(path.join(store.root, 'images', 'pvc-cut.img.partial'), 'half made');
  await store.provision('pvc-cut', 16 * MIB);
  t.false(fs.existsSync(path.join(store.root, 'images', 'pvc-cut.img.partial')));
  t.deepEqual(store.list().map((x) => x.name), ['pvc-adopt', 'pvc-cut']);
});

kernel('calls for one volume take turns: a mount and a remove never interleave', async (t) => {
  const store = storeFor(t, 'serial');
  const [first, second] = await Promise.all([store.provision('pvc-serial', 16 * MIB), store.provision('pvc-serial', 16 * MIB)]);
  t.deepEqual(first, second);
  const results = await Promise.allSettled([store.mount('pvc-serial'), store.remove('pvc-serial'), store.mount('pvc-serial')]);
  t.is(results[0].status, 'fulfilled');
  t.is(results[1].status, 'fulfilled');
  t.true(results[2].status === 'rejected' && isVolumeError(results[2].reason, 'VOLUME_NOT_FOUND'));
  t.deepEqual(mountsUnder(store.root), []);
  t.deepEqual(loopsUnder(store.root), []);
  t.deepEqual(fs.readdirSync(path.join(store.root, 'images')), []);
});
