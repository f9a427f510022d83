// The hostile corpus: layers built to write, link, chmod, chown or delete outside the
// target, to hang or exhaust the unpacker, or to be read differently by another tar parser.
// Every test keeps a canary tree beside the target (files, a subdirectory, symlinks) and
// checks that its hash is unchanged and that nothing but the target appeared beside it;
// a refused layer also leaves no target behind.
import test from 'ava';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { chunked, END, expectRefused, expectUnpacked, gnuLong, isRoot, NEEDS_ROOT, packTar, paxHeader, rawEntry, rawTar, sandbox } from './fixtures.ts';

const rootTest = isRoot ? test : test.skip;

// ---------------------------------------------------------------------------------------
// Paths that climb out, or start at /.

test('names with ".." components are refused, wherever the ".." is', async (t) => {
  const box = sandbox(t);
  for (const name of ['../escape', 'a/../../escape', './../canary/file', 'ok/../ok', '..', 'a/..']) {
    await expectRefused(t, box, await packTar([{ name: 'ok/', type: 'directory' }, { name, data: 'pwned' }]), 'LAYER_UNSAFE', /entry #2 .*the name has a "\.\." component/);
  }
  await expectRefused(t, box, await packTar([{ name: '../canary/', type: 'directory', mode: 0o777 }]), 'LAYER_UNSAFE', /"\.\." component/);
});

test('absolute names are taken relative to the layer root, even when they spell the canary\'s real path', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([
    { name: '/etc/passwd', data: 'inside' },
    { name: `${box.canary}/file`, data: 'inside too' },
    { name: `//${box.canary}//sub///deep`, data: 'and this' },
  ]);
  await expectUnpacked(t, box, tar);
  t.is(fs.readFileSync(path.join(box.target, 'etc/passwd'), 'utf8'), 'inside');
  t.is(fs.readFileSync(path.join(box.target, box.canary, 'file'), 'utf8'), 'inside too');
  t.is(fs.readFileSync(path.join(box.target, box.canary, 'sub/deep'), 'utf8'), 'and this');
});

test('an empty name, a NUL byte in a name and over-long names are refused', async (t) => {
  const box = sandbox(t);
  await expectRefused(t, box, rawTar(rawEntry({ name: '', data: Buffer.from('x') })), 'LAYER_UNSAFE', /entry #1 "": the name is empty/);
  await expectRefused(t, box, rawTar(paxHeader({ path: 'a\0b' }), rawEntry({ name: 'innocent', data: Buffer.from('x') })), 'LAYER_UNSAFE', /NUL byte/);
  await expectRefused(t, box, await packTar([{ name: `${'d/'.repeat(2100)}f`, data: 'x' }]), 'LAYER_UNSAFE', /4201 bytes long, more than the limit of 4096/);
  await expectRefused(t, box, await packTar([{ name: `dir/${'n'.repeat(256)}`, data: 'x' }]), 'LAYER_UNSAFE', /longer than 255 bytes/);
  await expectRefused(t, box, await packTar([{ name: 'a/b/c', data: 'x' }]), 'LAYER_UNSAFE', /longer than 3 bytes|more than the limit of 3/, { limits: { maxBytes: 100, maxEntries: 100, maxNameBytes: 3 } });
});

test('names that are not UTF-8 are refused, naming the entry, from a header, a GNU long name or a PAX record', async (t) => {
  const box = sandbox(t);
  const bad = Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x74, 0x78, 0x74]); // "f\xff\xfe.txt"
  const ok = rawEntry({ name: 'fine', data: Buffer.from('ok') });
  await expectRefused(t, box, rawTar(ok, rawEntry({ name: bad, data: Buffer.from('x') })), 'LAYER_UNSAFE', /entry #2 .*the name is not valid UTF-8$/);
  await expectRefused(t, box, rawTar(ok, gnuLong('L', Buffer.concat([Buffer.from('long/'), bad])), rawEntry({ name: 'short', data: Buffer.from('x'), magic: 'gnu' })), 'LAYER_UNSAFE', /entry #2 .*not valid UTF-8/);
  await expectRefused(t, box, rawTar(ok, paxHeader({ path: bad }), rawEntry({ name: 'short', data: Buffer.from('x') })), 'LAYER_UNSAFE', /entry #2 .*not valid UTF-8 \(PAX path record\)/);
  await expectRefused(t, box, rawTar(ok, rawEntry({ name: 'link', typeflag: '2', linkname: bad })), 'LAYER_UNSAFE', /entry #2 "link": its link target is not valid UTF-8/);
});

// ---------------------------------------------------------------------------------------
// Symlinks: never followed, whatever comes after them.

test('a GNU long name that wins over a PAX path is checked as the bytes it is', async (t) => {
  const box = sandbox(t);
  const utf8 = rawTar(paxHeader({ path: 'from-pax' }), gnuLong('L', Buffer.from('caf\xc3\xa9', 'latin1')), rawEntry({ name: 'short', data: Buffer.from('x'), magic: 'gnu' }));
  await expectUnpacked(t, box, utf8);
  t.deepEqual(fs.readdirSync(box.target), ['café']);
  fs.rmSync(box.target, { recursive: true });
  const bad = rawTar(paxHeader({ path: 'from-pax' }), gnuLong('L', Buffer.from([0x66, 0xff])), rawEntry({ name: 'short', data: Buffer.from('x'), magic: 'gnu' }));
  await expectRefused(t, box, bad, 'LAYER_UNSAFE', /entry #1 .*the name is not valid UTF-8$/);
  const badLink = rawTar(paxHeader({ linkpath: 'from-pax' }), gnuLong('K', Buffer.from([0x66, 0xff])), rawEntry({ name: 'link', typeflag: '2', linkname: 'x', magic: 'gnu' }));
  await expectRefused(t, box, badLink, 'LAYER_UNSAFE', /its link target is not valid UTF-8$/);
});

test('a file written through a symlink to outside is refused, for absolute, relative and nested symlinks', async (t) => {
  const box = sandbox(t);
  const cases: Array<[string, string]> = [
    [box.canary, 'evil/file'],
    ['../canary', 'evil/file'],
    ['/', `evil/${box.canary.slice(1)}/file`],
    ['.', 'evil/evil/evil/file'],
  ];
  for (const [target, through] of cases) {
    const tar = await packTar([{ name: 'evil', type: 'symlink', linkname: target }, { name: through, data: 'pwned', mode: 0o777 }]);
    await expectRefused(t, box, tar, 'LAYER_UNSAFE', /its parent "evil" is a symlink, and a layer is never unpacked through one/);
  }
  const nested = await packTar([{ name: 'a/b/', type: 'directory' }, { name: 'a/b/c', type: 'symlink', linkname: box.canary }, { name: 'a/b/c/sub/deep', data: 'pwned' }]);
  await expectRefused(t, box, nested, 'LAYER_UNSAFE', /parent "a\/b\/c" is a symlink/);
});

test('a directory that is an absolute symlink, followed by entries beneath it, is refused', async (t) => {
  const box = sandbox(t);
  for (const beneath of [
    { name: 'etc/passwd', data: 'pwned' },
    { name: 'etc/sub/', type: 'directory' as const, mode: 0o777 },
    { name: 'etc/link', type: 'symlink' as const, linkname: '/' },
    { name: 'etc/fifo', type: 'fifo' as const },
  ]) {
    const tar = await packTar([{ name: 'etc', type: 'symlink', linkname: box.canary }, beneath]);
    await expectRefused(t, box, tar, 'LAYER_UNSAFE', /parent "etc" is a symlink/);
  }
});

test('a file, directory or link at a symlink\'s own path replaces the symlink and never writes through it', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([
    { name: 'f', type: 'symlink', linkname: path.join(box.canary, 'file') },
    { name: 'f', data: 'replaced', mode: 0o666 },
    { name: 'd', type: 'symlink', linkname: box.canary },
    { name: 'd/', type: 'directory', mode: 0o777 },
    { name: 'd/passwd', data: 'inside' },
    { name: 's', type: 'symlink', linkname: path.join(box.canary, 'passwd') },
    { name: 's', type: 'symlink', linkname: 'elsewhere' },
    { name: 'p', type: 'symlink', linkname: path.join(box.canary, 'file') },
    { name: 'p', type: 'fifo', mode: 0o777 },
  ]);
  await expectUnpacked(t, box, tar);
  t.is(fs.readFileSync(path.join(box.target, 'f'), 'utf8'), 'replaced');
  t.true(fs.lstatSync(path.join(box.target, 'd')).isDirectory());
  t.is(fs.readFileSync(path.join(box.target, 'd/passwd'), 'utf8'), 'inside');
  t.is(fs.readlinkSync(path.join(box.target, 's')), 'elsewhere');
  t.true(fs.lstatSync(path.join(box.target, 'p')).isFIFO());
});

test('a directory replaced by a symlink, then written beneath, is refused', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([
    { name: 'd/', type: 'directory' },
    { name: 'd/f', data: 'first' },
    { name: 'd', type: 'symlink', linkname: box.canary },
    { name: 'd/file', data: 'pwned' },
  ]);
  await expectRefused(t, box, tar, 'LAYER_UNSAFE', /entry #4 "d\/file": its parent "d" is a symlink/);
});

test('symlink targets are stored as written and never resolved, ".." and absolute ones included', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([
    { name: 'up', type: 'symlink', linkname: '../../../../../../../etc/passwd' },
    { name: 'abs', type: 'symlink', linkname: path.join(box.canary, 'passwd') },
    { name: 'dangling', type: 'symlink', linkname: 'nowhere/at/all' },
  ]);
  await expectUnpacked(t, box, tar);
  t.is(fs.readlinkSync(path.join(box.target, 'up')), '../../../../../../../etc/passwd');
  t.is(fs.readlinkSync(path.join(box.target, 'abs')), path.join(box.canary, 'passwd'));
});

test('a file beneath a regular file, and a layer root that is not a directory, are refused', async (t) => {
  const box = sandbox(t);
  await expectRefused(t, box, await packTar([{ name: 'f', data: 'x' }, { name: 'f/x', data: 'y' }]), 'LAYER_UNSAFE', /its parent "f" is not a directory/);
  await expectRefused(t, box, await packTar([{ name: './', type: 'symlink', linkname: box.canary }, { name: 'x', data: 'y' }]), 'LAYER_UNSAFE', /the layer root is a symlink, not a directory/);
  await expectRefused(t, box, await packTar([{ name: '.', data: 'x' }]), 'LAYER_UNSAFE', /the layer root is a file/);
});

// ---------------------------------------------------------------------------------------
// Hard links.

test('hard links out of the layer, through symlinks, to non-regular files, to nothing yet or to themselves are refused', async (t) => {
  const box = sandbox(t);
  const link = (linkname: string) => ({ name: 'h', type: 'link' as const, linkname });
  const cases: Array<[Parameters<typeof packTar>[0], RegExp]> = [
    [[link('../canary/file')], /its link target "\.\.\/canary\/file": the name has a "\.\." component/],
    [[link(path.join(box.canary, 'file'))], /link target .*does not exist in this layer/],
    [[{ name: 's', type: 'symlink', linkname: box.canary }, link('s/file')], /link target "s\/file": its parent "s" is a symlink/],
    [[{ name: 's', type: 'symlink', linkname: path.join(box.canary, 'passwd') }, link('s')], /link target "s" is a symlink, not a regular file/],
    [[{ name: 's', type: 'symlink', linkname: 'f' }, { name: 'f', data: 'x' }, link('s')], /link target "s" is a symlink, not a regular file/],
    [[{ name: 'd/', type: 'directory' }, link('d')], /link target "d" is a directory/],
    [[{ name: 'p', type: 'fifo' }, link('p')], /link target "p" is a fifo, not a regular file/],
    [[link('later'), { name: 'later', data: 'x' }], /link target "later" does not exist in this layer \(yet\)/],
    [[link('h')], /link target "h" is the entry itself/],
    [[link('./')], /link target "\.\/" is the layer root/],
    [[{ name: 'd/', type: 'directory' }, { name: 'd/f', data: 'x' }, { name: 'd', type: 'link', linkname: 'd/f' }], /was removed when this entry replaced what was at its path/],
    [[{ name: 'f', data: 'x' }, { name: 'h', type: 'link', linkname: 'f', pax: { linkpath: '../canary/file' } }], /link target "\.\.\/canary\/file"/],
  ];
  for (const [entries, message] of cases) await expectRefused(t, box, await packTar(entries), 'LAYER_UNSAFE', message);
});

rootTest(`a hard link to a whiteout (a character device) is refused${NEEDS_ROOT}`, async (t) => {
  const box = sandbox(t);
  await expectRefused(t, box, await packTar([{ name: '.wh.gone' }, { name: 'h', type: 'link', linkname: 'gone' }]), 'LAYER_UNSAFE', /link target "gone" is a character device, not a regular file/);
});

test('hard links inside the layer work, and later entries at a link\'s path never write into the shared inode', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([
    { name: 'bin/busybox', data: 'binary', mode: 0o755 },
    { name: 'bin/sh', type: 'link', linkname: 'bin/busybox' },
    { name: 'usr/bin/env', type: 'link', linkname: '/bin/busybox' },
    { name: 'bin/sh', data: 'replaced' },
  ]);
  await expectUnpacked(t, box, tar);
  const busybox = fs.statSync(path.join(box.target, 'bin/busybox'));
  t.is(busybox.ino, fs.statSync(path.join(box.target, 'usr/bin/env')).ino);
  t.is(busybox.nlink, 2);
  t.is(fs.readFileSync(path.join(box.target, 'bin/busybox'), 'utf8'), 'binary');
  t.is(fs.readFileSync(path.join(box.target, 'bin/sh'), 'utf8'), 'replaced');
});

// ---------------------------------------------------------------------------------------
// PAX and GNU overrides go through the same checks as header names.

test('PAX path and linkpath overrides are checked like any name', async (t) => {
  const box = sandbox(t);
  await expectRefused(t, box, await packTar([{ name: 'innocent', data: 'x', pax: { path: '../canary/file' } }]), 'LAYER_UNSAFE', /"\.\.\/canary\/file": the name has a "\.\." component/);
  const overridden = rawTar(
    rawEntry({ name: 'evil', typeflag: '2', linkname: box.canary }),
    paxHeader({ path: 'evil/file', linkpath: 'ignored' }),
    rawEntry({ name: 'harmless-name', data: Buffer.from('pwned') }),
  );
  await expectRefused(t, box, overridden, 'LAYER_UNSAFE', /entry #2 "evil\/file": its parent "evil" is a symlink/);
  await expectUnpacked(t, box, await packTar([{ name: 'innocent', data: 'x', pax: { path: `${box.canary}/file` } }]));
  t.is(fs.readFileSync(path.join(box.target, box.canary, 'file'), 'utf8'), 'x');
});

test('GNU long names and long link names are checked like any name', async (t) => {
  const box = sandbox(t);
  await expectRefused(t, box, rawTar(gnuLong('L', `../${'x'.repeat(200)}`), rawEntry({ name: 'short', data: Buffer.from('x'), magic: 'gnu' })), 'LAYER_UNSAFE', /"\.\." component/);
  await expectRefused(
    t,
    box,
    rawTar(rawEntry({ name: 'f', data: Buffer.from('x') }), gnuLong('K', `../canary/${'x'.repeat(120)}`), rawEntry({ name: 'h', typeflag: '1', linkname: 'f', magic: 'gnu' })),
    'LAYER_UNSAFE',
    /its link target ".*": the name has a "\.\." component/,
  );
  const symlinkThenLong = rawTar(rawEntry({ name: 'evil', typeflag: '2', linkname: box.canary }), gnuLong('L', `evil/${'y'.repeat(150)}`), rawEntry({ name: 'short', data: Buffer.from('x'), magic: 'gnu' }));
  await expectRefused(t, box, symlinkThenLong, 'LAYER_UNSAFE', /parent "evil" is a symlink/);
});

// ---------------------------------------------------------------------------------------
// Whiteouts.

test('whiteouts naming no sibling, used as directories, or reached through a symlink are refused and delete nothing', async (t) => {
  const box = sandbox(t);
  const refusals: Array<[Parameters<typeof packTar>[0], RegExp]> = [
    [[{ name: '.wh..' }], /the whiteout "\.wh\.\." names no sibling/],
    [[{ name: 'dir/.wh...' }], /the whiteout "\.wh\.\.\." names no sibling/],
    [[{ name: '.wh.' }], /the whiteout "\.wh\." names no sibling/],
    [[{ name: 'a/.wh.x/b' }], /the whiteout name "\.wh\.x" is used as a directory/],
    [[{ name: 'innocent', pax: { path: 'a/.wh.x/.wh.y' } }], /"\.wh\.x" is used as a directory/],
    [[{ name: 'evil', type: 'symlink', linkname: box.canary }, { name: 'evil/.wh.file' }], /parent "evil" is a symlink/],
    [[{ name: 'evil', type: 'symlink', linkname: box.canary }, { name: 'evil/.wh..wh..opq' }], /parent "evil" is a symlink/],
    [[{ name: 'evil', type: 'symlink', linkname: '../canary' }, { name: 'evil/sub/.wh.deep' }], /parent "evil" is a symlink/],
    [[{ name: '.wh.x', pax: { path: '../canary/.wh.file' } }], /"\.\." component/],
  ];
  for (const [entries, message] of refusals) await expectRefused(t, box, await packTar(entries), 'LAYER_UNSAFE', message);
});

rootTest(`a whiteout for a name the layer itself made replaces it, inside the layer only${NEEDS_ROOT}`, async (t) => {
  const box = sandbox(t);
  const tar = await packTar([
    { name: 'file', data: 'x' },
    { name: '.wh.file' },
    { name: 'dir/', type: 'directory' },
    { name: 'dir/child', data: 'c' },
    { name: '.wh.dir' },
    { name: 'canary', type: 'symlink', linkname: box.canary },
    { name: '.wh.canary' },
  ]);
  await expectUnpacked(t, box, tar);
  for (const name of ['file', 'dir', 'canary']) t.true(fs.lstatSync(path.join(box.target, name)).isCharacterDevice(), name);
});

// ---------------------------------------------------------------------------------------
// Devices, fifos, setuid.

test('block and character devices are skipped, never made, whatever they point at', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([
    { name: 'dev/mem', type: 'character-device', devmajor: 1, devminor: 1, mode: 0o666 },
    { name: 'dev/vda', type: 'block-device', devmajor: 253, devminor: 0, mode: 0o666 },
    { name: 'etc/shadow', type: 'character-device', devmajor: 1, devminor: 3 },
  ]);
  const result = await expectUnpacked(t, box, tar);
  t.deepEqual(result.skipped.map((s) => s.name), ['dev/mem', 'dev/vda', 'etc/shadow']);
  t.deepEqual(fs.readdirSync(path.join(box.target, 'dev')), []);
  t.deepEqual(fs.readdirSync(path.join(box.target, 'etc')), []);
});

test('setuid and setgid files keep their mode; fifos are made, never opened', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([
    { name: 'usr/bin/passwd', data: '#!/bin/false\n', mode: 0o4755 },
    { name: 'usr/bin/wall', data: '#!/bin/false\n', mode: 0o2711 },
    { name: 'tmp/', type: 'directory', mode: 0o1777 },
    { name: 'run/initctl', type: 'fifo', mode: 0o600 },
  ]);
  await expectUnpacked(t, box, tar);
  t.is(fs.statSync(path.join(box.target, 'usr/bin/passwd')).mode & 0o7777, 0o4755);
  t.is(fs.statSync(path.join(box.target, 'usr/bin/wall')).mode & 0o7777, 0o2711);
  t.is(fs.statSync(path.join(box.target, 'tmp')).mode & 0o7777, 0o1777);
  t.true(fs.lstatSync(path.join(box.target, 'run/initctl')).isFIFO());
});

// ---------------------------------------------------------------------------------------
// Types and sizes other parsers would read differently.

test('GNU sparse files (type S and PAX GNU.sparse records) and other unknown types are refused', async (t) => {
  const box = sandbox(t);
  await expectRefused(t, box, rawTar(rawEntry({ name: 'sparse', typeflag: 'S', data: Buffer.alloc(512) })), 'LAYER_UNSAFE', /entry #1 "sparse": its type is not one a layer may hold/);
  for (const typeflag of ['V', 'M', 'D', 'A', 'Z', '8']) {
    await expectRefused(t, box, rawTar(rawEntry({ name: 'odd', typeflag, magic: 'gnu' })), 'LAYER_UNSAFE', /its type is not one a layer may hold/);
  }
  const pax01 = rawTar(paxHeader({ 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 'big', 'GNU.sparse.realsize': '1073741824' }), rawEntry({ name: './GNUSparseFile.0/big', data: Buffer.from('1\n0\n512\n') }));
  await expectRefused(t, box, pax01, 'LAYER_UNSAFE', /sparse file \(PAX record GNU\.sparse\.major\)/);
  await expectRefused(t, box, rawTar(paxHeader({ 'GNU.sparse.size': '1', 'GNU.sparse.map': '0,1' }), rawEntry({ name: 'old', data: Buffer.from('x') })), 'LAYER_UNSAFE', /sparse file/);
});

test('directories, symlinks, links, fifos and devices that declare data are refused', async (t) => {
  const box = sandbox(t);
  const hidden = rawEntry({ name: 'hidden', data: Buffer.from('smuggled') });
  for (const [typeflag, type] of [['5', 'directory'], ['2', 'symlink'], ['1', 'link'], ['6', 'fifo'], ['3', 'character-device'], ['4', 'block-device']]) {
    const tar = rawTar(rawEntry({ name: `x${typeflag}`, typeflag, linkname: 'y', size: hidden.length, data: typeflag === '5' ? Buffer.alloc(0) : hidden }), typeflag === '5' ? hidden : Buffer.alloc(0));
    await expectRefused(t, box, tar, 'LAYER_UNSAFE', new RegExp(`a ${type} entry declares ${hidden.length} bytes of data`));
  }
});

test('a corrupt header, a truncated tar and a corrupt gzip stream are refused', async (t) => {
  const box = sandbox(t);
  const good = await packTar([{ name: 'a', data: 'x'.repeat(3000) }, { name: 'b', data: 'y' }]);
  await expectRefused(t, box, rawTar(rawEntry({ name: 'a', data: Buffer.from('x'), badChecksum: true })), 'LAYER_UNSAFE', /tar stream is not valid: Invalid tar header/);
  await expectRefused(t, box, good.subarray(0, 2048), 'LAYER_UNSAFE', /tar stream is not valid: Unexpected end of data/);
  const gz = zlib.gzipSync(good);
  const flipped = Buffer.from(gz);
  flipped[gz.length - 30] = gz[gz.length - 30]! ^ 0xff;
  await expectRefused(t, box, flipped, 'LAYER_UNSAFE', /gzip stream is corrupt/);
  await expectRefused(t, box, gz.subarray(0, gz.length - 4), 'LAYER_UNSAFE', /gzip stream is corrupt: unexpected end of file/);
  await expectRefused(t, box, Buffer.concat([good.subarray(0, 1024), Buffer.from('garbage'.repeat(100))]), 'LAYER_UNSAFE', /not valid/);
});

test('entries after the end-of-archive blocks are not unpacked (Go, and so Docker, never sees them); the diffId covers them', async (t) => {
  const box = sandbox(t);
  const hidden = rawEntry({ name: 'hidden', data: Buffer.from('only another tar reader would make this') });
  const layer = Buffer.concat([rawTar(rawEntry({ name: 'shown', data: Buffer.from('x') })), hidden, END]);
  const result = await expectUnpacked(t, box, layer);
  t.deepEqual(fs.readdirSync(box.target), ['shown']);
  t.is(result.entries, 1);
  t.is(result.diffId, `sha256:${crypto.createHash('sha256').update(layer).digest('hex')}`);
  fs.rmSync(box.target, { recursive: true });
  // One zero block, then more entries: a reader that skips it would see "hidden".
  const lone = Buffer.concat([rawEntry({ name: 'shown', data: Buffer.from('x') }), Buffer.alloc(512), hidden, END]);
  await expectRefused(t, box, lone, 'LAYER_UNSAFE', /tar stream is not valid: .*lone zero block/);
});

// ---------------------------------------------------------------------------------------
// Limits: sizes are charged before a byte is written; bombs stop at the limit.

test('a huge declared size is refused before any byte is written (LAYER_TOO_LARGE)', async (t) => {
  const box = sandbox(t);
  const header = rawEntry({ name: 'huge', size: 20 * 2 ** 30 });
  const error = await expectRefused(t, box, header, 'LAYER_TOO_LARGE', /entry #1 "huge" declares 21474836480 bytes, .* past the limit of 17179869184 bytes/);
  t.is(error.details.limit, 'maxBytes');
  // Real data behind the header: refused at the header, so the file is never made.
  let pulled = 0;
  async function* data() {
    yield rawEntry({ name: 'small', data: Buffer.from('ok') });
    yield rawEntry({ name: 'big', size: 64 * 2 ** 20 }).subarray(0, 512);
    for (let i = 0; i < 64; i++) {
      pulled += 2 ** 20;
      yield Buffer.alloc(2 ** 20, 0x41);
    }
  }
  await expectRefused(t, box, data(), 'LAYER_TOO_LARGE', /entry #2 "big" declares 67108864 bytes, which with the 2 before it is past the limit of 1048576/, { limits: { maxBytes: 2 ** 20, maxEntries: 10 } });
  t.true(pulled < 32 * 2 ** 20, `stopped reading after ${pulled} bytes`);
});

test('a gzip bomb of zero blocks (many GiB from a few MiB) is stopped at the stream limit without writing', async (t) => {
  const box = sandbox(t);
  const prefix = zlib.gzipSync((await packTar([{ name: 'a', data: 'a' }])).subarray(0, 1024));
  const member = zlib.gzipSync(Buffer.alloc(2 ** 20), { level: 9 }); // 1 MiB of zeros in ~1 KiB
  let compressed = 0;
  async function* bomb() {
    yield prefix;
    for (let i = 0; i < 64 * 1024; i++) {
      // 64 GiB of zeros in all; concatenated gzip members are one gzip stream.
      compressed += member.length;
      yield member;
    }
  }
  const started = performance.now();
  await expectRefused(t, box, bomb(), 'LAYER_TOO_LARGE', /the tar stream has \d+ bytes, more than its 1 entries' 1 declared bytes and headers can explain/, { limits: { maxBytes: 2 ** 20, maxEntries: 10 } });
  t.true(compressed < 2 ** 20, `read ${compressed} compressed bytes (${compressed / member.length} GiB/1024 of zeros)`);
  t.true(performance.now() - started < 20_000);
});

test('a file bomb (gzip of a file declaring more than the limit) is refused at its header', async (t) => {
  const box = sandbox(t);
  const header = rawEntry({ name: 'zeros', size: 4 * 2 ** 30 }).subarray(0, 512);
  const member = zlib.gzipSync(Buffer.alloc(2 ** 20), { level: 9 });
  async function* bomb() {
    yield zlib.gzipSync(header);
    for (let i = 0; i < 4096; i++) yield member;
  }
  await expectRefused(t, box, bomb(), 'LAYER_TOO_LARGE', /"zeros" declares 4294967296 bytes/, { limits: { maxBytes: 2 ** 30, maxEntries: 10 } });
});

test('too many entries, counting the parent directories a tar leaves out, is LAYER_TOO_LARGE', async (t) => {
  const box = sandbox(t);
  const many = await packTar(Array.from({ length: 11 }, (_, i) => ({ name: `f${i}`, data: '' })));
  const error = await expectRefused(t, box, many, 'LAYER_TOO_LARGE', /entry #11 is past the limit of 10 entries/, { limits: { maxBytes: 100, maxEntries: 10 } });
  t.is(error.details.limit, 'maxEntries');
  await expectRefused(t, box, await packTar([{ name: 'a/b/c/d', data: 'x' }]), 'LAYER_TOO_LARGE', /the parent directory "a\/b\/c" \(not in the tar\) is past the limit of 3 entries/, { limits: { maxBytes: 100, maxEntries: 3 } });
  await expectUnpacked(t, box, await packTar(Array.from({ length: 10 }, (_, i) => ({ name: `f${i}`, data: 'x' }))), { limits: { maxBytes: 10, maxEntries: 10 } });
});

test('input in tiny chunks crossing header boundaries is checked the same way', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([{ name: 'evil', type: 'symlink', linkname: box.canary }, { name: 'evil/file', data: 'pwned' }]);
  await expectRefused(t, box, chunked(tar, 3), 'LAYER_UNSAFE', /parent "evil" is a symlink/);
});

test('a source that stalls after a refused entry does not hold up the error', async (t) => {
  const box = sandbox(t);
  const tar = await packTar([{ name: 'evil', type: 'symlink', linkname: box.canary }, { name: 'evil/file', data: 'pwned' }]);
  async function* stalls() {
    yield tar.subarray(0, tar.length - 1024);
    await new Promise(() => {}); // never resolves, like a dead connection
  }
  await expectRefused(t, box, stalls(), 'LAYER_UNSAFE', /parent "evil" is a symlink/);
});
