import test from 'ava';
import type { Endpoints, Service } from '../services/index.ts';
import { buildZone } from './zone.ts';

const services: Service[] = [
  { metadata: { namespace: 'default', name: 'web' }, spec: { clusterIP: '10.43.0.10', ports: [{ name: 'http', port: 80 }, { port: 81 }] } },
  { metadata: { namespace: 'db', name: 'pg' }, spec: { clusterIP: 'None', ports: [{ name: 'sql', port: 5432 }] } },
  { metadata: { namespace: 'db', name: 'old' }, spec: { type: 'ExternalName', externalName: 'db.example.com.' } },
  { metadata: { namespace: 'db', name: 'Broken' }, spec: {} },
];
const endpoints: Endpoints[] = [
  { metadata: { namespace: 'db', name: 'pg' }, subsets: [{ addresses: [{ ip: '10.42.1.5', hostname: 'pg-0' }, { ip: '10.42.2.6' }], notReadyAddresses: [{ ip: '10.42.3.7', hostname: 'pg-2' }], ports: [{ name: 'sql', port: 5432 }] }] },
];

test('the zone holds the names of the Kubernetes DNS specification and only those', (t) => {
  const zone = buildZone({ services, endpoints, serial: 7 });
  t.is(zone.domain, 'cluster.local');
  t.is(zone.serial, 7);
  t.deepEqual(Object.fromEntries(zone.names), {
    'cluster.local': { a: [], srv: [] },
    'svc.cluster.local': { a: [], srv: [] },
    'pod.cluster.local': { a: [], srv: [] },
    'db.svc.cluster.local': { a: [], srv: [] },
    'old.db.svc.cluster.local': { a: [], srv: [], cname: 'db.example.com' },
    // Headless: every ready endpoint, each also under its own name; not-ready pg-2 nowhere.
    'pg.db.svc.cluster.local': { a: ['10.42.1.5', '10.42.2.6'], srv: [] },
    'pg-0.pg.db.svc.cluster.local': { a: ['10.42.1.5'], srv: [] },
    '10-42-2-6.pg.db.svc.cluster.local': { a: ['10.42.2.6'], srv: [] },
    '_tcp.pg.db.svc.cluster.local': { a: [], srv: [] },
    '_sql._tcp.pg.db.svc.cluster.local': { a: [], srv: [{ port: 5432, target: 'pg-0.pg.db.svc.cluster.local' }, { port: 5432, target: '10-42-2-6.pg.db.svc.cluster.local' }] },
    'default.svc.cluster.local': { a: [], srv: [] },
    'web.default.svc.cluster.local': { a: ['10.43.0.10'], srv: [] },
    // Only the named port gets an SRV name.
    '_tcp.web.default.svc.cluster.local': { a: [], srv: [] },
    '_http._tcp.web.default.svc.cluster.local': { a: [], srv: [{ port: 80, target: 'web.default.svc.cluster.local' }] },
  });
  t.deepEqual([...zone.namespaces].sort(), ['db', 'default']);
  t.deepEqual(zone.problems, ['Service db/Broken: metadata.name: "Broken" is not a DNS label (lower case letters, digits and \'-\', at most 63)']);
});

test('another cluster domain is used as given, lower case and without the final dot', (t) => {
  const zone = buildZone({ services: services.slice(0, 1), endpoints: [], domain: 'Edge.Example.' });
  t.is(zone.domain, 'edge.example');
  t.true(zone.names.has('web.default.svc.edge.example'));
  t.throws(() => buildZone({ services: [], endpoints: [], domain: 'bad domain' }), { message: 'domain: "bad domain" is not a DNS name' });
});
