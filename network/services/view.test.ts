import test from 'ava';
import { localView } from './view.ts';
import { endpoints, service, subset } from './fixtures.test-helper.ts';

test('each service port gets the ready endpoints of the Endpoints port with its name and protocol', (t) => {
  const view = localView({
    services: [service('default', 'web', '10.43.0.10', [{ name: 'http', port: 80, targetPort: 'web' }, { name: 'dns', port: 53, protocol: 'UDP' }])],
    endpoints: [
      endpoints('default', 'web', [
        // targetPort "web" was resolved per pod by the endpoints controller: 8080 on some, 9090 on another.
        subset(['10.42.0.12', '10.42.0.11'], [{ name: 'http', port: 8080 }, { name: 'dns', port: 5353, protocol: 'UDP' }], ['10.42.0.13']),
        subset(['10.42.0.14'], [{ name: 'http', port: 9090 }]),
      ]),
    ],
  });
  t.deepEqual(view.problems, []);
  const [web] = view.services;
  t.is(web!.clusterIP, '10.43.0.10');
  t.deepEqual(web!.ports, [
    { name: 'http', protocol: 'TCP', port: 80, endpoints: [{ ip: '10.42.0.11', port: 8080 }, { ip: '10.42.0.12', port: 8080 }, { ip: '10.42.0.14', port: 9090 }] },
    { name: 'dns', protocol: 'UDP', port: 53, endpoints: [{ ip: '10.42.0.11', port: 5353 }, { ip: '10.42.0.12', port: 5353 }] },
  ]);
  t.deepEqual(web!.readyAddresses.map((a) => a.ip), ['10.42.0.11', '10.42.0.12', '10.42.0.14']);
});

test('addresses sort by number, duplicates are dropped, IPv6 addresses are left out', (t) => {
  const view = localView({
    services: [service('default', 'web', '10.43.0.10', [{ port: 80 }])],
    endpoints: [endpoints('default', 'web', [subset(['10.42.0.100', '10.42.0.9', 'fd00::1', '10.42.0.9'], [{ port: 8080 }])])],
  });
  t.deepEqual(view.services[0]!.ports[0]!.endpoints, [{ ip: '10.42.0.9', port: 8080 }, { ip: '10.42.0.100', port: 8080 }]);
});

test('headless, ExternalName and nodePort fields are read as Kubernetes means them', (t) => {
  const view = localView({
    services: [
      service('db', 'pg', 'None', [{ name: 'sql', port: 5432 }]),
      { metadata: { namespace: 'db', name: 'ext' }, spec: { type: 'ExternalName', externalName: 'Example.COM.' } },
      service('web', 'np', '10.43.0.20', [{ port: 80, nodePort: 30080 }], 'NodePort'),
      service('web', 'cip', '10.43.0.21', [{ port: 80, nodePort: 30081 }]),
    ],
    endpoints: [{ metadata: { namespace: 'db', name: 'pg' }, subsets: [{ addresses: [{ ip: '10.42.1.5', hostname: 'pg-0' }], ports: [{ name: 'sql', port: 5432 }] }] }],
  });
  const [ext, pg] = view.services;
  t.true(pg!.headless);
  t.is(pg!.clusterIP, undefined);
  t.deepEqual(pg!.readyAddresses, [{ ip: '10.42.1.5', hostname: 'pg-0' }]);
  t.is(ext!.externalName, 'example.com');
  t.is(view.services.find((s) => s.name === 'np')!.ports[0]!.nodePort, 30080);
  // A nodePort on a ClusterIP service means nothing.
  t.is(view.services.find((s) => s.name === 'cip')!.ports[0]!.nodePort, undefined);
});

test('a bad object is left out with a message naming it, the field and the reason; the others stay', (t) => {
  const view = localView({
    services: [
      service('default', 'good', '10.43.0.1', [{ port: 80 }]),
      service('default', 'port', '10.43.0.2', [{ port: 80 }, { port: 70000 }]),
      service('default', 'ip', '10.43.0.300', [{ port: 80 }]),
      service('default', 'proto', '10.43.0.4', [{ port: 80, protocol: 'ICMP' }]),
      service('default', 'type', '10.43.0.5', [{ port: 80 }], 'Magic'),
      { metadata: { namespace: 'default', name: 'Bad_Name' }, spec: {} },
      { metadata: { namespace: 'default' } } as never,
    ],
    endpoints: [
      endpoints('default', 'good', [subset(['10.42.0.1'], [{ port: 80 }]), { addresses: [{ ip: 'x' }], ports: [{ port: 80 }] }]),
      { metadata: { namespace: 'default', name: 'ports' }, subsets: [{ ports: 'nope' }] } as never,
    ],
  });
  t.deepEqual(view.services.map((s) => s.name), ['good']);
  t.deepEqual(view.problems, [
    'Endpoints default/good: subsets[1].addresses[0].ip: "x" is not an IPv4 address',
    'Endpoints default/ports: subsets[0].ports: is not a list',
    'Service default/port: spec.ports[1].port: 70000 is not a port (1-65535)',
    'Service default/ip: spec.clusterIP: "10.43.0.300" is not an IPv4 address',
    'Service default/proto: spec.ports[0].protocol: "ICMP" is not TCP, UDP or SCTP',
    'Service default/type: spec.type: "Magic" is not one of ClusterIP, NodePort, LoadBalancer, ExternalName',
    'Service default/Bad_Name: metadata.name: "Bad_Name" is not a DNS label (lower case letters, digits and \'-\', at most 63)',
    'Service #6: metadata.name: undefined is not a string',
  ]);
  // Its Endpoints were bad, so the good service has no endpoints rather than half of them.
  t.deepEqual(view.services[0]!.ports[0]!.endpoints, []);
});
