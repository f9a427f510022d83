// rtnetlink steps against real network namespaces made for this test: a "host" and a "pod"
// namespace, both as files under /run/netns. The test process never leaves its own namespace
// and only reads from it.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { promisify } from 'node:util';
import test from 'ava';
import { deleteLink, linkAddresses, linkInfo, runNetlink } from '../index.ts';

const run = promisify(execFile);
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => fs.existsSync(p));
const why = process.getuid?.() !== 0 ? 'needs root (network namespaces)' : !IP ? 'needs iproute2 to make the namespaces' : undefined;
const nlTest = why ? test.skip : test.serial;
if (why) test('netlink tests are skipped', (t) => void (t.log(`skipped: ${why}`), t.pass()));

const id = crypto.randomBytes(3).toString('hex');
const HOST = `skerry-${id}-nlhost`;
const POD = `skerry-${id}-nlpod`;
const host = `/run/netns/${HOST}`;
const pod = `/run/netns/${POD}`;

test.before(async () => {
  if (why) return;
  await run(IP!, ['netns', 'add', HOST]);
  await run(IP!, ['netns', 'add', POD]);
});

test.after.always(async () => {
  if (why) return;
  for (const name of [HOST, POD]) await run(IP!, ['netns', 'del', name]).catch(() => undefined);
});

const readInNs = async (ns: string, file: string) => (await run('/usr/bin/nsenter', [`--net=/run/netns/${ns}`, '--', 'cat', file])).stdout.trim();

nlTest('a bridge is made up, with its MTU and MAC, and found again the second time', async (t) => {
  const [made] = await runNetlink([{ op: 'ensureBridge', netns: host, name: 'skerrybr', mtu: 1400, mac: '0a:58:0a:2a:03:01' }]);
  t.like(made, { name: 'skerrybr', kind: 'bridge', mtu: 1400, mac: '0a:58:0a:2a:03:01', up: true, master: 0 });
  const [again] = await runNetlink([{ op: 'ensureBridge', netns: host, name: 'skerrybr', mtu: 1450 }]);
  t.is(again.index, made.index);
  t.is(again.mtu, 1450, 'an existing bridge gets the MTU asked for');
  t.is((await linkInfo(host, 'skerrybr'))!.mac, '0a:58:0a:2a:03:01');
});

nlTest('a veth is made with its peer directly in the pod, both up, on the bridge, with hairpin', async (t) => {
  const [veth] = await runNetlink([{ op: 'createVeth', netns: host, name: 'skerryv0', peerName: 'eth0', peerNetns: pod, mtu: 1400, master: 'skerrybr', hairpin: true }]);
  const bridge = (await linkInfo(host, 'skerrybr'))!;
  t.like(veth.host, { name: 'skerryv0', kind: 'veth', mtu: 1400, up: true, master: bridge.index, peer: veth.peer.index });
  t.like(veth.peer, { name: 'eth0', kind: 'veth', mtu: 1400, up: true, master: 0, peer: veth.host.index });
  t.is(await linkInfo(host, 'eth0'), null, 'the peer is not in the host namespace');
  const { stdout } = await run(IP!, ['-n', HOST, '-j', '-d', 'link', 'show', 'dev', 'skerryv0']);
  t.true((JSON.parse(stdout) as Array<{ linkinfo: { info_slave_data: { hairpin: boolean } } }>)[0]!.linkinfo.info_slave_data.hairpin);
  const error = await t.throwsAsync(runNetlink([{ op: 'createVeth', netns: host, name: 'skerryv0', peerName: 'eth1', peerNetns: pod }]));
  t.is(error!.message, `create veth skerryv0 (peer eth1 in ${pod}) in ${host}: EEXIST (File exists)`);
  t.like(error, { code: 'EEXIST', step: 0 });
});

nlTest('addresses and routes: adding twice changes nothing, listing shows them, an unreachable gateway is refused with the kernel\'s reason', async (t) => {
  const results = await runNetlink([
    { op: 'addAddress', netns: host, name: 'skerrybr', address: '10.99.0.1/24' },
    { op: 'addAddress', netns: pod, name: 'eth0', address: '10.99.0.2/24' },
    { op: 'addAddress', netns: pod, name: 'eth0', address: '10.99.0.2/24' },
    { op: 'addRoute', netns: pod, destination: 'default', gateway: '10.99.0.1', device: 'eth0' },
    { op: 'addRoute', netns: pod, destination: 'default', gateway: '10.99.0.1' },
    { op: 'addRoute', netns: pod, destination: '10.98.0.0/16', gateway: '10.99.0.1' },
    { op: 'setLink', netns: pod, name: 'lo', up: true },
    { op: 'listAddresses', netns: pod, name: 'eth0' },
    { op: 'listRoutes', netns: pod },
  ] as const);
  const eth0 = (await linkInfo(pod, 'eth0'))!;
  t.deepEqual(results[7].filter((a) => a.family === 4), [{ family: 4, address: '10.99.0.2', prefixLength: 24 }]);
  t.deepEqual(
    results[8].map((r) => [r.destination, r.prefixLength, r.gateway, r.device]).sort(),
    [
      ['0.0.0.0', 0, '10.99.0.1', eth0.index],
      ['10.98.0.0', 16, '10.99.0.1', eth0.index],
      ['10.99.0.0', 24, undefined, eth0.index],
    ].sort(),
  );
  t.deepEqual(await linkAddresses(pod, 'lo'), [{ family: 4, address: '127.0.0.1', prefixLength: 8 }, { family: 6, address: '::1', prefixLength: 128 }]);
  const { stdout } = await run(IP!, ['-n', POD, '-4', 'addr', 'show', 'dev', 'eth0']);
  t.regex(stdout, /inet 10\.99\.0\.2\/24 brd 10\.99\.0\.255 scope global eth0/);
  const error = await t.throwsAsync(runNetlink([{ op: 'addRoute', netns: pod, destination: '10.50.0.0/16', gateway: '10.77.0.1' }]));
  t.is(error!.message, `add route 10.50.0.0/16 via 10.77.0.1 in ${pod} (kernel: Nexthop has invalid gateway): ENETUNREACH (Network is unreachable)`);
});

nlTest('setLink changes MTU, state and bridge; a missing link reads as null and is reported by name', async (t) => {
  await runNetlink([{ op: 'setLink', netns: host, name: 'skerryv0', mtu: 1300, up: false, master: '' }]);
  t.like(await linkInfo(host, 'skerryv0'), { mtu: 1300, up: false, master: 0 });
  const bridge = (await linkInfo(host, 'skerrybr'))!;
  await runNetlink([{ op: 'setLink', netns: host, name: 'skerryv0', up: true, master: 'skerrybr', mtu: 1400 }]);
  t.like(await linkInfo(host, 'skerryv0'), { mtu: 1400, up: true, master: bridge.index });
  t.is(await linkInfo(host, 'nosuch'), null);
  await t.throwsAsync(runNetlink([{ op: 'setLink', netns: host, name: 'nosuch', up: true }]), { message: `set link nosuch in ${host}: ENODEV (No such device)` });
  await t.throwsAsync(linkAddresses(host, 'nosuch'), { message: `find link nosuch in ${host}: ENODEV (No such device)` });
  await t.throwsAsync(runNetlink([{ op: 'ensureBridge', netns: host, name: 'skerryv0' }]), { message: `use skerryv0 in ${host} as the pod bridge: it is a veth, not a bridge: EEXIST (File exists)` });
});

nlTest('deleting one end of a veth deletes both; deleting again says there was nothing', async (t) => {
  t.true(await deleteLink(host, 'skerryv0'));
  t.is(await linkInfo(pod, 'eth0'), null);
  t.false(await deleteLink(host, 'skerryv0'));
});

nlTest('a sysctl is written in the namespace it names only, and only when it differs', async (t) => {
  const rootBefore = fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
  const other = await readInNs(POD, '/proc/sys/net/ipv4/ip_forward');
  const target = (await readInNs(HOST, '/proc/sys/net/ipv4/ip_forward')) === '1' ? '0' : '1';
  t.deepEqual(await runNetlink([{ op: 'sysctl', netns: host, key: 'net/ipv4/ip_forward', value: target }]), [true]);
  t.deepEqual(await runNetlink([{ op: 'sysctl', netns: host, key: 'net/ipv4/ip_forward', value: target }]), [false]);
  t.is(await readInNs(HOST, '/proc/sys/net/ipv4/ip_forward'), target);
  t.is(await readInNs(POD, '/proc/sys/net/ipv4/ip_forward'), other);
  t.is(fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'), rootBefore);
  await t.throwsAsync(runNetlink([{ op: 'sysctl', netns: host, key: '../../etc/passwd', value: 'x' }]), { message: 'netlink steps[0].key: must be a path below /proc/sys such as net/ipv4/ip_forward' });
  await t.throwsAsync(runNetlink([{ op: 'sysctl', netns: host, key: 'net/ipv4/nosuch', value: '1' }]), { message: `open /proc/sys/net/ipv4/nosuch in ${host}: ENOENT (No such file or directory)` });
});

nlTest('bad namespaces and bad steps are reported with the step and the reason', async (t) => {
  await t.throwsAsync(runNetlink([{ op: 'getLink', netns: '/nonexistent/ns', name: 'lo' }]), { message: 'open /nonexistent/ns: ENOENT (No such file or directory)' });
  await t.throwsAsync(runNetlink([{ op: 'getLink', netns: '/proc/self/ns/uts', name: 'lo' }]), { message: 'setns CLONE_NEWNET /proc/self/ns/uts: EINVAL (Invalid argument)' });
  const second = await t.throwsAsync(runNetlink([{ op: 'getLink', netns: host, name: 'lo' }, { op: 'setLink', netns: host, name: 'nosuch', up: true }]));
  t.is((second as Error & { step: number }).step, 1);
  await t.throwsAsync(runNetlink([{ op: 'explode', name: 'x' } as never]), { message: /netlink steps\[0\]\.op: "explode" is not one of getLink, ensureBridge/ });
  await t.throwsAsync(runNetlink([{ op: 'ensureBridge', netns: host, name: 'b', mtu: 20 }]), { message: 'netlink steps[0].mtu: must be a whole number from 68 to 65535' });
  await t.throwsAsync(runNetlink([{ op: 'getLink', netns: host } as never]), { message: 'netlink steps[0].name: is required and must be a string' });
  await t.throwsAsync(runNetlink([{ op: 'getLink', netns: host, name: 'a-name-longer-than-15' }]), { message: `look up link "a-name-longer-than-15" in ${host}: names are 1-15 bytes: EINVAL (Invalid argument)` });
  await t.throwsAsync(runNetlink([{ op: 'addAddress', netns: host, name: 'lo', address: '10.0.0.1' }]), { message: `parse 10.0.0.1 as address/prefix for lo: EINVAL (Invalid argument)` });
});

nlTest('without a netns a step reads this process\'s own namespace (read only here)', async (t) => {
  const [lo] = await runNetlink([{ op: 'getLink', name: 'lo' }]);
  t.like(lo, { index: 1, name: 'lo', up: true });
});

nlTest('many batches at once, each in namespaces of its own thread', async (t) => {
  const batches = await Promise.all(Array.from({ length: 30 }, (_, i) => runNetlink([{ op: 'getLink', netns: i % 2 ? host : pod, name: 'lo' }, { op: 'listRoutes', netns: pod }])));
  t.true(batches.every(([lo]) => lo?.name === 'lo'));
  const fds = fs.readdirSync('/proc/self/fd').length;
  await Promise.all(Array.from({ length: 20 }, () => runNetlink([{ op: 'getLink', netns: host, name: 'lo' }])));
  t.true(fs.readdirSync('/proc/self/fd').length <= fds + 2, 'no fds are left open by finished batches');
});
