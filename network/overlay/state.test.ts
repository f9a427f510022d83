import test from 'ava';
import { parseFdb, parseIpState, splitJsonDocuments } from './state.ts';

// Trimmed from iproute2 6.1's `ip -4 -N -d -json -batch -` and `bridge -json fdb show`.
const output = `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"mtu":65536},{"ifindex":3,"link":"eth1","ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"address":"06:e0:7c:23:40:e7","linkinfo":{"info_kind":"veth"}},{"ifindex":4,"ifname":"skerry.vxlan","flags":["BROADCAST","MULTICAST"],"mtu":1450,"address":"0e:6b:0a:2a:00:00","linkinfo":{"info_kind":"vxlan","info_data":{"id":1,"local":"10.99.0.10","link":"eth0","port_range":{"low":0,"high":0},"port":8472,"learning":false,"ttl":0,"df":"unset"}}}]
[{"ifindex":3,"ifname":"eth0","addr_info":[{"family":"inet","local":"10.99.0.10","prefixlen":24,"scope":"global","label":"eth0"},{"family":"inet","local":"10.77.0.2","address":"10.77.0.1","prefixlen":32}]}]
[{"type":"unicast","dst":"10.42.1.0/24","gateway":"10.42.1.1","dev":"skerry.vxlan","protocol":"107","scope":"global","flags":["onlink"]},{"dst":"default","gateway":"10.99.0.254","dev":"eth0","protocol":"4","flags":[]},{"dst":"10.1.2.3","dev":"eth0","protocol":"4","metric":5,"flags":["linkdown"]}]
[{"dst":"10.42.1.1","dev":"skerry.vxlan","lladdr":"0e:6b:0a:2a:01:00","state":["PERMANENT"]},{"dst":"10.99.0.11","dev":"eth0","lladdr":"aa:bb:cc:dd:ee:ff","state":["REACHABLE"]},{"dst":"10.42.3.1","dev":"skerry.vxlan","state":["FAILED"]}]
`;

test('ip -batch output splits into one document per command, strings with brackets included', (t) => {
  t.is(splitJsonDocuments(output).length, 4);
  t.deepEqual(splitJsonDocuments('[{"a":"]["}]\n[]\n'), [[{ a: '][' }], []]);
});

test('links, addresses, routes and the VXLAN device\'s neighbours are read', (t) => {
  const [links, addrs, routes, neigh] = splitJsonDocuments(output);
  const state = parseIpState(links, addrs, routes, neigh);
  const eth0 = state.links.find((l) => l.name === 'eth0')!;
  t.deepEqual(eth0.addresses, [{ local: '10.99.0.10', prefixLength: 24 }, { local: '10.77.0.2', prefixLength: 32, peer: '10.77.0.1' }]);
  t.true(eth0.up);
  const vxlan = state.links.find((l) => l.name === 'skerry.vxlan')!;
  t.false(vxlan.up);
  t.deepEqual(vxlan.vxlan, { vni: 1, port: 8472, local: '10.99.0.10', device: 'eth0', learning: false });
  t.deepEqual(state.routes, [
    { dst: '10.42.1.0/24', gateway: '10.42.1.1', dev: 'skerry.vxlan', protocol: '107', metric: 0, onlink: true },
    { dst: 'default', gateway: '10.99.0.254', dev: 'eth0', protocol: '4', metric: 0, onlink: false },
    { dst: '10.1.2.3/32', gateway: undefined, dev: 'eth0', protocol: '4', metric: 5, onlink: false },
  ]);
  t.deepEqual(state.neighbours, [
    { dst: '10.42.1.1', lladdr: '0e:6b:0a:2a:01:00', permanent: true },
    { dst: '10.42.3.1', lladdr: undefined, permanent: false },
  ]);
});

test('fdb entries without a remote (the device\'s multicast list) are not the overlay\'s', (t) => {
  const fdb = parseFdb([
    { mac: '0E:6B:0A:2A:01:00', dst: '10.99.0.11', flags: ['self'], state: 'permanent' },
    { mac: '33:33:00:00:00:01', flags: ['self'], state: 'permanent' },
  ]);
  t.deepEqual(fdb, [{ mac: '0e:6b:0a:2a:01:00', dst: '10.99.0.11', permanent: true }]);
});
