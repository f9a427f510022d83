// The overlay on a lab of four nodes (three on one underlay segment, one behind the
// underlay's router): each node gets the bridge skerry0 and two "pods" made with ip
// commands here (the CNI plugin is not under test), then syncOverlay with the others as
// peers. Everything happens inside the lab's namespaces.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';
import test from 'ava';
import { createLab, labUnavailable, type Lab, type LabHost, type LabNetns } from '../../test/lab/index.ts';
import { overlayMtu, removeNodeForwarding, removeOverlay, setupNodeForwarding, syncOverlay, vtepMac, type OverlayMode, type OverlayPeer, type OverlaySyncResult } from './index.ts';

const run = promisify(execFile);
// Absolute paths: npx puts node_modules/.bin first on PATH, and @vercel/nft installs an `nft` there.
const tool = (name: string) => ['/usr/sbin', '/sbin', '/usr/bin', '/bin'].map((d) => `${d}/${name}`).find((p) => fs.existsSync(p)) ?? name;
const IP = tool('ip');
const NFT = tool('nft');
const BRIDGE = tool('bridge');
const hasVxlan = fs.existsSync('/sys/module/vxlan') || fs.existsSync(`/lib/modules/${os.release()}/kernel/drivers/net/vxlan`);
const why = labUnavailable() ?? (hasVxlan ? undefined : 'the kernel has no VXLAN (CONFIG_VXLAN)');
const kTest = why ? test.skip : test.serial;
if (why) {
  test(`overlay kernel tests skipped: ${why}`, (t) => {
    t.log(why);
    t.pass();
  });
}

const CLUSTER_CIDR = '10.42.0.0/16';
const PROBE_TABLE = 'skerry-probe';

interface Node {
  host: LabHost;
  index: number;
  podCidr: string;
  pods: Array<LabNetns & { ip: string }>;
}

let lab: Lab | undefined;
let nodes: Node[] = [];
let mtu = 0;

const ip = (netns: string, ...args: string[]) => run(IP, ['-n', netns, ...args]);
const ipJson = async (netns: string, ...args: string[]) => JSON.parse((await run(IP, ['-n', netns, '-j', ...args])).stdout || '[]') as Array<Record<string, unknown>>;

test.before(async () => {
  if (why) return;
  lab = await createLab({ nodes: [{}, {}, {}, { segment: 1 }] });
  mtu = overlayMtu(lab.mtu);
  nodes = await Promise.all(lab.nodes.map((host, index) => makeNode(lab!, host, index)));
  // Counters on the underlay: VXLAN datagrams and IPv4 fragments crossing the bridge.
  await lab.exec(lab.underlay, [NFT, '-f', '-'], {
    input: `table bridge ${PROBE_TABLE} {
  counter vxlan {
  }
  counter fragments {
  }
  chain pre { type filter hook prerouting priority -300; policy accept;
    udp dport 8472 counter name "vxlan"
    ip frag-off & 0x3fff != 0 counter name "fragments"
  }
}
`,
  });
});

test.after.always(async () => {
  await lab?.destroy();
});

async function makeNode(lab: Lab, host: LabHost, index: number): Promise<Node> {
  const podCidr = `10.42.${index}.0/24`;
  await setupNodeForwarding({ clusterCidr: CLUSTER_CIDR, podCidr, netns: host.netnsPath });
  await lab.exec(host, [IP, '-batch', '-'], { input: `link add skerry0 mtu ${mtu} type bridge\nlink set skerry0 up\naddr add 10.42.${index}.1/24 dev skerry0\n` });
  const pods = [];
  for (const k of [0, 1]) {
    const pod = await lab.addNetns(`${host.name}-pod${k}`);
    const podIp = `10.42.${index}.${10 + k}`;
    await ip(host.netns, 'link', 'add', `skerryp${k}`, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.netns);
    await ip(host.netns, 'link', 'set', `skerryp${k}`, 'master', 'skerry0', 'up');
    await lab.exec(pod, [IP, '-batch', '-'], { input: `link set eth0 mtu ${mtu} up\naddr add ${podIp}/24 dev eth0\nroute add default via 10.42.${index}.1\n` });
    pods.push({ ...pod, ip: podIp });
  }
  return { host, index, podCidr, pods };
}

const peersOf = (node: Node, ipOf = (n: Node) => n.host.ip): OverlayPeer[] => nodes.filter((n) => n !== node).map((n) => ({ name: n.host.name, podCidr: n.podCidr, nodeIp: ipOf(n) }));
const syncAll = (mode: OverlayMode, ipOf?: (n: Node) => string): Promise<OverlaySyncResult[]> =>
  Promise.all(nodes.map((n) => syncOverlay({ nodeIp: ipOf ? ipOf(n) : n.host.ip, podCidr: n.podCidr, mode, netns: n.host.netnsPath }, peersOf(n, ipOf))));

async function reaches(from: LabNetns, to: string, size?: number): Promise<boolean> {
  const result = await lab!.ping(from, to, { count: 2, intervalMs: 50, waitMs: 1_000, ...(size ? { size, dontFragment: true } : {}) });
  return result.received > 0;
}

async function counter(name: string): Promise<number> {
  const out = await lab!.exec(lab!.underlay, [NFT, '-j', 'list', 'counter', 'bridge', PROBE_TABLE, name]);
  const entry = (JSON.parse(out.stdout).nftables as Array<Record<string, { packets: number }>>).find((e) => e.counter);
  return entry!.counter!.packets;
}

/** Every path the overlay must carry, each as a ping that must get an answer. */
async function connectivity(): Promise<string[]> {
  const paths: Array<[string, LabNetns, string]> = [];
  for (const a of nodes) {
    paths.push([`${a.host.name} pod↔pod on one node`, a.pods[0]!, a.pods[1]!.ip]);
    for (const b of nodes.filter((n) => n !== a)) {
      paths.push([`${a.host.name}/pod0 → ${b.host.name}/pod1`, a.pods[0]!, b.pods[1]!.ip]);
      paths.push([`node ${a.host.name} → ${b.host.name}/pod0`, a.host, b.pods[0]!.ip]);
      paths.push([`${a.host.name}/pod1 → node ${b.host.name}`, a.pods[1]!, b.host.ip]);
    }
    paths.push([`${a.host.name}/pod0 → own node`, a.pods[0]!, a.host.ip]);
  }
  const results = await Promise.all(paths.map(async ([name, from, to]) => ((await reaches(from, to)) ? undefined : name)));
  return results.filter((name): name is string => name !== undefined);
}

/** pod0 of node a → pod0 of node b: the largest unfragmentable packet passes, one byte more does not, and the underlay sees no fragment. */
async function mtuHolds(t: { is: (a: unknown, b: unknown, m?: string) => void; true: (v: boolean, m?: string) => void; false: (v: boolean, m?: string) => void }, a: Node, b: Node): Promise<void> {
  const fragments = await counter('fragments');
  t.true(await reaches(a.pods[0]!, b.pods[0]!.ip, mtu - 28), `${a.host.name} → ${b.host.name}: ${mtu - 28} data bytes with DF pass`);
  t.false(await reaches(a.pods[0]!, b.pods[0]!.ip, mtu - 27), `${a.host.name} → ${b.host.name}: ${mtu - 27} data bytes with DF fail`);
  t.is(await counter('fragments'), fragments, 'no fragment crossed the underlay');
}

async function vxlanDatagramsFor(from: LabNetns, to: string): Promise<number> {
  const before = await counter('vxlan');
  await lab!.ping(from, to, { count: 5, intervalMs: 20, waitMs: 1_000 });
  return (await counter('vxlan')) - before;
}

kTest('vxlan mode: each node has skerry.vxlan as ADR 011 says and a route, neighbour and fdb entry per peer', async (t) => {
  const results = await syncAll('vxlan');
  for (const [i, result] of results.entries()) {
    t.deepEqual(result.direct, []);
    t.deepEqual(result.encapsulated, peersOf(nodes[i]!).map((p) => p.name));
    t.is(result.mtu, 1450);
    t.is(result.underlayDevice, 'eth0');
  }
  const n0 = nodes[0]!.host.netns;
  const [device] = await ipJson(n0, '-d', 'link', 'show', 'skerry.vxlan');
  const info = (device!.linkinfo as { info_kind: string; info_data: Record<string, unknown> });
  t.is(info.info_kind, 'vxlan');
  t.like(info.info_data, { id: 1, port: 8472, learning: false, local: nodes[0]!.host.ip, link: 'eth0' });
  t.is(device!.mtu, mtu);
  t.is(device!.address, vtepMac('10.42.0.0/24'));
  t.true((device!.flags as string[]).includes('UP'));
  const routes = await ipJson(n0, 'route', 'show', 'dev', 'skerry.vxlan');
  t.deepEqual(routes.map((r) => [r.dst, r.gateway, r.flags]).sort(), [
    ['10.42.1.0/24', '10.42.1.1', ['onlink']],
    ['10.42.2.0/24', '10.42.2.1', ['onlink']],
    ['10.42.3.0/24', '10.42.3.1', ['onlink']],
  ]);
  const neighbours = await ipJson(n0, 'neigh', 'show', 'dev', 'skerry.vxlan', 'nud', 'permanent');
  t.deepEqual(neighbours.map((n) => [n.dst, n.lladdr]).sort(), [1, 2, 3].map((i) => [`10.42.${i}.1`, vtepMac(`10.42.${i}.0/24`)]));
  const fdb = JSON.parse((await lab!.exec(nodes[0]!.host, [BRIDGE, '-j', 'fdb', 'show', 'dev', 'skerry.vxlan'])).stdout) as Array<{ mac: string; dst?: string }>;
  t.deepEqual(fdb.filter((e) => e.dst).map((e) => [e.mac, e.dst]).sort(), [1, 2, 3].map((i) => [vtepMac(`10.42.${i}.0/24`), nodes[i]!.host.ip]));
});

kTest('vxlan mode: pods reach pods on their node and across nodes, nodes reach pods, pods reach nodes; all through VXLAN', async (t) => {
  t.deepEqual(await connectivity(), []);
  t.true((await vxlanDatagramsFor(nodes[0]!.pods[0]!, nodes[1]!.pods[0]!.ip)) >= 10, 'pod traffic between nodes on one segment is encapsulated');
  t.true((await vxlanDatagramsFor(nodes[0]!.pods[0]!, nodes[3]!.pods[0]!.ip)) >= 10, 'and to the node behind the router');
});

kTest('vxlan mode: the overlay MTU (underlay − 50) is the largest packet that crosses unfragmented', async (t) => {
  await mtuHolds(t, nodes[0]!, nodes[1]!);
  await mtuHolds(t, nodes[3]!, nodes[0]!);
});

kTest('a second sync with nothing changed runs no command', async (t) => {
  for (const result of await syncAll('vxlan')) t.deepEqual([result.ipCommands, result.bridgeCommands], [[], []]);
});

kTest('auto mode: peers on the node\'s own segment get direct routes, the one behind the router stays on VXLAN', async (t) => {
  const results = await syncAll('auto');
  t.deepEqual([results[0]!.direct, results[0]!.encapsulated], [['n1', 'n2'], ['n3']]);
  t.deepEqual([results[3]!.direct, results[3]!.encapsulated], [[], ['n0', 'n1', 'n2']]);
  const routes = await ipJson(nodes[0]!.host.netns, 'route', 'show', 'proto', '107');
  t.deepEqual(routes.map((r) => [r.dst, r.gateway, r.dev]).sort(), [
    ['10.42.1.0/24', nodes[1]!.host.ip, 'eth0'],
    ['10.42.2.0/24', nodes[2]!.host.ip, 'eth0'],
    ['10.42.3.0/24', '10.42.3.1', 'skerry.vxlan'],
  ]);
  // The direct peers' neighbour and fdb entries went with their VXLAN routes.
  const neighbours = await ipJson(nodes[0]!.host.netns, 'neigh', 'show', 'dev', 'skerry.vxlan', 'nud', 'permanent');
  t.deepEqual(neighbours.map((n) => n.dst), ['10.42.3.1']);
  for (const result of await syncAll('auto')) t.deepEqual([result.ipCommands, result.bridgeCommands], [[], []], 'and again: a no-op');
});

kTest('auto mode: everything still connects; direct peers without encapsulation', async (t) => {
  t.deepEqual(await connectivity(), []);
  t.is(await vxlanDatagramsFor(nodes[0]!.pods[0]!, nodes[1]!.pods[0]!.ip), 0, 'no VXLAN between nodes on one segment');
  t.true((await vxlanDatagramsFor(nodes[0]!.pods[0]!, nodes[3]!.pods[0]!.ip)) >= 10, 'VXLAN to the node behind the router');
  await mtuHolds(t, nodes[0]!, nodes[1]!);
  await mtuHolds(t, nodes[0]!, nodes[3]!);
});

kTest('a peer that is gone loses its route, neighbour and fdb entry', async (t) => {
  await syncAll('vxlan');
  const [n0, , n2] = nodes as [Node, Node, Node, Node];
  const result = await syncOverlay({ nodeIp: n0.host.ip, podCidr: n0.podCidr, mode: 'vxlan', netns: n0.host.netnsPath }, peersOf(n0).filter((p) => p.name !== 'n2'));
  t.deepEqual(result.encapsulated, ['n1', 'n3']);
  t.deepEqual(await ipJson(n0.host.netns, 'route', 'show', '10.42.2.0/24'), []);
  t.deepEqual(await ipJson(n0.host.netns, 'neigh', 'show', '10.42.2.1', 'dev', 'skerry.vxlan'), []);
  const fdb = (await lab!.exec(n0.host, [BRIDGE, 'fdb', 'show', 'dev', 'skerry.vxlan'])).stdout;
  t.false(fdb.includes(vtepMac(n2.podCidr)));
  t.true(fdb.includes(vtepMac(nodes[1]!.podCidr)), 'the other peers keep theirs');
  t.false(await reaches(n0.pods[0]!, n2.pods[0]!.ip));
  t.true(await reaches(n0.pods[0]!, nodes[1]!.pods[0]!.ip));
  const back = await syncOverlay({ nodeIp: n0.host.ip, podCidr: n0.podCidr, mode: 'vxlan', netns: n0.host.netnsPath }, peersOf(n0));
  t.is(back.ipCommands.length + back.bridgeCommands.length, 3, 'listed again: its three entries come back');
  t.true(await reaches(n0.pods[0]!, n2.pods[0]!.ip));
});

kTest('a peer whose node IP changed: its entries follow the new address, in both modes', async (t) => {
  const n1 = nodes[1]!;
  const oldIp = n1.host.ip;
  const newIp = '10.99.0.21';
  await lab!.exec(n1.host, [IP, '-batch', '-'], { input: `addr del ${oldIp}/24 dev eth0\naddr add ${newIp}/24 dev eth0\nroute replace default via ${n1.host.gateway}\n` });
  const ipOf = (n: Node) => (n === n1 ? newIp : n.host.ip);
  try {
    const results = await syncAll('vxlan', ipOf);
    t.true(results[1]!.ipCommands.includes('link del skerry.vxlan'), 'the moved node makes its VXLAN device anew with the new local address');
    t.deepEqual(results[0]!.bridgeCommands, [`fdb replace ${vtepMac(n1.podCidr)} dev skerry.vxlan dst ${newIp} self permanent`]);
    const fdb = JSON.parse((await lab!.exec(nodes[0]!.host, [BRIDGE, '-j', 'fdb', 'show', 'dev', 'skerry.vxlan'])).stdout) as Array<{ mac: string; dst?: string }>;
    t.deepEqual(fdb.filter((e) => e.mac === vtepMac(n1.podCidr)).map((e) => e.dst), [newIp]);
    t.true(await reaches(nodes[0]!.pods[0]!, n1.pods[0]!.ip), 'vxlan: reachable at the new address');
    t.true(await reaches(n1.pods[1]!, nodes[3]!.pods[1]!.ip), 'vxlan: and the moved node reaches the far one');
    await syncAll('auto', ipOf);
    const [route] = await ipJson(nodes[0]!.host.netns, 'route', 'show', n1.podCidr);
    t.is(route!.gateway, newIp);
    t.true(await reaches(nodes[0]!.pods[0]!, n1.pods[0]!.ip), 'auto: reachable at the new address');
  } finally {
    await lab!.exec(n1.host, [IP, '-batch', '-'], { input: `addr del ${newIp}/24 dev eth0\naddr add ${oldIp}/24 dev eth0\nroute replace default via ${n1.host.gateway}\n` });
    await syncAll('auto');
  }
});

kTest('pods reach the outside (the underlay) only through the masquerade of inet skerry-fw', async (t) => {
  const outside = lab!.underlay.gateways[0]!;
  const n0 = nodes[0]!;
  // The underlay has no route back to 10.42/16: a reply can only come back to the node's address.
  t.true(await reaches(n0.pods[0]!, outside), 'masqueraded');
  await removeNodeForwarding({ netns: n0.host.netnsPath });
  const tables = (await lab!.exec(n0.host, [NFT, 'list', 'tables'])).stdout;
  t.false(tables.includes('skerry-fw'));
  t.false(await reaches(n0.pods[1]!, outside), 'without the masquerade there is no way back');
  await setupNodeForwarding({ clusterCidr: CLUSTER_CIDR, podCidr: n0.podCidr, netns: n0.host.netnsPath });
  await setupNodeForwarding({ clusterCidr: CLUSTER_CIDR, podCidr: n0.podCidr, netns: n0.host.netnsPath });
  const ruleset = (await lab!.exec(n0.host, [NFT, 'list', 'table', 'inet', 'skerry-fw'])).stdout;
  t.is(ruleset.match(/masquerade/g)?.length, 1, 'set up twice: one table, one rule');
  t.true(await reaches(n0.pods[1]!, outside));
});

kTest('removeOverlay takes the device and every overlay route away, and nothing else', async (t) => {
  const n0 = nodes[0]!;
  const before = await ipJson(n0.host.netns, 'route', 'show');
  await removeOverlay({ netns: n0.host.netnsPath });
  t.deepEqual(await ipJson(n0.host.netns, 'link', 'show', 'type', 'vxlan'), []);
  t.deepEqual(await ipJson(n0.host.netns, 'route', 'show', 'proto', '107'), []);
  const after = await ipJson(n0.host.netns, 'route', 'show');
  t.deepEqual(after, before.filter((r) => r.protocol !== '107' && r.dev !== 'skerry.vxlan'));
  await removeOverlay({ netns: n0.host.netnsPath });
  t.false(await reaches(n0.pods[0]!, nodes[3]!.pods[0]!.ip));
});
