import test from 'ava';
import type { Answer } from 'dns-packet';
import type { Service } from '../services/index.ts';
import { answerLocal } from './answer.ts';
import { buildZone } from './zone.ts';

const services: Service[] = [
  { metadata: { namespace: 'default', name: 'web' }, spec: { clusterIP: '10.43.0.10', ports: [{ name: 'http', port: 80 }] } },
  { metadata: { namespace: 'db', name: 'old' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } },
];
const dataOf = (answer: Answer) => (answer as { data?: unknown }).data;
const zone = buildZone({ services, endpoints: [], serial: 1 });

test('A of a service answers its ClusterIP under the name as asked', (t) => {
  const answer = answerLocal(zone, 'Web.Default.SVC.cluster.local', 'A');
  t.is(answer.rcode, 'NOERROR');
  t.deepEqual(answer.answers, [{ type: 'A', name: 'Web.Default.SVC.cluster.local', ttl: 5, class: 'IN', data: '10.43.0.10' }]);
  t.deepEqual(answer.authorities, []);
});

test('a name that does not exist is NXDOMAIN with the SOA, so search lists move on', (t) => {
  for (const name of ['web.other.svc.cluster.local', 'web.default.default.svc.cluster.local', 'google.com.svc.cluster.local', 'x.cluster.local']) {
    const answer = answerLocal(zone, name, 'A');
    t.is(answer.rcode, 'NXDOMAIN', name);
    t.is(answer.authorities[0]!.type, 'SOA');
  }
});

test('AAAA of a service, and any type of an empty name, is NOERROR without answers', (t) => {
  for (const [name, type] of [['web.default.svc.cluster.local', 'AAAA'], ['default.svc.cluster.local', 'A'], ['svc.cluster.local', 'A'], ['web.default.svc.cluster.local', 'TXT']] as const) {
    const answer = answerLocal(zone, name, type);
    t.is(answer.rcode, 'NOERROR', `${name} ${type}`);
    t.deepEqual(answer.answers, []);
    t.is(answer.authorities.length, 1);
  }
});

test('SRV of a named port points at the service, with its address as additional', (t) => {
  const answer = answerLocal(zone, '_http._tcp.web.default.svc.cluster.local', 'SRV');
  t.deepEqual(answer.answers.map(dataOf), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
  t.deepEqual(answer.additionals.map((a) => [a.name, dataOf(a)]), [['web.default.svc.cluster.local', '10.43.0.10']]);
});

test('pod names answer from the dashed address; a bad address or unknown form is NXDOMAIN', (t) => {
  t.deepEqual(answerLocal(zone, '10-42-0-7.default.pod.cluster.local', 'A').answers.map(dataOf), ['10.42.0.7']);
  t.is(answerLocal(zone, 'default.pod.cluster.local', 'A').rcode, 'NOERROR');
  t.is(answerLocal(zone, 'nowhere.pod.cluster.local', 'A').rcode, 'NXDOMAIN');
  t.is(answerLocal(zone, '10-42-0-256.default.pod.cluster.local', 'A').rcode, 'NXDOMAIN');
  t.is(answerLocal(zone, '10-42-0-07.default.pod.cluster.local', 'A').rcode, 'NXDOMAIN');
  t.is(answerLocal(zone, 'x.10-42-0-7.default.pod.cluster.local', 'A').rcode, 'NXDOMAIN');
});

test('an ExternalName service is a CNAME, for A and AAAA alike; the SOA of the apex answers', (t) => {
  for (const type of ['A', 'AAAA'] as const) {
    t.deepEqual(answerLocal(zone, 'old.db.svc.cluster.local', type).answers, [{ type: 'CNAME', name: 'old.db.svc.cluster.local', ttl: 5, class: 'IN', data: 'db.example.com' }]);
  }
  const soa = answerLocal(zone, 'cluster.local.', 'SOA');
  t.is(soa.answers[0]!.type, 'SOA');
  t.is(soa.answers[0]!.name, 'cluster.local.');
});
