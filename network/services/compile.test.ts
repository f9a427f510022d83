import test from 'ava';
import { compileServices } from './compile.ts';
import { BASE, endpoints, service, subset } from './fixtures.test-helper.ts';

test('a ClusterIP and a NodePort service become one rule per port with their ready endpoints', (t) => {
  const rules = compileServices({
    ...BASE,
    services: [service('default', 'web', '10.43.0.10', [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }]), service('shop', 'api', '10.43.0.11', [{ port: 443, nodePort: 30443 }], 'NodePort')],
    endpoints: [endpoints('default', 'web', [subset(['10.42.0.5'], [{ name: 'http', port: 8080 }, { name: 'dns', port: 5353, protocol: 'UDP' }])]), endpoints('shop', 'api', [subset(['10.42.1.7', '10.42.0.6'], [{ port: 8443 }])])],
  });
  t.deepEqual(rules.problems, []);
  t.deepEqual(rules.ports, [
    { key: 'default/web/tcp/http', protocol: 'tcp', clusterIP: '10.43.0.10', port: 80, endpoints: [{ ip: '10.42.0.5', port: 8080 }] },
    { key: 'default/web/udp/dns', protocol: 'udp', clusterIP: '10.43.0.10', port: 53, endpoints: [{ ip: '10.42.0.5', port: 5353 }] },
    { key: 'shop/api/tcp/443', protocol: 'tcp', clusterIP: '10.43.0.11', port: 443, nodePort: 30443, endpoints: [{ ip: '10.42.0.6', port: 8443 }, { ip: '10.42.1.7', port: 8443 }] },
  ]);
});

test('headless and ExternalName services get no rules; a service without ready endpoints gets an empty list', (t) => {
  const rules = compileServices({
    ...BASE,
    services: [
      service('db', 'pg', 'None', [{ port: 5432 }]),
      { metadata: { namespace: 'db', name: 'ext' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } },
      service('web', 'down', '10.43.0.12', [{ port: 80 }]),
    ],
    endpoints: [endpoints('db', 'pg', [subset(['10.42.0.9'], [{ port: 5432 }])]), endpoints('web', 'down', [subset([], [{ port: 8080 }], ['10.42.0.10'])])],
  });
  t.deepEqual(rules.ports, [{ key: 'web/down/tcp/80', protocol: 'tcp', clusterIP: '10.43.0.12', port: 80, endpoints: [] }]);
});

test('two services claiming the same address and port, or the same nodePort, keep the first and report the second', (t) => {
  const rules = compileServices({
    ...BASE,
    services: [
      service('a', 'one', '10.43.0.1', [{ port: 80, nodePort: 30080 }], 'NodePort'),
      service('b', 'two', '10.43.0.1', [{ port: 80 }, { port: 81, name: 'x' }]),
      service('c', 'three', '10.43.0.3', [{ port: 80, nodePort: 30080 }], 'NodePort'),
    ],
    endpoints: [],
  });
  t.deepEqual(rules.ports.map((p) => [p.key, p.nodePort]), [['a/one/tcp/80', 30080], ['b/two/tcp/x', undefined], ['c/three/tcp/80', undefined]]);
  t.deepEqual(rules.problems, ['Service b/two: 10.43.0.1 tcp port 80 is already used by a/one/tcp/80; left out', 'Service c/three: tcp nodePort 30080 is already used by a/one/tcp/80; left out']);
});

test('bad arguments are refused with the field and the reason; node addresses are sorted once each', (t) => {
  const base = { services: [], endpoints: [] };
  t.throws(() => compileServices({ ...base, nodeIps: ['192.168.1.1', 'eth0'], clusterCidr: '10.42.0.0/16' }), { message: 'nodeIps[1]: "eth0" is not an IPv4 address' });
  t.throws(() => compileServices({ ...base, nodeIps: [], clusterCidr: '10.42.0.0' }), { message: 'clusterCidr: "10.42.0.0" is not an IPv4 CIDR (a.b.c.d/n)' });
  t.throws(() => compileServices({ ...base, nodeIps: [], clusterCidr: '10.42.0.0/33' }), { message: 'clusterCidr: "10.42.0.0/33" is not an IPv4 CIDR (a.b.c.d/n)' });
  t.throws(() => compileServices({ services: {} as never, endpoints: [], nodeIps: [], clusterCidr: '10.42.0.0/16' }), { message: 'services: is not a list' });
  t.deepEqual(compileServices({ ...base, nodeIps: ['10.0.0.2', '10.0.0.1', '10.0.0.2'], clusterCidr: '10.42.0.0/16' }).nodeIps, ['10.0.0.1', '10.0.0.2']);
});
