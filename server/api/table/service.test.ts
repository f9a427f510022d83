import test from 'ava';
import { headers, object, row } from './fixtures.ts';

function service(spec: Record<string, unknown>, status: Record<string, unknown> = {}) {
  return object('v1', 'Service', 'web', { spec, status });
}

test('kubectl shows NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, and SELECTOR with -o wide', (t) => {
  t.deepEqual(headers('Service'), { normal: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'], wide: ['SELECTOR'] });
});

test('a ClusterIP service lists each port with its protocol', (t) => {
  const dns = service({
    type: 'ClusterIP',
    clusterIP: '10.43.0.10',
    clusterIPs: ['10.43.0.10'],
    ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'metrics', port: 9153 }],
    selector: { 'k8s-app': 'kube-dns' },
  });
  t.deepEqual(row('Service', dns), {
    NAME: 'web',
    TYPE: 'ClusterIP',
    'CLUSTER-IP': '10.43.0.10',
    'EXTERNAL-IP': '<none>',
    'PORT(S)': '53/UDP,53/TCP,9153/TCP',
    AGE: '3d',
    SELECTOR: 'k8s-app=kube-dns',
  });
});

test('a NodePort service shows the node port and any external IPs', (t) => {
  const r = row('Service', service({ type: 'NodePort', clusterIP: '10.43.12.1', externalIPs: ['203.0.113.5', '203.0.113.6'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] }));
  t.like(r, { TYPE: 'NodePort', 'EXTERNAL-IP': '203.0.113.5,203.0.113.6', 'PORT(S)': '80:30080/TCP', SELECTOR: '<none>' });
});

test('a LoadBalancer service is <pending> until it has an ingress, then lists it sorted and in full', (t) => {
  const spec = { type: 'LoadBalancer', clusterIP: '10.43.7.7', ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }], selector: { app: 'web', tier: 'edge' } };
  t.like(row('Service', service(spec)), { 'EXTERNAL-IP': '<pending>', 'PORT(S)': '443:31443/TCP', SELECTOR: 'app=web,tier=edge' });
  const ingress = { loadBalancer: { ingress: [{ ip: '203.0.113.20' }, { hostname: 'lb-0123456789.example.com' }, { ip: '198.51.100.4' }] } };
  // The server prints wide, so the list is not cut at 16 characters.
  t.is(row('Service', service(spec, ingress))['EXTERNAL-IP'], '198.51.100.4,203.0.113.20,lb-0123456789.example.com');
  t.is(row('Service', service({ ...spec, externalIPs: ['192.0.2.1'] }, ingress))['EXTERNAL-IP'], '198.51.100.4,203.0.113.20,lb-0123456789.example.com,192.0.2.1');
});

test('headless and ExternalName services', (t) => {
  t.like(row('Service', service({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [] })), { 'CLUSTER-IP': 'None', 'PORT(S)': '<none>' });
  t.like(row('Service', service({ type: 'ExternalName', externalName: 'db.example.com' })), { TYPE: 'ExternalName', 'CLUSTER-IP': '<none>', 'EXTERNAL-IP': 'db.example.com' });
});

test('endpoints show the first three address:port pairs and how many more', (t) => {
  t.deepEqual(headers('Endpoints').normal, ['NAME', 'ENDPOINTS', 'AGE']);
  const addresses = ['10.42.0.5', '10.42.0.6', '10.42.1.3', '10.42.1.4', '10.42.2.9'].map((ip) => ({ ip }));
  const many = object('v1', 'Endpoints', 'web', { subsets: [{ addresses, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }] });
  t.is(row('Endpoints', many).ENDPOINTS, '10.42.0.5:8080,10.42.0.6:8080,10.42.1.3:8080 + 2 more...');
  const two = object('v1', 'Endpoints', 'web', { subsets: [{ addresses: addresses.slice(0, 2), ports: [{ port: 80 }, { port: 443 }] }] });
  t.is(row('Endpoints', two).ENDPOINTS, '10.42.0.5:80,10.42.0.6:80,10.42.0.5:443 + 1 more...');
  t.is(row('Endpoints', object('v1', 'Endpoints', 'web', {})).ENDPOINTS, '<none>');
});

test('endpoints of IPv6 addresses are bracketed, and port-less subsets list bare IPs', (t) => {
  const v6 = object('v1', 'Endpoints', 'web', { subsets: [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }] });
  t.is(row('Endpoints', v6).ENDPOINTS, '[fd00::1]:80');
  const headless = object('v1', 'Endpoints', 'db', { subsets: [{ addresses: [{ ip: '10.42.0.8' }, { ip: '10.42.0.9' }] }] });
  t.is(row('Endpoints', headless).ENDPOINTS, '10.42.0.8,10.42.0.9');
});

test('a network policy shows its pod selector, <none> when it selects every pod', (t) => {
  t.deepEqual(headers('NetworkPolicy').normal, ['NAME', 'POD-SELECTOR', 'AGE']);
  const policy = (podSelector: unknown) => object('networking.k8s.io/v1', 'NetworkPolicy', 'db-ingress', { spec: { podSelector, policyTypes: ['Ingress'] } });
  t.is(row('NetworkPolicy', policy({ matchLabels: { app: 'db' } }))['POD-SELECTOR'], 'app=db');
  t.is(row('NetworkPolicy', policy({}))['POD-SELECTOR'], '<none>');
  t.is(row('NetworkPolicy', policy(undefined))['POD-SELECTOR'], '<none>');
  const expressions = { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web', 'cache'] }, { key: 'app', operator: 'Exists' }] };
  t.is(row('NetworkPolicy', policy(expressions))['POD-SELECTOR'], 'app,tier notin (cache,web)');
  t.is(row('NetworkPolicy', policy({ matchExpressions: [{ key: 'app', operator: 'Like' }] }))['POD-SELECTOR'], '<error>');
});
