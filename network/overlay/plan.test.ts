import test from 'ava';
import { planOverlay } from './plan.ts';
import type { LinkState, OverlayState, RouteState } from './state.ts';
import { checkOverlayConfig, checkPeers } from './validate.ts';

const config = { nodeIp: '10.99.0.10', podCidr: '10.42.0.0/24' };
const self = checkOverlayConfig(config);
const peers = (list: Array<{ name: string; podCidr: string; nodeIp: string }>) => checkPeers(list, self);
const a = { name: 'a', podCidr: '10.42.1.0/24', nodeIp: '10.99.0.11' };
const far = { name: 'far', podCidr: '10.42.2.0/24', nodeIp: '10.99.1.12' };

const eth0: LinkState = { name: 'eth0', kind: 'veth', mtu: 1500, mac: '02:00:00:00:00:01', up: true, addresses: [{ local: '10.99.0.10', prefixLength: 24 }] };
const vxlan: LinkState = {
  name: 'skerry.vxlan',
  kind: 'vxlan',
  mtu: 1450,
  mac: '0e:6b:0a:2a:00:00',
  up: true,
  addresses: [],
  vxlan: { vni: 1, port: 8472, local: '10.99.0.10', device: 'eth0', learning: false },
};
const kernelRoute: RouteState = { dst: '10.99.0.0/24', dev: 'eth0', protocol: '2', onlink: false, metric: 0 };
const empty: OverlayState = { links: [eth0], routes: [kernelRoute], neighbours: [], fdb: [] };

/** The state after the plan for `a` and `far` in vxlan mode was applied. */
const synced: OverlayState = {
  links: [eth0, vxlan],
  routes: [
    kernelRoute,
    { dst: '10.42.1.0/24', gateway: '10.42.1.1', dev: 'skerry.vxlan', protocol: '107', onlink: true, metric: 0 },
    { dst: '10.42.2.0/24', gateway: '10.42.2.1', dev: 'skerry.vxlan', protocol: '107', onlink: true, metric: 0 },
  ],
  neighbours: [
    { dst: '10.42.1.1', lladdr: '0e:6b:0a:2a:01:00', permanent: true },
    { dst: '10.42.2.1', lladdr: '0e:6b:0a:2a:02:00', permanent: true },
  ],
  fdb: [
    { mac: '0e:6b:0a:2a:01:00', dst: '10.99.0.11', permanent: true },
    { mac: '0e:6b:0a:2a:02:00', dst: '10.99.1.12', permanent: true },
  ],
};

test('from nothing: the device, then per peer a route, a neighbour and a forwarding entry', (t) => {
  const plan = planOverlay({ ...self, mode: 'vxlan' }, peers([a, far]), empty);
  t.is(plan.underlayDevice, 'eth0');
  t.is(plan.mtu, 1450);
  t.deepEqual(plan.encapsulated, ['a', 'far']);
  t.deepEqual(plan.ipCommands, [
    'link add skerry.vxlan address 0e:6b:0a:2a:00:00 mtu 1450 type vxlan id 1 dstport 8472 nolearning local 10.99.0.10 dev eth0',
    'link set skerry.vxlan up',
    'neigh replace 10.42.1.1 lladdr 0e:6b:0a:2a:01:00 dev skerry.vxlan nud permanent',
    'neigh replace 10.42.2.1 lladdr 0e:6b:0a:2a:02:00 dev skerry.vxlan nud permanent',
    'route replace 10.42.1.0/24 via 10.42.1.1 dev skerry.vxlan onlink proto 107',
    'route replace 10.42.2.0/24 via 10.42.2.1 dev skerry.vxlan onlink proto 107',
  ]);
  t.deepEqual(plan.bridgeCommands, ['fdb replace 0e:6b:0a:2a:01:00 dev skerry.vxlan dst 10.99.0.11 self permanent', 'fdb replace 0e:6b:0a:2a:02:00 dev skerry.vxlan dst 10.99.1.12 self permanent']);
});

test('the state the plan makes needs no command', (t) => {
  const plan = planOverlay({ ...self, mode: 'vxlan' }, peers([a, far]), synced);
  t.deepEqual([plan.ipCommands, plan.bridgeCommands], [[], []]);
});

test('auto: a peer on a connected subnet gets a direct route, the others VXLAN', (t) => {
  const plan = planOverlay({ ...self, mode: 'auto' }, peers([a, far]), synced);
  t.deepEqual([plan.direct, plan.encapsulated], [['a'], ['far']]);
  t.deepEqual(plan.ipCommands, ['neigh del 10.42.1.1 dev skerry.vxlan', 'route replace 10.42.1.0/24 via 10.99.0.11 dev eth0 proto 107']);
  t.deepEqual(plan.bridgeCommands, ['fdb del 0e:6b:0a:2a:01:00 dev skerry.vxlan dst 10.99.0.11 self']);
});

test('a point-to-point underlay address connects its peer only', (t) => {
  const p2p: LinkState = { ...eth0, addresses: [{ local: '10.99.0.10', prefixLength: 32, peer: '10.99.0.11' }] };
  const plan = planOverlay({ ...self, mode: 'auto' }, peers([a, { ...far, nodeIp: '10.99.0.12' }]), { ...empty, links: [p2p] });
  t.deepEqual([plan.direct, plan.encapsulated], [['a'], ['far']]);
});

test('a peer gone: its route, neighbour and forwarding entry are removed, nothing else', (t) => {
  const admin: RouteState = { dst: '192.168.0.0/16', gateway: '10.99.0.1', dev: 'eth0', protocol: '4', onlink: false, metric: 0 };
  const plan = planOverlay({ ...self, mode: 'vxlan' }, peers([a]), { ...synced, routes: [...synced.routes, admin] });
  t.deepEqual(plan.ipCommands, ['route del 10.42.2.0/24 via 10.42.2.1 dev skerry.vxlan proto 107', 'neigh del 10.42.2.1 dev skerry.vxlan']);
  t.deepEqual(plan.bridgeCommands, ['fdb del 0e:6b:0a:2a:02:00 dev skerry.vxlan dst 10.99.1.12 self']);
});

test('a peer with a new node IP: only its forwarding entry is replaced', (t) => {
  const plan = planOverlay({ ...self, mode: 'vxlan' }, peers([a, { ...far, nodeIp: '10.99.1.99' }]), synced);
  t.deepEqual(plan.ipCommands, []);
  t.deepEqual(plan.bridgeCommands, ['fdb replace 0e:6b:0a:2a:02:00 dev skerry.vxlan dst 10.99.1.99 self permanent']);
});

test('a peer with a new pod CIDR: old entries go, new ones come', (t) => {
  const plan = planOverlay({ ...self, mode: 'vxlan' }, peers([a, { ...far, podCidr: '10.42.7.0/24' }]), synced);
  t.deepEqual(plan.ipCommands, [
    'route del 10.42.2.0/24 via 10.42.2.1 dev skerry.vxlan proto 107',
    'neigh del 10.42.2.1 dev skerry.vxlan',
    'neigh replace 10.42.7.1 lladdr 0e:6b:0a:2a:07:00 dev skerry.vxlan nud permanent',
    'route replace 10.42.7.0/24 via 10.42.7.1 dev skerry.vxlan onlink proto 107',
  ]);
  t.deepEqual(plan.bridgeCommands, ['fdb del 0e:6b:0a:2a:02:00 dev skerry.vxlan dst 10.99.1.12 self', 'fdb replace 0e:6b:0a:2a:07:00 dev skerry.vxlan dst 10.99.1.12 self permanent']);
});

test('a device with another local address is made anew, and all its entries with it', (t) => {
  const moved = { ...synced, links: [{ ...eth0, addresses: [{ local: '10.99.0.20', prefixLength: 24 }] }, vxlan] };
  const plan = planOverlay({ ...checkOverlayConfig({ ...config, nodeIp: '10.99.0.20' }), mode: 'vxlan' }, peers([a]), moved);
  t.deepEqual(plan.ipCommands.slice(0, 3), [
    'link del skerry.vxlan',
    'link add skerry.vxlan address 0e:6b:0a:2a:00:00 mtu 1450 type vxlan id 1 dstport 8472 nolearning local 10.99.0.20 dev eth0',
    'link set skerry.vxlan up',
  ]);
  // No deletes for what went with the old device: the new one starts empty.
  t.false(plan.ipCommands.some((c) => c.startsWith('route del') || c.startsWith('neigh del')));
  t.deepEqual(plan.bridgeCommands, ['fdb replace 0e:6b:0a:2a:01:00 dev skerry.vxlan dst 10.99.0.11 self permanent']);
});

test('MTU, MAC and a down device are fixed in place', (t) => {
  const state = { ...synced, links: [{ ...eth0, mtu: 9000 }, { ...vxlan, mac: '0e:6b:00:00:00:00', up: false }] };
  const plan = planOverlay({ ...self, mode: 'vxlan' }, peers([a, far]), state);
  t.deepEqual(plan.ipCommands, ['link set skerry.vxlan address 0e:6b:0a:2a:00:00 mtu 8950', 'link set skerry.vxlan up']);
});

test('stray entries on the device are removed; the kernel\'s own neighbours are left alone', (t) => {
  const state: OverlayState = {
    ...synced,
    routes: [...synced.routes, { dst: '10.42.9.0/24', gateway: '10.42.9.1', dev: 'skerry.vxlan', protocol: '4', onlink: true, metric: 0 }, { dst: '10.42.8.0/24', gateway: '10.99.0.8', dev: 'eth0', protocol: '107', onlink: false, metric: 0 }],
    neighbours: [...synced.neighbours, { dst: '10.42.9.1', lladdr: '0e:6b:0a:2a:09:00', permanent: true }, { dst: '10.42.5.1', permanent: false }],
    fdb: [...synced.fdb, { mac: '0e:6b:0a:2a:09:00', dst: '10.99.0.9', permanent: true }, { mac: '0e:6b:0a:2a:01:00', dst: '10.99.0.77', permanent: true }],
  };
  const plan = planOverlay({ ...self, mode: 'vxlan' }, peers([a, far]), state);
  t.deepEqual(plan.ipCommands, ['route del 10.42.9.0/24 via 10.42.9.1 dev skerry.vxlan proto 4', 'route del 10.42.8.0/24 via 10.99.0.8 dev eth0 proto 107', 'neigh del 10.42.9.1 dev skerry.vxlan']);
  t.deepEqual(plan.bridgeCommands, ['fdb del 0e:6b:0a:2a:09:00 dev skerry.vxlan dst 10.99.0.9 self', 'fdb del 0e:6b:0a:2a:01:00 dev skerry.vxlan dst 10.99.0.77 self']);
});

test('no device holds the node IP: the error says so', (t) => {
  t.throws(() => planOverlay({ ...checkOverlayConfig({ ...config, nodeIp: '10.99.0.200' }), mode: 'auto' }, [], empty), { message: /nodeIp 10\.99\.0\.200: no device in the network namespace has this address/ });
});
