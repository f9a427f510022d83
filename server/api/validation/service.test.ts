import test from 'ava';
import { carryOverServiceAllocations, validateCreate, validateUpdate } from './index.ts';
import { at, defaulted, fieldsOf, service, stored, type Manifest } from './fixtures.test-helper.ts';

test('the docs Service is valid and gets ClusterIP defaults', (t) => {
  t.deepEqual(validateCreate('Service', service()), []);
  t.deepEqual(defaulted('Service', service()).spec, {
    selector: { 'app.kubernetes.io/name': 'MyApp' },
    ports: [{ protocol: 'TCP', port: 80, targetPort: 9376 }],
    type: 'ClusterIP',
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
    ipFamilyPolicy: 'SingleStack',
    ipFamilies: ['IPv4'],
  });
});

test('port protocol and targetPort default from the port', (t) => {
  const s = service();
  s.spec.ports = [{ port: 8080 }];
  t.deepEqual(defaulted('Service', s).spec.ports, [{ port: 8080, protocol: 'TCP', targetPort: 8080 }]);
});

test('NodePort and LoadBalancer Services get traffic-policy defaults', (t) => {
  const s = service();
  s.spec.type = 'LoadBalancer';
  t.like(defaulted('Service', s).spec, { externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true });
  t.deepEqual(validateCreate('Service', s), []);
});

test('ports are required unless headless or ExternalName', (t) => {
  const s = service();
  s.spec.ports = [];
  t.deepEqual(validateCreate('Service', s), [{ reason: 'FieldValueRequired', field: 'spec.ports', message: 'Required value' }]);
  s.spec.clusterIP = 'None';
  t.deepEqual(validateCreate('Service', s), []);
  const external = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-database', namespace: 'prod' }, spec: { type: 'ExternalName', externalName: 'db.example.com.' } } as Manifest;
  t.deepEqual(validateCreate('Service', external), []);
  t.is(defaulted('Service', external).spec.ipFamilyPolicy, undefined, 'ExternalName services have no IP families');
  delete external.spec.externalName;
  t.deepEqual(validateCreate('Service', external), [{ reason: 'FieldValueRequired', field: 'spec.externalName', message: 'Required value' }]);
});

test('several ports need unique DNS-label names', (t) => {
  const s = service();
  s.spec.ports = [
    { name: 'http', port: 80 },
    { port: 443 },
    { name: 'http', port: 8080, targetPort: 'web-UI' },
    { name: 'dup', port: 80, protocol: 'TCP' },
  ];
  const causes = validateCreate('Service', s);
  t.deepEqual(causes, [
    { reason: 'FieldValueRequired', field: 'spec.ports[1].name', message: 'Required value' },
    { reason: 'FieldValueDuplicate', field: 'spec.ports[2].name', message: 'Duplicate value: "http"' },
    {
      reason: 'FieldValueInvalid',
      field: 'spec.ports[2].targetPort',
      message: 'Invalid value: "web-UI": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    },
    {
      reason: 'FieldValueDuplicate',
      field: 'spec.ports[3]',
      message: 'Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
    },
  ]);
});

test('port numbers and types are checked', (t) => {
  const s = service();
  s.spec.ports = [{ port: 0, targetPort: 70000, protocol: 'ICMP' }];
  s.spec.type = 'Internal';
  t.deepEqual(causesByField(validateCreate('Service', s)), {
    'spec.ports[0].port': ['Invalid value: 0: must be between 1 and 65535, inclusive'],
    'spec.ports[0].protocol': ['Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
    'spec.ports[0].targetPort': ['Invalid value: 70000: must be between 1 and 65535, inclusive'],
    'spec.type': ['Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
  });
});

function causesByField(causes: { field: string; message: string }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of causes) (out[c.field] ??= []).push(c.message);
  return out;
}

test('node ports live in 30000-32767 and not on ClusterIP Services', (t) => {
  const s = service();
  s.spec.type = 'NodePort';
  s.spec.ports[0].nodePort = 30080;
  t.deepEqual(validateCreate('Service', s), []);
  s.spec.ports[0].nodePort = 8080;
  t.deepEqual(validateCreate('Service', s), [
    {
      reason: 'FieldValueInvalid',
      field: 'spec.ports[0].nodePort',
      message: 'Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767',
    },
  ]);
  s.spec.type = 'ClusterIP';
  t.deepEqual(fieldsOf(validateCreate('Service', s)), ['spec.ports[0].nodePort']);
});

test('session affinity values', (t) => {
  const s = service();
  s.spec.sessionAffinity = 'ClientIP';
  t.deepEqual(defaulted('Service', s).spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  t.deepEqual(validateCreate('Service', s), []);
  s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 100000 } };
  t.deepEqual(at(validateCreate('Service', s), 'spec.sessionAffinityConfig.clientIP.timeoutSeconds')[0]?.message, 'Invalid value: 100000: must be greater than 0 and less than 86400');
  s.spec.sessionAffinity = 'Sticky';
  t.is(at(validateCreate('Service', s), 'spec.sessionAffinity')[0]?.reason, 'FieldValueNotSupported');
});

test('clusterIP is immutable once set, except to itself', (t) => {
  const created = service();
  created.spec.clusterIP = '10.43.0.15';
  const old = stored('Service', created);
  t.deepEqual(old.spec.clusterIPs, ['10.43.0.15'], 'clusterIPs follows clusterIP');
  const same = structuredClone(old);
  same.spec.ports[0].targetPort = 8080;
  t.deepEqual(validateUpdate('Service', same, old), []);
  const moved = structuredClone(old);
  moved.spec.clusterIP = '10.43.0.16';
  moved.spec.clusterIPs = ['10.43.0.16'];
  t.deepEqual(validateUpdate('Service', moved, old), [
    { reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: 'Invalid value: []string{"10.43.0.16"}: may not change once set' },
  ]);
  const dropped = structuredClone(old);
  delete dropped.spec.clusterIP;
  delete dropped.spec.clusterIPs;
  t.deepEqual(fieldsOf(validateUpdate('Service', dropped, old)), ['spec.clusterIPs[0]']);
  carryOverServiceAllocations(dropped, old);
  t.deepEqual(validateUpdate('Service', dropped, old), [], 'a replace without the allocated IP keeps it');
  const external = structuredClone(old);
  external.spec = { type: 'ExternalName', externalName: 'example.com' };
  t.deepEqual(validateUpdate('Service', external, old), [], 'moving to ExternalName releases the IP');
});

test('cluster IPs must be IPs and match their families', (t) => {
  const s = service();
  s.spec.clusterIP = '10.43.0.300';
  t.deepEqual(validateCreate('Service', s), [
    { reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: 'Invalid value: "10.43.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)' },
  ]);
  s.spec.clusterIP = 'fd00::10';
  t.deepEqual(defaulted('Service', s).spec.ipFamilies, ['IPv6']);
  s.spec.ipFamilies = ['IPv4'];
  t.deepEqual(fieldsOf(validateCreate('Service', s)), ['spec.clusterIPs[0]']);
});

test('Endpoints: addresses, ports and protocols', (t) => {
  const ep = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'my-service', namespace: 'default' },
    subsets: [{ addresses: [{ ip: '192.0.2.42' }], ports: [{ port: 9376 }] }],
  } as Manifest;
  t.deepEqual(validateCreate('Endpoints', ep), []);
  t.is(defaulted('Endpoints', ep).subsets[0].ports[0].protocol, 'TCP');
  ep.subsets.push({ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 1 }, { port: 2, name: 'b' }] }, { ports: [] });
  t.deepEqual(fieldsOf(validateCreate('Endpoints', ep)), ['subsets[1].addresses[0].ip', 'subsets[1].ports[0].name', 'subsets[2]']);
});
