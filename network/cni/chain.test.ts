// The chain runner against fake plugins: small node scripts that log what they were given
// (environment and stdin) and answer as their configuration tells them to.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { addNetwork, cachedResult, checkNetwork, CniError, delNetwork, parseConflist, type Chain, type ChainOptions, type PodNetworkRequest } from './index.ts';

const FAKE_PLUGIN = `#!${process.execPath}
const fs = require('fs');
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  const config = JSON.parse(input);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CNI_')));
  fs.appendFileSync(config.log, JSON.stringify({ tag: config.tag, command: env.CNI_COMMAND, env, config }) + '\\n');
  if ((config.failOn || []).includes(env.CNI_COMMAND)) {
    if (config.failWith === 'json') { process.stdout.write(JSON.stringify({ cniVersion: config.cniVersion, code: 11, msg: 'busy', details: 'try later' })); process.exit(1); }
    if (config.failWith === 'hang') { setTimeout(() => {}, 600000); return; }
    process.stderr.write('panic: something broke\\n'); process.exit(2);
  }
  if (env.CNI_COMMAND !== 'ADD') process.exit(0);
  if (config.printGarbage) { process.stdout.write('not json'); process.exit(0); }
  const prev = config.prevResult || { interfaces: [], ips: [] };
  const interfaces = [...(prev.interfaces || []), { name: config.tag, sandbox: env.CNI_NETNS }];
  const result = { ...prev, cniVersion: config.cniVersion, interfaces };
  if (config.ip) result.ips = [...(prev.ips || []), { address: config.ip, gateway: config.gw, interface: interfaces.length - 1 }];
  if (config.badResult) result.ips = [{ address: 'nope' }];
  process.stdout.write(JSON.stringify(result));
});
`;

interface LogLine {
  tag: string;
  command: string;
  env: Record<string, string>;
  config: Record<string, unknown>;
}

const dirs: string[] = [];
test.after.always(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function setup(plugins: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-chain-'));
  dirs.push(dir);
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const name of ['fake', 'fake2']) fs.writeFileSync(path.join(bin, name), FAKE_PLUGIN, { mode: 0o755 });
  const log = path.join(dir, 'log');
  const chain: Chain = parseConflist({ cniVersion: '1.0.0', name: 'testnet', ...extra, plugins: plugins.map((p) => ({ type: 'fake', log, ...p })) }, 'test.conflist');
  const options: ChainOptions = { binDirs: [path.join(dir, 'empty'), bin], cacheDir: path.join(dir, 'cache'), timeoutMs: 10_000 };
  const lines = (): LogLine[] => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogLine) : []);
  const clearLog = () => fs.rmSync(log, { force: true });
  return { dir, bin, chain, options, lines, clearLog };
}

const request: PodNetworkRequest = { containerId: 'c0ffee', netns: '/run/netns/pod', podNamespace: 'default', podName: 'web-1', podUid: 'uid-1' };

test('ADD runs the plugins in order, each with the previous result, the list\'s name and version, and the spec\'s environment', async (t) => {
  const { chain, options, lines, bin } = setup([{ tag: 'first', ip: '10.1.0.5/24', gw: '10.1.0.1' }, { tag: 'second', type: 'fake2', capabilities: { portMappings: true } }, { tag: 'third' }]);
  const portMappings = [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }];
  const result = await addNetwork(chain, { ...request, capabilityArgs: { portMappings, bandwidth: {} } }, options);
  t.deepEqual(result, {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'first', sandbox: '/run/netns/pod' }, { name: 'second', sandbox: '/run/netns/pod' }, { name: 'third', sandbox: '/run/netns/pod' }],
    ips: [{ address: '10.1.0.5/24', gateway: '10.1.0.1', interface: 0 }],
  });
  const [first, second, third] = lines();
  t.deepEqual([first!.tag, second!.tag, third!.tag], ['first', 'second', 'third']);
  t.deepEqual(first!.env, {
    CNI_COMMAND: 'ADD',
    CNI_CONTAINERID: 'c0ffee',
    CNI_NETNS: '/run/netns/pod',
    CNI_IFNAME: 'eth0',
    CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-1;K8S_POD_INFRA_CONTAINER_ID=c0ffee;K8S_POD_UID=uid-1',
    CNI_PATH: `${path.join(path.dirname(bin), 'empty')}:${bin}`,
  });
  t.like(first!.config, { name: 'testnet', cniVersion: '1.0.0', type: 'fake' });
  t.false('prevResult' in first!.config);
  t.false('runtimeConfig' in first!.config);
  t.deepEqual(second!.config.prevResult, { cniVersion: '1.0.0', interfaces: [{ name: 'first', sandbox: '/run/netns/pod' }], ips: [{ address: '10.1.0.5/24', gateway: '10.1.0.1', interface: 0 }] });
  // Only the capability the plugin declares, not the runtime's others.
  t.deepEqual(second!.config.runtimeConfig, { portMappings });
  t.false('runtimeConfig' in third!.config);
});

test('the ADD result is cached as libcni caches it, and DEL and CHECK get it as prevResult', async (t) => {
  const { chain, options, lines, clearLog } = setup([{ tag: 'a', ip: '10.1.0.5/24' }, { tag: 'b' }]);
  const result = await addNetwork(chain, request, options);
  const file = path.join(options.cacheDir, 'results', 'testnet-c0ffee-eth0');
  const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  t.like(cached, { kind: 'cniCacheV1', containerId: 'c0ffee', ifName: 'eth0', networkName: 'testnet', netns: '/run/netns/pod' });
  t.deepEqual(cached.result, result);
  t.like(JSON.parse(Buffer.from(cached.config as string, 'base64').toString()), { name: 'testnet', cniVersion: '1.0.0' });
  t.deepEqual(cachedResult(chain, request, options), result);

  clearLog();
  await checkNetwork(chain, request, options);
  t.deepEqual(lines().map((l) => [l.command, l.tag]), [['CHECK', 'a'], ['CHECK', 'b']]);
  t.true(lines().every((l) => JSON.stringify(l.config.prevResult) === JSON.stringify(result)));

  clearLog();
  await delNetwork(chain, request, options);
  t.deepEqual(lines().map((l) => [l.command, l.tag]), [['DEL', 'b'], ['DEL', 'a']]);
  t.true(lines().every((l) => JSON.stringify(l.config.prevResult) === JSON.stringify(result)));
  t.false(fs.existsSync(file));

  // A second DEL succeeds, without prevResult (nothing is cached any more).
  clearLog();
  await delNetwork(chain, request, options);
  t.deepEqual(lines().map((l) => [l.command, 'prevResult' in l.config]), [['DEL', false], ['DEL', false]]);
  await t.throwsAsync(checkNetwork(chain, request, options), { instanceOf: CniError, message: /no cached ADD result for container c0ffee \(eth0\) on network testnet \[code 3\]/ });
});

test('a plugin\'s error object becomes a CniError naming it, and the plugins that ran are sent DEL in reverse', async (t) => {
  const { chain, options, lines } = setup([{ tag: 'a' }, { tag: 'b', type: 'fake2' }, { tag: 'c', failOn: ['ADD'], failWith: 'json' }, { tag: 'd' }]);
  const error = await t.throwsAsync(addNetwork(chain, request, options), { instanceOf: CniError });
  t.is(error!.message, 'CNI plugin fake failed (ADD): busy: try later [code 11]');
  t.like(error, { code: 11, msg: 'busy', details: 'try later', plugin: 'fake', command: 'ADD' });
  t.deepEqual(lines().map((l) => [l.command, l.tag]), [['ADD', 'a'], ['ADD', 'b'], ['ADD', 'c'], ['DEL', 'c'], ['DEL', 'b'], ['DEL', 'a']]);
  // The rollback's DEL gets what the chain had made so far.
  t.deepEqual((lines()[3]!.config.prevResult as { interfaces: unknown[] }).interfaces.length, 2);
  t.is(cachedResult(chain, request, options), undefined);
});

test('a plugin that fails without an error object is reported with its exit and what it printed', async (t) => {
  const { chain, options } = setup([{ tag: 'a', failOn: ['ADD'] }]);
  const error = await t.throwsAsync(addNetwork(chain, request, options), { instanceOf: CniError });
  t.is(error!.message, 'CNI plugin fake failed (ADD): exited with status 2: panic: something broke [code 999]');
});

test('a plugin that does not finish in time is killed', async (t) => {
  const { chain, options } = setup([{ tag: 'a', failOn: ['ADD'], failWith: 'hang' }]);
  const started = Date.now();
  await t.throwsAsync(addNetwork(chain, request, { ...options, timeoutMs: 500 }), { message: 'CNI plugin fake failed (ADD): did not finish within 500 ms and was killed [code 999]' });
  t.true(Date.now() - started < 5_000);
});

test('a missing plugin, garbage output and an invalid result are each reported', async (t) => {
  const missing = setup([{ tag: 'a', type: 'nosuch' }]);
  await t.throwsAsync(addNetwork(missing.chain, request, missing.options), { message: new RegExp(`CNI plugin nosuch failed \\(ADD\\): no executable nosuch in .*/empty, ${missing.bin} \\[code 7\\]`) });
  const garbage = setup([{ tag: 'a', printGarbage: true }]);
  await t.throwsAsync(addNetwork(garbage.chain, request, garbage.options), { message: 'CNI plugin fake failed (ADD): printed no JSON result: not json [code 6]' });
  const invalid = setup([{ tag: 'a', badResult: true }]);
  await t.throwsAsync(addNetwork(invalid.chain, request, invalid.options), { message: 'CNI plugin fake failed (ADD): printed a result that is not valid: ips[0].address: "nope" is not an address in CIDR form [code 6]' });
});

test('DEL goes on past a failing plugin, names every failure, and keeps the cache for a retry', async (t) => {
  const { chain, options, lines, clearLog } = setup([{ tag: 'a', failOn: ['DEL'] }, { tag: 'b' }, { tag: 'c', failOn: ['DEL'], failWith: 'json' }]);
  await addNetwork(chain, request, options);
  clearLog();
  const error = await t.throwsAsync(delNetwork(chain, request, options), { instanceOf: CniError });
  t.deepEqual(lines().map((l) => [l.command, l.tag]), [['DEL', 'c'], ['DEL', 'b'], ['DEL', 'a']]);
  t.is(error!.message, 'CNI plugin fake failed (DEL): busy: try later [code 11]; also failed: CNI plugin fake failed (DEL): exited with status 2: panic: something broke [code 999]');
  t.truthy(cachedResult(chain, request, options));
});

test('CHECK stops at the first failing plugin; disableCheck runs none', async (t) => {
  const { chain, options, lines, clearLog } = setup([{ tag: 'a' }, { tag: 'b', failOn: ['CHECK'], failWith: 'json' }, { tag: 'c' }]);
  await addNetwork(chain, request, options);
  clearLog();
  await t.throwsAsync(checkNetwork(chain, request, options), { message: /CNI plugin fake failed \(CHECK\): busy/ });
  t.deepEqual(lines().map((l) => l.tag), ['a', 'b']);
  clearLog();
  await checkNetwork({ ...chain, disableCheck: true }, request, options);
  t.deepEqual(lines(), []);
});

test('a 0.4.0 list gets prevResult in the 0.4.0 shape; a 0.3.1 list has no CHECK and no prevResult on DEL', async (t) => {
  const old = setup([{ tag: 'a', ip: '10.1.0.5/24' }, { tag: 'b' }], { cniVersion: '0.4.0' });
  await addNetwork(old.chain, request, old.options);
  t.deepEqual((old.lines()[1]!.config.prevResult as { ips: unknown[] }).ips, [{ version: '4', address: '10.1.0.5/24', interface: 0 }]);
  const older = setup([{ tag: 'a', ip: '10.1.0.5/24' }], { cniVersion: '0.3.1' });
  await addNetwork(older.chain, request, older.options);
  older.clearLog();
  await delNetwork(older.chain, request, older.options);
  t.false('prevResult' in older.lines()[0]!.config);
  await t.throwsAsync(checkNetwork(older.chain, request, older.options), { message: /CHECK needs cniVersion 0\.4\.0 or later; test\.conflist has 0\.3\.1 \[code 1\]/ });
});

test('a bad request is refused before any plugin runs', async (t) => {
  const { chain, options, lines } = setup([{ tag: 'a' }]);
  await t.throwsAsync(addNetwork(chain, { ...request, containerId: '../x' }, options), { message: /pod network request: containerId: "..\/x" must start with a letter or digit/ });
  await t.throwsAsync(addNetwork(chain, { ...request, netns: 'relative' }, options), { message: /pod network request: netns: must be the absolute path/ });
  await t.throwsAsync(addNetwork(chain, { ...request, netns: '' }, options), { message: /netns: must be the absolute path/ });
  await t.throwsAsync(addNetwork(chain, { ...request, ifName: 'an-interface-name' }, options), { message: /ifName: "an-interface-name" is longer than 15 bytes/ });
  await t.throwsAsync(addNetwork(chain, { ...request, podName: 'a;b=c' }, options), { message: /podName: must be a string without ; or =/ });
  t.deepEqual(lines(), []);
  // DEL of a pod whose namespace is gone: CNI_NETNS is empty, and that is allowed.
  await delNetwork(chain, { ...request, netns: '' }, options);
  t.is(lines()[0]!.env.CNI_NETNS, '');
});

test('ADD of a pod attached already returns the cached result when CHECK passes, and re-adds it when not', async (t) => {
  const intact = setup([{ tag: 'a', ip: '10.1.0.5/24' }, { tag: 'b' }]);
  const first = await addNetwork(intact.chain, request, intact.options);
  intact.clearLog();
  t.deepEqual(await addNetwork(intact.chain, request, intact.options), first);
  t.deepEqual(intact.lines().map((l) => [l.command, l.tag]), [['CHECK', 'a'], ['CHECK', 'b']]);

  const broken = setup([{ tag: 'a', ip: '10.1.0.5/24' }, { tag: 'b', failOn: ['CHECK'], failWith: 'json' }]);
  await addNetwork(broken.chain, request, broken.options);
  broken.clearLog();
  await addNetwork(broken.chain, request, broken.options);
  t.deepEqual(broken.lines().map((l) => [l.command, l.tag]), [['CHECK', 'a'], ['CHECK', 'b'], ['DEL', 'b'], ['DEL', 'a'], ['ADD', 'a'], ['ADD', 'b']]);
});
