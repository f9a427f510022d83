import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { builtinChain, loadChain, parseConflist, readConflist, referenceChain } from './index.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-conflist-'));
  dirs.push(dir);
  return dir;
}
test.after.always(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const defaults = { subnet: '10.42.3.0/24', mtu: 1450, dataDir: '/var/lib/skerry' };
const valid = { cniVersion: '1.0.0', name: 'pods', plugins: [{ type: 'bridge', bridge: 'br0' }, { type: 'portmap', capabilities: { portMappings: true } }] };

test('a valid list is returned with its source', (t) => {
  const chain = parseConflist(valid, 'test.conflist');
  t.is(chain.source, 'test.conflist');
  t.is(chain.name, 'pods');
  t.deepEqual(chain.plugins.map((p) => p.type), ['bridge', 'portmap']);
  t.is(chain.plugins[0]!.bridge, 'br0');
});

test('each bad field is named with the file and the reason', (t) => {
  const bad = (value: unknown) => t.throws(() => parseConflist(value, 'f.conflist'))!.message;
  t.is(bad([]), 'Configuration is not valid: f.conflist: (top level): must be a JSON object');
  t.regex(bad({ ...valid, cniVersion: 1 }), /f\.conflist: cniVersion: must be a string/);
  t.regex(bad({ ...valid, cniVersion: '2.0.0' }), /cniVersion: 2\.0\.0 is not supported \(supported: 0\.3\.0, 0\.3\.1, 0\.4\.0, 1\.0\.0, 1\.1\.0\)/);
  t.regex(bad({ ...valid, name: '-x' }), /name: "-x" must start with a letter or digit/);
  t.regex(bad({ ...valid, disableCheck: 'yes' }), /disableCheck: must be true or false/);
  t.regex(bad({ ...valid, plugins: [] }), /plugins: must be a non-empty array/);
  t.regex(bad({ ...valid, plugins: [{ type: 'bridge' }, 'x'] }), /plugins\[1\]: must be an object/);
  t.regex(bad({ ...valid, plugins: [{ bridge: 'x' }] }), /plugins\[0\]\.type: must be a non-empty string/);
  t.regex(bad({ ...valid, plugins: [{ type: '../../bin/sh' }] }), /plugins\[0\]\.type: "..\/..\/bin\/sh" must be a plain executable name/);
  t.regex(bad({ ...valid, plugins: [{ type: 'portmap', capabilities: { portMappings: 'yes' } }] }), /plugins\[0\]\.capabilities: must be an object of booleans/);
});

test('the built-in plugin\'s fields are checked when the list is read', (t) => {
  const bad = (plugin: Record<string, unknown>) => t.throws(() => parseConflist({ ...valid, plugins: [{ type: 'skerry', subnet: '10.42.3.0/24', dataDir: '/d', ...plugin }] }, 'f.conflist'))!.message;
  t.regex(bad({ subnet: '10.42.3.1/24' }), /f\.conflist: plugins\[0\]\.subnet: 10\.42\.3\.1\/24 has host bits set/);
  t.regex(bad({ dataDir: 'rel' }), /f\.conflist: plugins\[0\]\.dataDir: must be an absolute path/);
  t.regex(bad({ mtu: 9 }), /plugins\[0\]\.mtu: 9 must be a whole number from 576 to 65535/);
  t.regex(bad({ bridge: 'a-bridge-name-too-long' }), /plugins\[0\]\.bridge: "a-bridge-name-too-long" is longer than 15 bytes/);
  t.regex(bad({ hostNetns: 'x' }), /plugins\[0\]\.hostNetns: must be the absolute path/);
  t.regex(bad({ hairpinMode: 1 }), /plugins\[0\]\.hairpinMode: must be true or false/);
});

test('the built-in and reference chains are valid lists of the same network', (t) => {
  const builtin = parseConflist(builtinChain({ ...defaults, hostNetns: '/run/netns/n' }), 'built-in');
  t.deepEqual(builtin.plugins, [{ type: 'skerry', bridge: 'skerry0', subnet: '10.42.3.0/24', mtu: 1450, dataDir: '/var/lib/skerry', hairpinMode: true, hostNetns: '/run/netns/n' }]);
  const reference = parseConflist(referenceChain(defaults), 'reference');
  t.deepEqual(reference.plugins.map((p) => p.type), ['bridge', 'portmap', 'loopback']);
  t.like(reference.plugins[0], { bridge: 'skerry0', isGateway: true, ipMasq: false, mtu: 1450 });
  t.deepEqual(reference.plugins[0]!.ipam, {
    type: 'host-local',
    ranges: [[{ subnet: '10.42.3.0/24', gateway: '10.42.3.1' }]],
    routes: [{ dst: '0.0.0.0/0' }],
    dataDir: '/var/lib/skerry/network/host-local',
  });
  t.deepEqual(reference.plugins[1]!.capabilities, { portMappings: true });
  t.is(builtin.name, reference.name);
});

test('loadChain takes the lexically first .conflist, else the built-in chain', (t) => {
  t.is(loadChain(undefined, defaults).source, 'built-in');
  t.is(loadChain('/nonexistent/skerry-cni', defaults).source, 'built-in');
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, '10-other.conf'), '{}');
  t.is(loadChain(dir, defaults).source, 'built-in');
  fs.writeFileSync(path.join(dir, '20-b.conflist'), JSON.stringify({ ...valid, name: 'b' }));
  fs.writeFileSync(path.join(dir, '10-a.conflist'), JSON.stringify({ ...valid, name: 'a' }));
  const chain = loadChain(dir, defaults);
  t.is(chain.name, 'a');
  t.is(chain.source, path.join(dir, '10-a.conflist'));
  t.deepEqual(loadChain(undefined, defaults).plugins, builtinChain(defaults).plugins);
});

test('a file that is not JSON, or not a valid list, is reported by name', (t) => {
  const dir = tempDir();
  const file = path.join(dir, '00-bad.conflist');
  fs.writeFileSync(file, '{ not json');
  t.throws(() => loadChain(dir, defaults), { message: new RegExp(`^Configuration is not valid: ${file}: is not JSON: `) });
  fs.writeFileSync(file, JSON.stringify({ ...valid, plugins: [{}] }));
  t.throws(() => readConflist(file), { message: `Configuration is not valid: ${file}: plugins[0].type: must be a non-empty string` });
});
