// Pod networks for real, with the built-in chain and with the reference plugins: a "node"
// network namespace holds the bridge (as the host's would), each pod has a namespace of its
// own, and everything runs in namespaces this test made (the host's is never touched).
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { linkInfo } from '../../native/index.ts';
import { openAllocator } from '../ipam/index.ts';
import { addNetwork, builtinChain, checkNetwork, CniError, delNetwork, hostVethName, referenceChain, type Chain, type ChainOptions, type CniResult, type PodNetworkRequest } from './index.ts';

const run = promisify(execFile);
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => fs.existsSync(p));
const NSENTER = ['/usr/bin/nsenter', '/bin/nsenter'].find((p) => fs.existsSync(p));
const BUSYBOX = '/bin/busybox';
const REFERENCE_PLUGINS = ['bridge', 'host-local', 'portmap', 'loopback'].map((name) => path.join('/usr/lib/cni', name));
const ADDON = fileURLToPath(new URL('../../native/build/Release/skerry.node', import.meta.url));

const why =
  process.getuid?.() !== 0
    ? 'needs root (network namespaces)'
    : !IP || !NSENTER || !fs.existsSync(BUSYBOX)
      ? 'needs iproute2, nsenter and busybox (ping)'
      : !fs.existsSync('/proc/sys/net/bridge')
        ? 'needs the br_netfilter module (modprobe br_netfilter)'
        : !fs.existsSync(ADDON) && !process.env.SKERRY_ADDON
          ? 'needs the native addon (npm run install)'
          : undefined;
const whyReference = why ?? (REFERENCE_PLUGINS.every((p) => fs.existsSync(p)) ? undefined : 'needs containernetworking-plugins in /usr/lib/cni');
const kTest = why ? test.skip : test.serial;
const refTest = whyReference ? test.skip : test.serial;
if (why) test('pod network tests are skipped', (t) => void (t.log(`skipped: ${why}`), t.pass()));
else if (whyReference) test('reference chain tests are skipped', (t) => void (t.log(`skipped: ${whyReference}`), t.pass()));

const RUN_ID = crypto.randomBytes(3).toString('hex');
const SUBNET = '10.42.3.0/24';
const GATEWAY = '10.42.3.1';
const MTU = 1450;
const namespaces = new Set<string>();
const scratch: string[] = [];
const rootBefore = { ipForward: '', links: [] as string[] };

const nsPath = (name: string) => `/run/netns/${name}`;

async function makeNetns(name: string): Promise<string> {
  const full = `skerry-${RUN_ID}-${name}`;
  namespaces.add(full);
  await run(IP!, ['netns', 'add', full]);
  return full;
}

/** Runs argv inside the namespace; resolves stdout. */
async function inNs(ns: string, argv: string[]): Promise<string> {
  const { stdout } = await run(NSENTER!, [`--net=${nsPath(ns)}`, '--', ...argv]);
  return stdout;
}

async function ping(ns: string, address: string): Promise<boolean> {
  try {
    await inNs(ns, [BUSYBOX, 'ping', '-c', '1', '-W', '2', address]);
    return true;
  } catch {
    return false;
  }
}

async function vethCount(ns: string): Promise<number> {
  const { stdout } = await run(IP!, ['-n', ns, '-j', 'link', 'show', 'type', 'veth']);
  return (JSON.parse(stdout || '[]') as unknown[]).length;
}

async function rootLinks(): Promise<string[]> {
  const { stdout } = await run(IP!, ['-j', 'link', 'show']);
  return (JSON.parse(stdout) as Array<{ ifname: string }>).map((l) => l.ifname).sort();
}

test.before(async () => {
  if (why) return;
  rootBefore.ipForward = fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
  rootBefore.links = await rootLinks();
});

test.after.always(async () => {
  for (const name of namespaces) await run(IP!, ['netns', 'del', name]).catch(() => undefined);
  // Anything of this run's that a failed step left behind.
  for (const entry of fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns') : []) {
    if (entry.startsWith(`skerry-${RUN_ID}-`)) await run(IP!, ['netns', 'del', entry]).catch(() => undefined);
  }
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

interface Suite {
  label: string;
  node: string;
  dataDir: string;
  chain: Chain;
  options: ChainOptions;
  /** Where an allocated address is recorded on disk. */
  addressFile(address: string): string;
}

async function makeSuite(label: 'built-in' | 'reference', nodeName = `${label === 'built-in' ? 'b' : 'r'}-node`): Promise<Suite> {
  const node = await makeNetns(nodeName);
  await inNs(node, [IP!, 'link', 'set', 'lo', 'up']);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `skerry-cni-${label}-`));
  scratch.push(dataDir);
  const options: ChainOptions = { cacheDir: path.join(dataDir, 'cni-cache'), hostNetns: nsPath(node), binDirs: ['/usr/lib/cni'] };
  if (label === 'built-in') {
    const chain = { ...builtinChain({ subnet: SUBNET, mtu: MTU, dataDir, hostNetns: nsPath(node) }), source: 'built-in' };
    return { label, node, dataDir, chain, options, addressFile: (a) => path.join(dataDir, 'network', 'ipam', a) };
  }
  const chain = { ...referenceChain({ subnet: SUBNET, mtu: MTU, dataDir }), source: 'reference' };
  return { label, node, dataDir, chain, options, addressFile: (a) => path.join(dataDir, 'network', 'host-local', chain.name, a) };
}

let podCounter = 0;
async function newPod(s: Suite): Promise<PodNetworkRequest> {
  const n = podCounter++;
  const ns = await makeNetns(`${s.label === 'built-in' ? 'b' : 'r'}${n}`);
  return { containerId: `c${RUN_ID}${s.label === 'built-in' ? 'b' : 'r'}${n}`, netns: nsPath(ns), podNamespace: 'default', podName: `pod-${n}`, podUid: `uid-${n}` };
}

const podAddress = (result: CniResult) => result.ips![0]!.address.split('/')[0]!;
const podNs = (request: PodNetworkRequest) => path.basename(request.netns);

/** Every host veth name a result named, to check none of them is in the host's namespace. */
const hostVeths = new Set<string>();

/** The host end of the pod's veth, from the result: a host interface that is not the bridge. */
function hostVeth(result: CniResult): string {
  const name = result.interfaces!.filter((i) => !i.sandbox && i.name !== 'skerry0')[0]!.name;
  hostVeths.add(name);
  return name;
}

async function removeNetns(request: PodNetworkRequest): Promise<void> {
  const name = podNs(request);
  await run(IP!, ['netns', 'del', name]);
  namespaces.delete(name);
}

/** ADDs 100 pods one after another, then DELs them; wall and CPU time per pod. */
async function timeHundred(s: Suite, chain: Chain, options: ChainOptions): Promise<{ text: string; addresses: number }> {
  const pods: PodNetworkRequest[] = [];
  for (let i = 0; i < 100; i++) pods.push(await newPod(s));
  const cpu = process.cpuUsage();
  const started = performance.now();
  const results: CniResult[] = [];
  for (const pod of pods) results.push(await addNetwork(chain, pod, options));
  const added = performance.now() - started;
  const addCpu = process.cpuUsage(cpu);
  const delStarted = performance.now();
  for (const pod of pods) await delNetwork(chain, pod, options);
  const deleted = performance.now() - delStarted;
  if ((await vethCount(s.node)) !== 0) throw new Error('veths left after DEL');
  await Promise.all(pods.map(removeNetns));
  const load = os.loadavg()[0]!.toFixed(1);
  return {
    text: `ADD ${(added / 100).toFixed(2)} ms per pod (CPU ${((addCpu.user + addCpu.system) / 100_000).toFixed(2)} ms), DEL ${(deleted / 100).toFixed(2)} ms per pod; load average ${load} on ${os.cpus().length} CPUs`,
    addresses: new Set(results.map(podAddress)).size,
  };
}

type SerialTest = (title: string, implementation: (t: ExecutionContext) => Promise<void>) => void;

function suiteTests(label: 'built-in' | 'reference', kt: SerialTest) {
  let s: Suite;
  let a: PodNetworkRequest;
  let b: PodNetworkRequest;
  let resultA: CniResult;
  let resultB: CniResult;

  kt(`${label}: pods get addresses, reach each other, the node and the gateway; MTU on the bridge and both veth ends`, async (t) => {
    s = await makeSuite(label);
    [a, b] = [await newPod(s), await newPod(s)];
    resultA = await addNetwork(s.chain, a, s.options);
    resultB = await addNetwork(s.chain, b, s.options);
    const [ipA, ipB] = [podAddress(resultA), podAddress(resultB)];
    t.not(ipA, ipB);
    for (const result of [resultA, resultB]) {
      t.regex(result.ips![0]!.address, /^10\.42\.3\.\d+\/24$/);
      t.is(result.ips![0]!.gateway, GATEWAY);
      const owner = result.interfaces![result.ips![0]!.interface!]!;
      t.is(owner.name, 'eth0');
    }
    const [bridge, hostA, podA] = [await linkInfo(nsPath(s.node), 'skerry0'), await linkInfo(nsPath(s.node), hostVeth(resultA)), await linkInfo(a.netns, 'eth0')];
    t.like(bridge, { kind: 'bridge', up: true, mtu: MTU });
    t.like(hostA, { kind: 'veth', up: true, mtu: MTU, master: bridge!.index });
    t.like(podA, { kind: 'veth', up: true, mtu: MTU });
    t.true(await ping(podNs(a), ipB), 'pod → pod over the bridge');
    t.true(await ping(podNs(b), ipA), 'pod → pod, the other way');
    t.true(await ping(s.node, ipA), 'node → pod');
    t.true(await ping(podNs(a), GATEWAY), 'pod → gateway');
    t.true(await ping(podNs(a), '127.0.0.1'), 'loopback is up in the pod');
    t.is(fs.readFileSync(s.addressFile(ipA), 'utf8').split(/\r?\n/)[0], a.containerId);
    t.is((await inNs(s.node, ['cat', '/proc/sys/net/ipv4/ip_forward'])).trim(), '1');
    if (label === 'built-in') {
      t.is(hostVeth(resultA), hostVethName(a.containerId));
      t.is((await inNs(s.node, ['cat', '/proc/sys/net/bridge/bridge-nf-call-iptables'])).trim(), '1');
      t.is(bridge!.mac, '0a:58:0a:2a:03:01');
      const { stdout } = await run(IP!, ['-n', s.node, '-j', '-d', 'link', 'show', 'dev', hostVeth(resultA)]);
      t.true((JSON.parse(stdout) as Array<{ linkinfo: { info_slave_data: { hairpin: boolean } } }>)[0]!.linkinfo.info_slave_data.hairpin, 'hairpin on the bridge port');
    }
  });

  kt(`${label}: ADD of the same container twice is idempotent`, async (t) => {
    const veths = await vethCount(s.node);
    t.deepEqual(await addNetwork(s.chain, a, s.options), resultA);
    t.is(await vethCount(s.node), veths);
    if (label === 'built-in') {
      // Without the runner's cache the plugin itself finds the veth and keeps the address.
      fs.rmSync(path.join(s.options.cacheDir, 'results'), { recursive: true, force: true });
      const again = await addNetwork(s.chain, a, s.options);
      t.is(podAddress(again), podAddress(resultA));
      t.is(hostVeth(again), hostVeth(resultA));
      t.is(await vethCount(s.node), veths);
      await addNetwork(s.chain, b, s.options);
    }
    t.true(await ping(podNs(a), podAddress(resultB)));
  });

  kt(`${label}: CHECK passes, fails when the pod's route or its veth is gone, and ADD repairs it`, async (t) => {
    await checkNetwork(s.chain, a, s.options);
    await run(IP!, ['-n', podNs(a), 'route', 'del', 'default']);
    const noRoute = await t.throwsAsync(checkNetwork(s.chain, a, s.options), { instanceOf: CniError });
    t.log(noRoute!.message);
    if (label === 'built-in') t.regex(noRoute!.message, /the pod has no default route via 10\.42\.3\.1 on eth0/);
    // ADD finds the attachment broken: DEL and ADD again, the route is back.
    resultA = await addNetwork(s.chain, a, s.options);
    await checkNetwork(s.chain, a, s.options);
    t.true(await ping(podNs(a), GATEWAY));
    await run(IP!, ['-n', s.node, 'link', 'del', hostVeth(resultA)]);
    const noVeth = await t.throwsAsync(checkNetwork(s.chain, a, s.options), { instanceOf: CniError });
    t.log(noVeth!.message);
    if (label === 'built-in') t.regex(noVeth!.message, new RegExp(`host veth ${hostVeth(resultA)} is missing; eth0 is missing in ${a.netns}`));
    resultA = await addNetwork(s.chain, a, s.options);
    await checkNetwork(s.chain, a, s.options);
  });

  kt(`${label}: DEL removes the veth and frees the address; DEL again succeeds, also without the pod's netns`, async (t) => {
    const ipA = podAddress(resultA);
    await delNetwork(s.chain, a, s.options);
    t.is(await linkInfo(nsPath(s.node), hostVeth(resultA)), null);
    t.is(await linkInfo(a.netns, 'eth0'), null);
    t.false(fs.existsSync(s.addressFile(ipA)), 'the address is free');
    t.false(fs.existsSync(path.join(s.options.cacheDir, 'results', `${s.chain.name}-${a.containerId}-eth0`)));
    await delNetwork(s.chain, a, s.options);
    await removeNetns(a);
    await delNetwork(s.chain, { ...a, netns: '' }, s.options);
    // The other pod is untouched.
    t.true(await ping(s.node, podAddress(resultB)));
    await delNetwork(s.chain, b, s.options);
    t.false(fs.existsSync(s.addressFile(podAddress(resultB))));
    t.is(await vethCount(s.node), 0);
  });

  kt(`${label}: 20 concurrent ADDs get 20 different addresses`, async (t) => {
    const pods = await Promise.all(Array.from({ length: 20 }, () => newPod(s)));
    const results = await Promise.all(pods.map((pod) => addNetwork(s.chain, pod, s.options)));
    const addresses = results.map(podAddress);
    t.is(new Set(addresses).size, 20, `an address was handed out twice: ${addresses.join(' ')}`);
    t.is(await vethCount(s.node), 20);
    const reachable = await Promise.all(addresses.map((address) => ping(s.node, address)));
    t.deepEqual(reachable.filter((ok) => !ok).length, 0);
    await Promise.all(pods.map((pod) => delNetwork(s.chain, pod, s.options)));
    t.is(await vethCount(s.node), 0);
    t.true(addresses.every((address) => !fs.existsSync(s.addressFile(address))));
    await Promise.all(pods.map(removeNetns));
  });

  kt(`${label}: allocations survive a restart (new chain and allocator over the same directories)`, async (t) => {
    const pod = await newPod(s);
    const result = await addNetwork(s.chain, pod, s.options);
    const restarted = label === 'built-in' ? { ...builtinChain({ subnet: SUBNET, mtu: MTU, dataDir: s.dataDir, hostNetns: nsPath(s.node) }), source: 'built-in' } : { ...referenceChain({ subnet: SUBNET, mtu: MTU, dataDir: s.dataDir }), source: 'reference' };
    if (label === 'built-in') t.is(openAllocator({ subnet: SUBNET, dataDir: s.dataDir }).lookup(pod.containerId)?.cidr, result.ips![0]!.address);
    t.deepEqual(await addNetwork(restarted, pod, s.options), result);
    const other = await newPod(s);
    const otherResult = await addNetwork(restarted, other, s.options);
    t.not(podAddress(otherResult), podAddress(result));
    await delNetwork(restarted, pod, s.options);
    await delNetwork(restarted, other, s.options);
    await removeNetns(pod);
    await removeNetns(other);
  });

  kt(`${label}: time to set up and tear down 100 pod networks`, async (t) => {
    const measured = await timeHundred(s, s.chain, s.options);
    t.log(`${label} chain, data dir on ${os.tmpdir()}: ${measured.text}`);
    t.is(measured.addresses, 100);
    if (label === 'built-in' && fs.existsSync('/dev/shm')) {
      // The same with the data dir on tmpfs: what is left without the disk's file creations.
      const dataDir = fs.mkdtempSync('/dev/shm/skerry-cni-');
      scratch.push(dataDir);
      const chain = { ...builtinChain({ subnet: SUBNET, mtu: MTU, dataDir, hostNetns: nsPath(s.node) }), source: 'built-in' };
      const onTmpfs = await timeHundred(s, chain, { ...s.options, cacheDir: path.join(dataDir, 'cni-cache') });
      t.log(`${label} chain, data dir on tmpfs: ${onTmpfs.text}`);
      t.is(onTmpfs.addresses, 100);
    }
  });
}

suiteTests('built-in', kTest);

kTest('built-in: a failed ADD leaves nothing behind (interface taken, addresses exhausted)', async (t) => {
  const s = await makeSuite('built-in', 'f-node');
  const taken = await newPod(s);
  await run(IP!, ['-n', podNs(taken), 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'other0']);
  const error = await t.throwsAsync(addNetwork(s.chain, taken, s.options), { instanceOf: CniError });
  t.is(error!.message, `CNI plugin skerry failed (ADD): eth0 already exists in ${taken.netns} and is not the peer of ${hostVethName(taken.containerId)} [code 4]`);
  t.is(await linkInfo(nsPath(s.node), hostVethName(taken.containerId)), null);
  t.like(await linkInfo(taken.netns, 'eth0'), { kind: 'veth', peer: (await linkInfo(taken.netns, 'other0'))!.index }, 'the pod\'s own eth0 is left alone');
  t.is(openAllocator({ subnet: SUBNET, dataDir: s.dataDir }).allocations().size, 0);

  const tiny = { ...builtinChain({ subnet: '10.42.9.0/30', mtu: MTU, dataDir: s.dataDir, hostNetns: nsPath(s.node), bridge: 'skerry1', name: 'tiny' }), source: 'built-in' };
  const [first, second] = [await newPod(s), await newPod(s)];
  await addNetwork(tiny, first, s.options);
  const exhausted = await t.throwsAsync(addNetwork(tiny, second, s.options), { instanceOf: CniError });
  t.is(exhausted!.code, 11);
  t.regex(exhausted!.message, /no free pod address in 10\.42\.9\.0\/30/);
  t.is(await linkInfo(second.netns, 'eth0'), null);
  await delNetwork(tiny, first, s.options);
});

suiteTests('reference', refTest);

kTest('nothing was added to the host\'s own namespace', async (t) => {
  t.is(fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'), rootBefore.ipForward);
  const added = (await rootLinks()).filter((name) => !rootBefore.links.includes(name));
  // Other test files may add links of their own in parallel; none of ours may be among them.
  t.true(hostVeths.size > 0);
  t.deepEqual(added.filter((name) => hostVeths.has(name) || (!rootBefore.links.includes('skerry0') && name === 'skerry0')), []);
});
