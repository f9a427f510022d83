// What a well-formed layer becomes: the tree, its metadata, whiteouts in overlayfs's form,
// the diffId; and the contract around the target directory. Every test checks that a canary
// tree beside the target is unchanged (see fixtures.ts).
import test from 'ava';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { getXattr } from '../../../native/index.ts';
import { BUSYBOX, buildBusyboxRootfs } from '../../../test/helpers/bundle.ts';
import {
  chunked, expectRefused, expectUnpacked, gnuLong, isRoot, MTIME, NEEDS_ROOT, packDirectory, packTar, rawEntry, rawTar, sandbox,
} from './fixtures.ts';
import { DEFAULT_UNPACK_LIMITS, OPAQUE_XATTR, unpackLayer } from './index.ts';

const rootTest = isRoot ? test : test.skip;
const sha256 = (data: Buffer) => `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;

/** Every node of a tree: type, mode, link target, content hash; and which paths share an inode. */
function describeTree(root: string): { nodes: Record<string, string>; links: string[][] } {
  const nodes: Record<string, string> = {};
  const inodes = new Map<number, string[]>();
  const walk = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const where = path.join(dir, name);
      const relative = rel ? `${rel}/${name}` : name;
      const stat = fs.lstatSync(where);
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isDirectory()) {
        nodes[relative] = `dir ${mode}`;
        walk(where, relative);
      } else if (stat.isSymbolicLink()) nodes[relative] = `symlink -> ${fs.readlinkSync(where)}`;
      else if (stat.isFile()) {
        nodes[relative] = `file ${mode} ${crypto.createHash('sha256').update(fs.readFileSync(where)).digest('hex').slice(0, 16)}`;
        inodes.set(stat.ino, [...(inodes.get(stat.ino) ?? []), relative]);
      } else nodes[relative] = `other ${stat.mode.toString(8)}`;
    }
  };
  walk(root, '');
  return { nodes, links: [...inodes.values()].filter((paths) => paths.length > 1) };
}

async function busyboxLayer(dir: string): Promise<{ tar: Buffer; rootfs: string }> {
  const rootfs = path.join(dir, 'busybox-src');
  buildBusyboxRootfs(rootfs);
  fs.linkSync(path.join(rootfs, 'bin/busybox'), path.join(rootfs, 'bin/busybox.hard'));
  fs.chmodSync(path.join(rootfs, 'etc'), 0o750);
  return { tar: await packDirectory(rootfs), rootfs };
}

test('a busybox layer unpacks with its modes, symlinks and hard links, and its diffId is the sha256 of the tar', async (t) => {
  t.true(fs.existsSync(BUSYBOX), `${BUSYBOX} is missing (Debian package busybox-static)`);
  const box = sandbox(t);
  const { tar, rootfs } = await busyboxLayer(box.base);
  fs.renameSync(rootfs, path.join(box.canary, 'busybox-src')); // keep it out of the base listing
  const result = await expectUnpacked(t, box, tar);
  t.is(result.diffId, sha256(tar));
  t.deepEqual(result.skipped, []);
  const tree = describeTree(box.target);
  t.deepEqual(tree, describeTree(path.join(box.canary, 'busybox-src')));
  t.deepEqual(tree.links, [['bin/busybox', 'bin/busybox.hard']]);
  t.is(fs.readlinkSync(path.join(box.target, 'bin/sh')), '/bin/busybox');
  t.true(fs.statSync(path.join(box.target, 'bin/busybox')).nlink === 2);
  t.is(fs.statSync(path.join(box.target, 'tmp')).mode & 0o7777, 0o1777);
  t.is(result.bytes, fs.statSync(BUSYBOX).size + fs.statSync(path.join(box.target, 'etc/passwd')).size + fs.statSync(path.join(box.target, 'etc/group')).size);
  t.is(result.entries, Object.keys(tree.nodes).length + 1, 'every node plus the root entry');
  t.is(fs.statSync(path.join(box.target, 'etc')).mode & 0o7777, 0o750);
});

test('a gzip layer unpacks to the same tree with the same diffId, detected by its magic bytes or declared', async (t) => {
  const box = sandbox(t);
  const { tar, rootfs } = await busyboxLayer(box.base);
  fs.rmSync(rootfs, { recursive: true });
  const gz = zlib.gzipSync(tar);
  const auto = await expectUnpacked(t, box, gz);
  t.is(auto.diffId, sha256(tar));
  const first = describeTree(box.target);
  fs.rmSync(box.target, { recursive: true });
  const declared = await expectUnpacked(t, box, gz, { compression: 'gzip', expectedDiffId: sha256(tar) });
  t.is(declared.diffId, sha256(tar));
  t.deepEqual(describeTree(box.target), first);
});

test('an uncompressed layer declared as gzip, and gzip declared as none, are refused', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([{ name: 'a', data: 'a' }]);
  await expectRefused(t, box, tar, 'LAYER_UNSAFE', /declared gzip-compressed/, { compression: 'gzip' });
  await expectRefused(t, box, zlib.gzipSync(tar), 'LAYER_UNSAFE', /tar stream is not valid/, { compression: 'none' });
});

test('zstd, xz and bzip2 layers are refused as MEDIA_TYPE_UNSUPPORTED', async (t) => {
  const box = sandbox(t);
  const zstd = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x00, 0x01, 0x00]);
  const error = await expectRefused(t, box, zstd, 'MEDIA_TYPE_UNSUPPORTED', /zstd-compressed; skerry unpacks gzip and uncompressed layers/);
  t.is(error.details.compression, 'zstd');
  await expectRefused(t, box, Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00]), 'MEDIA_TYPE_UNSUPPORTED', /xz/);
  await expectRefused(t, box, Buffer.from('BZh91AY&SY\x00\x01'), 'MEDIA_TYPE_UNSUPPORTED', /bzip2/);
  const bzName = await expectUnpacked(t, box, await packTar([{ name: 'BZh9-not-bzip2', data: 'x' }]));
  t.is(bzName.entries, 1);
});

test('a wrong expected diffId removes the unpacked tree (DIGEST_MISMATCH); a malformed one is DIGEST_INVALID', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([{ name: 'a', data: 'a' }]);
  const wrong = `sha256:${'0'.repeat(64)}`;
  const error = await expectRefused(t, box, tar, 'DIGEST_MISMATCH', new RegExp(`hashes to ${sha256(tar)}, not the expected ${wrong}`), { expectedDiffId: wrong });
  t.is(error.details.got, sha256(tar));
  await expectRefused(t, box, tar, 'DIGEST_INVALID', /not sha256/, { expectedDiffId: 'sha256:abc' });
  const ok = await expectUnpacked(t, box, tar, { expectedDiffId: sha256(tar) });
  t.is(ok.diffId, sha256(tar));
});

rootTest(`whiteouts become 0:0 character devices and opaque markers the trusted.overlay.opaque xattr${NEEDS_ROOT}`, async (t) => {
  const box = sandbox(t);
  const tar = await packTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/.wh.passwd' },
    { name: '.wh.gone-at-root' },
    { name: 'usr/lib/.wh.libgone.so' }, // parents not in the tar: made
    { name: 'var/', type: 'directory', mode: 0o700 },
    { name: 'var/.wh..wh..opq' },
    { name: 'var/kept', data: 'kept' },
    { name: '.wh..wh..opq' },
    { name: '.wh..wh.plnk/', type: 'directory' },
  ]);
  const result = await expectUnpacked(t, box, tar);
  for (const hidden of ['etc/passwd', 'gone-at-root', 'usr/lib/libgone.so']) {
    const stat = fs.lstatSync(path.join(box.target, hidden));
    t.true(stat.isCharacterDevice(), `${hidden} is a character device`);
    t.is(stat.rdev, 0, `${hidden} is device 0:0`);
  }
  t.is(getXattr(path.join(box.target, 'var'), OPAQUE_XATTR)?.toString(), 'y');
  t.is(getXattr(box.target, OPAQUE_XATTR)?.toString(), 'y');
  t.is(getXattr(path.join(box.target, 'etc'), OPAQUE_XATTR), undefined);
  t.is(fs.readFileSync(path.join(box.target, 'var/kept'), 'utf8'), 'kept');
  t.is(fs.statSync(path.join(box.target, 'var')).mode & 0o777, 0o700);
  const names = fs.readdirSync(box.target, { recursive: true }).map(String);
  t.false(names.some((name) => name.includes('.wh.')), `no .wh. names are left: ${names.join(', ')}`);
  t.deepEqual(result.skipped, [{ name: '.wh..wh.plnk/', reason: 'aufs whiteout bookkeeping, meaningless to overlayfs' }]);
});

rootTest(`owners, modes (setuid and setgid kept) and times are applied; directories' last, so a read-only one still gets its files${NEEDS_ROOT}`, async (t) => {
  const box = sandbox(t);
  const early = new Date('2001-02-03T04:05:06Z');
  const tar = await packTar([
    { name: 'ro/', type: 'directory', mode: 0o555, uid: 1000, gid: 1001, mtime: early },
    { name: 'ro/inside', data: 'x', mode: 0o600, uid: 1000, gid: 1001, mtime: early },
    { name: 'ro/sub/', type: 'directory', mode: 0o500, mtime: early },
    { name: 'ro/sub/deeper', data: 'y', mode: 0o444 },
    { name: 'bin/su', data: '#!/bin/false\n', mode: 0o4755 },
    { name: 'bin/wall', data: '#!/bin/false\n', mode: 0o2755, uid: 0, gid: 5 },
    { name: 'bin/owned-setuid', data: '#!/bin/false\n', mode: 0o4750, uid: 1234, gid: 4321 },
    { name: 'link', type: 'symlink', linkname: 'ro/inside', uid: 1000, gid: 1001, mtime: early },
    { name: 'fifo', type: 'fifo', mode: 0o620, uid: 7, gid: 8 },
    { name: 'world', data: 'w', mode: 0o666 },
  ]);
  await expectUnpacked(t, box, tar);
  const stat = (name: string) => fs.lstatSync(path.join(box.target, name));
  t.like(stat('ro'), { uid: 1000, gid: 1001 });
  t.is(stat('ro').mode & 0o7777, 0o555);
  t.is(stat('ro').mtimeMs, early.getTime());
  t.is(stat('ro/sub').mode & 0o7777, 0o500);
  t.is(stat('ro/sub').mtimeMs, early.getTime());
  t.like(stat('ro/inside'), { uid: 1000, gid: 1001, size: 1 });
  t.is(stat('ro/inside').mode & 0o7777, 0o600);
  t.is(stat('ro/inside').mtimeMs, early.getTime());
  t.is(fs.readFileSync(path.join(box.target, 'ro/sub/deeper'), 'utf8'), 'y');
  t.is(stat('bin/su').mode & 0o7777, 0o4755);
  t.is(stat('bin/wall').mode & 0o7777, 0o2755);
  t.is(stat('bin/wall').gid, 5);
  t.is(stat('bin/owned-setuid').mode & 0o7777, 0o4750, 'the setuid bit survives the chown');
  t.like(stat('bin/owned-setuid'), { uid: 1234, gid: 4321 });
  t.like(stat('link'), { uid: 1000, gid: 1001 });
  t.is(stat('link').mtimeMs, early.getTime());
  t.true(stat('fifo').isFIFO());
  t.like(stat('fifo'), { uid: 7, gid: 8 });
  t.is(stat('fifo').mode & 0o7777, 0o620);
  t.is(stat('world').mode & 0o7777, 0o666, 'the umask does not strip a mode');
  t.is(stat('bin').mode & 0o7777, 0o755, 'a parent the tar left out is made 0755');
  t.is(stat('world').mtimeMs, MTIME.getTime());
});

test('the layer root entry ("./" or "/", as umoci writes it) gives the target its mode; without one it is 0755', async (t) => {
  const box = sandbox(t);
  await expectUnpacked(t, box, await packTar([{ name: './', type: 'directory', mode: 0o750, mtime: MTIME }, { name: './a', data: 'a' }]));
  t.is(fs.statSync(box.target).mode & 0o7777, 0o750);
  t.is(fs.statSync(box.target).mtimeMs, MTIME.getTime());
  fs.rmSync(box.target, { recursive: true });
  await expectUnpacked(t, box, await packTar([{ name: '/', type: 'directory', mode: 0o711 }, { name: '/etc/', type: 'directory' }, { name: '/etc/hosts', data: 'h' }]));
  t.is(fs.statSync(box.target).mode & 0o7777, 0o711);
  t.is(fs.readFileSync(path.join(box.target, 'etc/hosts'), 'utf8'), 'h');
  fs.rmSync(box.target, { recursive: true });
  await expectUnpacked(t, box, await packTar([{ name: 'a', data: 'a' }]));
  t.is(fs.statSync(box.target).mode & 0o7777, 0o755);
});

test('a later entry of the same path replaces the earlier one; a directory replacing a directory keeps its contents', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([
    { name: 'f', data: 'first' },
    { name: 'f', data: 'second' },
    { name: 'd/', type: 'directory', mode: 0o700 },
    { name: 'd/kept', data: 'kept' },
    { name: 'd/', type: 'directory', mode: 0o751 },
    { name: 'gone/', type: 'directory' },
    { name: 'gone/child', data: 'c' },
    { name: 'gone', data: 'now a file' },
    { name: 'was-file', data: 'f' },
    { name: 'was-file/', type: 'directory' },
    { name: 'was-file/inside', data: 'i' },
    { name: 'sym', type: 'symlink', linkname: 'f' },
    { name: 'sym', data: 'file again' },
    { name: 'hard', data: 'original' },
    { name: 'hard2', type: 'link', linkname: 'hard' },
    { name: 'hard2', data: 'replaced' },
  ]);
  await expectUnpacked(t, box, tar);
  const read = (name: string) => fs.readFileSync(path.join(box.target, name), 'utf8');
  t.is(read('f'), 'second');
  t.is(read('d/kept'), 'kept');
  t.is(fs.statSync(path.join(box.target, 'd')).mode & 0o777, 0o751);
  t.is(read('gone'), 'now a file');
  t.is(read('was-file/inside'), 'i');
  t.false(fs.lstatSync(path.join(box.target, 'sym')).isSymbolicLink());
  t.is(read('sym'), 'file again');
  t.is(read('hard'), 'original', 'replacing a hard link never writes into the shared inode');
  t.is(read('hard2'), 'replaced');
});

test('fifos are kept; block and character devices are skipped with a reason, and the skip list is capped', async (t) => {
  const box = sandbox(t);
  const devices = Array.from({ length: 1005 }, (_, i) => ({ name: `dev/c${i}`, type: 'character-device' as const, devmajor: 1, devminor: 3 }));
  const tar = await packTar([
    { name: 'run/fifo', type: 'fifo', mode: 0o600 },
    { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 },
    { name: 'dev/zero-zero', type: 'character-device', devmajor: 0, devminor: 0 },
    ...devices,
  ]);
  const result = await expectUnpacked(t, box, tar);
  t.true(fs.lstatSync(path.join(box.target, 'run/fifo')).isFIFO());
  t.deepEqual(fs.readdirSync(path.join(box.target, 'dev')), []);
  t.deepEqual(result.skipped[0], { name: 'dev/sda', reason: 'block-device nodes are not unpacked from a layer (the runtime provides /dev)' });
  t.deepEqual(result.skipped[1], { name: 'dev/zero-zero', reason: 'character-device nodes are not unpacked from a layer (the runtime provides /dev)' });
  t.is(result.skipped.length, 1001);
  t.deepEqual(result.skipped[1000], { name: '', reason: '7 more entries skipped, not listed' });
  t.is(result.entries, 1008);
});

test('PAX long names and GNU long names (L, K) unpack to their full names', async (t) => {
  const box = sandbox(t);
  const deep = `${'directory-name-of-forty-characters-long/'.repeat(6)}file-with-a-long-name`;
  const ustar = await packTar([{ name: `${deep}-pax`, data: 'pax' }, { name: 'über/naïve', data: 'utf8 via pax' }]);
  const longName = `gnu-dir/${'g'.repeat(150)}`;
  const tar = Buffer.concat([
    ustar.subarray(0, ustar.length - 1024), // pack()'s entries, without its end blocks
    rawTar(
      rawEntry({ name: 'gnu-dir/', typeflag: '5', mode: 0o755 }),
      gnuLong('L', longName),
      rawEntry({ name: 'ignored-short-name', typeflag: '0', data: Buffer.from('long gnu'), magic: 'gnu' }),
      gnuLong('K', longName),
      rawEntry({ name: 'gnu-dir/hard', typeflag: '1', linkname: 'ignored', magic: 'gnu' }),
    ),
  ]);
  await expectUnpacked(t, box, tar);
  t.is(fs.readFileSync(path.join(box.target, `${deep}-pax`), 'utf8'), 'pax');
  t.is(fs.readFileSync(path.join(box.target, 'über/naïve'), 'utf8'), 'utf8 via pax');
  t.is(fs.readFileSync(path.join(box.target, longName), 'utf8'), 'long gnu');
  t.is(fs.statSync(path.join(box.target, 'gnu-dir/hard')).ino, fs.statSync(path.join(box.target, longName)).ino);
});

test('entries may arrive in chunks of any size, including Uint8Array ones, and an empty stream is an empty layer', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([{ name: 'a/', type: 'directory' }, { name: 'a/b', data: 'x'.repeat(1500) }, { name: 'c', type: 'symlink', linkname: 'a/b' }]);
  const result = await expectUnpacked(t, box, chunked(tar, 7));
  t.is(result.diffId, sha256(tar));
  t.is(fs.readFileSync(path.join(box.target, 'c'), 'utf8'), 'x'.repeat(1500));
  fs.rmSync(box.target, { recursive: true });
  async function* views() {
    for await (const chunk of chunked(tar, 1000)) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
  }
  t.is((await expectUnpacked(t, box, views())).diffId, sha256(tar));
  fs.rmSync(box.target, { recursive: true });
  const empty = await expectUnpacked(t, box, Buffer.alloc(0));
  t.deepEqual(empty, { diffId: sha256(Buffer.alloc(0)), bytes: 0, entries: 0, skipped: [] });
  t.deepEqual(fs.readdirSync(box.target), []);
});

test('the target may be an empty directory; an existing non-empty one or a file is refused (DATA_DIR_UNUSABLE) and left alone', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([{ name: 'a', data: 'a' }]);
  fs.mkdirSync(box.target, { mode: 0o2775 });
  await expectUnpacked(t, box, tar);
  t.is(fs.readFileSync(path.join(box.target, 'a'), 'utf8'), 'a');
  t.is(fs.statSync(box.target).mode & 0o7777, 0o755);
  const before = box.fingerprint();
  await t.throwsAsync(unpackLayer(chunked(tar), box.target), { code: 'DATA_DIR_UNUSABLE', message: /is not empty/ });
  t.is(box.fingerprint(), before);
  t.is(fs.readFileSync(path.join(box.target, 'a'), 'utf8'), 'a', 'a directory that was not ours is not removed');
  const file = path.join(box.base, 'file');
  fs.writeFileSync(file, 'x');
  await t.throwsAsync(unpackLayer(chunked(tar), file), { code: 'DATA_DIR_UNUSABLE', message: /not a directory/ });
  t.is(fs.readFileSync(file, 'utf8'), 'x');
});

test('a source yielding text is a programming error, and the target is removed', async (t) => {
  const box = sandbox(t);
  async function* text() {
    yield 'not bytes' as unknown as Buffer;
  }
  const before = box.fingerprint();
  await t.throwsAsync(unpackLayer(text(), box.target), { instanceOf: TypeError, message: /must yield bytes/ });
  t.is(box.fingerprint(), before);
});

test('the default limits are 16 GiB, 1,000,000 entries and 4096-byte names; bad limits are a RangeError', async (t) => {
  t.deepEqual({ ...DEFAULT_UNPACK_LIMITS }, { maxBytes: 16 * 2 ** 30, maxEntries: 1_000_000, maxNameBytes: 4096 });
  const box = sandbox(t);
  const before = box.fingerprint();
  await t.throwsAsync(unpackLayer(chunked(Buffer.alloc(0)), box.target, { limits: { maxBytes: -1, maxEntries: 1 } }), { instanceOf: RangeError });
  t.is(box.fingerprint(), before);
});

test('extended attributes in PAX records are reported as not applied', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([{ name: 'bin/ping', data: 'p', pax: { 'SCHILY.xattr.security.capability': 'x', 'SCHILY.xattr.trusted.overlay.redirect': '/etc' } }]);
  const result = await expectUnpacked(t, box, tar);
  t.deepEqual(result.skipped, [{ name: 'bin/ping', reason: 'extended attributes not applied: security.capability, trusted.overlay.redirect' }]);
  t.is(fs.readFileSync(path.join(box.target, 'bin/ping'), 'utf8'), 'p');
});

test('mtimes come from PAX records with their fraction when present', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([{ name: 'precise', data: 'p', pax: { mtime: '1700000000.25' } }]);
  await expectUnpacked(t, box, tar);
  t.is(fs.statSync(path.join(box.target, 'precise')).mtimeMs, 1700000000250);
});

test('a file gets the same time whichever thread writes it (microseconds, as Node sets them); a time before 1970 is the epoch', async (t) => {
  const box = sandbox(t);
  const big = Buffer.alloc(300 * 1024, 1); // written on the main thread
  const tar = await packTar([
    { name: 'small', data: 'writer thread', pax: { mtime: '1700000000.123456789' } },
    { name: 'big', data: big, pax: { mtime: '1700000000.123456789' } },
    { name: 'old', data: 'x', pax: { mtime: '-1.5' } },
  ]);
  await expectUnpacked(t, box, tar);
  const ns = (name: string) => fs.statSync(path.join(box.target, name), { bigint: true }).mtimeNs;
  t.is(ns('small'), ns('big'));
  t.is(ns('small') % 1000n, 0n);
  t.is(ns('small') / 1000n, 1700000000123456n);
  t.is(ns('old'), 0n);
});

test('a system error making a file fails the layer with that error, before a later entry is refused, and removes the target', async (t) => {
  const box = sandbox(t);
  // Within the 4096-byte name limit, but past PATH_MAX once under the target: open(2)
  // fails with ENAMETOOLONG where files are made (the writer thread), after its parents
  // were made. The refusal of the entry after it must not take its place.
  const dirs = Array.from({ length: 15 }, (_, i) => `${i}`.padEnd(255, 'd')).join('/');
  const name = `${dirs}/${'f'.repeat(250)}`;
  const tar = await packTar([{ name: 'a', data: 'first' }, { name, data: 'too deep' }, { name: 'b', data: 'after' }, { name: '../escape', data: 'x' }]);
  const before = box.fingerprint();
  const error = await t.throwsAsync(unpackLayer([tar], box.target)) as NodeJS.ErrnoException;
  t.is(error.code, 'ENAMETOOLONG', String(error));
  t.is(error.syscall, 'open');
  t.false(fs.existsSync(box.target), 'the target directory was removed');
  t.is(box.fingerprint(), before);
});
