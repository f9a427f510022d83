import test from 'ava';
import { HOUR, MINUTE, SECOND, ago, headers, object, row } from './fixtures.ts';

test('config maps count text and binary keys; secrets show their type and key count', (t) => {
  t.deepEqual(headers('ConfigMap').normal, ['NAME', 'DATA', 'AGE']);
  t.deepEqual(headers('Secret').normal, ['NAME', 'TYPE', 'DATA', 'AGE']);
  const cm = object('v1', 'ConfigMap', 'app-config', { data: { 'app.yaml': 'a: 1', LOG_LEVEL: 'info' }, binaryData: { 'logo.png': 'iVBORw0=' } });
  t.deepEqual(row('ConfigMap', cm), { NAME: 'app-config', DATA: 3, AGE: '3d' });
  t.is(row('ConfigMap', object('v1', 'ConfigMap', 'empty')).DATA, 0);
  const tls = object('v1', 'Secret', 'web-tls', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'LS0=', 'tls.key': 'LS0=' } });
  t.deepEqual(row('Secret', tls), { NAME: 'web-tls', TYPE: 'kubernetes.io/tls', DATA: 2, AGE: '3d' });
});

test('service accounts count their listed secrets', (t) => {
  t.deepEqual(headers('ServiceAccount').normal, ['NAME', 'SECRETS', 'AGE']);
  t.is(row('ServiceAccount', object('v1', 'ServiceAccount', 'default')).SECRETS, 0);
  t.is(row('ServiceAccount', object('v1', 'ServiceAccount', 'builder', { secrets: [{ name: 'builder-token' }] })).SECRETS, 1);
});

test('a lease shows its holder', (t) => {
  t.deepEqual(headers('Lease').normal, ['NAME', 'HOLDER', 'AGE']);
  const lease = object('coordination.k8s.io/v1', 'Lease', 'edge-1', { spec: { holderIdentity: 'edge-1', leaseDurationSeconds: 40, renewTime: ago(5 * SECOND) } });
  t.deepEqual(row('Lease', lease), { NAME: 'edge-1', HOLDER: 'edge-1', AGE: '3d' });
  t.is(row('Lease', object('coordination.k8s.io/v1', 'Lease', 'free', { spec: {} })).HOLDER, '');
});

test('bindings show their role, and users, groups and service accounts with -o wide', (t) => {
  t.deepEqual(headers('RoleBinding'), { normal: ['NAME', 'ROLE', 'AGE'], wide: ['USERS', 'GROUPS', 'SERVICEACCOUNTS'] });
  t.deepEqual(headers('ClusterRoleBinding'), { normal: ['NAME', 'ROLE', 'AGE'], wide: ['USERS', 'GROUPS', 'SERVICEACCOUNTS'] });
  const binding = object('rbac.authorization.k8s.io/v1', 'RoleBinding', 'deployers', {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    subjects: [
      { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'Group', name: 'ops', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'ServiceAccount', name: 'deployer', namespace: 'ci' },
      { kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' },
    ],
  });
  t.deepEqual(row('RoleBinding', binding), { NAME: 'deployers', ROLE: 'ClusterRole/edit', AGE: '3d', USERS: 'alice, bob', GROUPS: 'ops', SERVICEACCOUNTS: 'ci/deployer' });
  const empty = object('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'nobody', { roleRef: { kind: 'ClusterRole', name: 'view' } });
  t.like(row('ClusterRoleBinding', empty), { ROLE: 'ClusterRole/view', USERS: '', GROUPS: '', SERVICEACCOUNTS: '' });
});

test('roles get kube-apiserver\'s default columns: NAME and CREATED AT in RFC 3339', (t) => {
  t.deepEqual(headers('Role').normal, ['NAME', 'CREATED AT']);
  t.deepEqual(headers('ClusterRole').normal, ['NAME', 'CREATED AT']);
  const role = object('rbac.authorization.k8s.io/v1', 'Role', 'pod-reader', { rules: [] }, { creationTimestamp: '2024-04-28T09:15:42.500Z' });
  t.deepEqual(row('Role', role), { NAME: 'pod-reader', 'CREATED AT': '2024-04-28T09:15:42Z' });
  t.is(row('ClusterRole', object('rbac.authorization.k8s.io/v1', 'ClusterRole', 'x', {}, { creationTimestamp: undefined }))['CREATED AT'], '0001-01-01T00:00:00Z');
});

test('a kind without a printer gets NAME and AGE', (t) => {
  t.deepEqual(headers('Widget').normal, ['NAME', 'AGE']);
  t.deepEqual(row('Widget', object('example.com/v1', 'Widget', 'w1')), { NAME: 'w1', AGE: '3d' });
});

test('kubectl shows LAST SEEN TYPE REASON OBJECT MESSAGE, and SUBOBJECT SOURCE FIRST SEEN COUNT NAME with -o wide', (t) => {
  t.deepEqual(headers('Event'), { normal: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], wide: ['SUBOBJECT', 'SOURCE', 'FIRST SEEN', 'COUNT', 'NAME'] });
});

test('a repeated core event shows when it was last and first seen and how often', (t) => {
  const event = object('v1', 'Event', 'web-1.17c3a5f0e1d2b3a4', {
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', fieldPath: 'spec.containers{web}' },
    reason: 'BackOff',
    message: 'Back-off restarting failed container web in pod web-1\n',
    source: { component: 'kubelet', host: 'edge-1' },
    firstTimestamp: ago(HOUR),
    lastTimestamp: ago(2 * MINUTE),
    count: 12,
    type: 'Warning',
  });
  t.deepEqual(row('Event', event), {
    'LAST SEEN': '2m',
    TYPE: 'Warning',
    REASON: 'BackOff',
    OBJECT: 'pod/web-1',
    SUBOBJECT: 'spec.containers{web}',
    SOURCE: 'kubelet, edge-1',
    MESSAGE: 'Back-off restarting failed container web in pod web-1',
    'FIRST SEEN': '60m',
    COUNT: 12,
    NAME: 'web-1.17c3a5f0e1d2b3a4',
  });
});

test('an events.k8s.io event is read through its new field names', (t) => {
  const event = object('events.k8s.io/v1', 'Event', 'web-1.17c3a6', {
    eventTime: '2024-05-01T11:59:30.123456Z',
    reportingController: 'skerry.io/scheduler',
    reportingInstance: 'skerry-server-1',
    action: 'Binding',
    reason: 'Scheduled',
    regarding: { kind: 'Pod', namespace: 'default', name: 'web-1' },
    note: 'Successfully assigned default/web-1 to edge-1',
    type: 'Normal',
  });
  t.like(row('Event', event), { 'LAST SEEN': '29s', 'FIRST SEEN': '29s', OBJECT: 'pod/web-1', MESSAGE: 'Successfully assigned default/web-1 to edge-1', SOURCE: 'skerry.io/scheduler, skerry-server-1', COUNT: 1 });
  const series = object('events.k8s.io/v1', 'Event', 'web-1.17c3a7', { eventTime: ago(HOUR), series: { count: 5, lastObservedTime: ago(10 * SECOND) }, regarding: { kind: 'Node' }, note: 'x' });
  t.like(row('Event', series), { 'LAST SEEN': '10s', 'FIRST SEEN': '60m', COUNT: 5, OBJECT: 'node', SOURCE: '' });
});

test('an event with no timestamps reads <unknown>', (t) => {
  t.like(row('Event', object('v1', 'Event', 'e', { involvedObject: { kind: 'Pod', name: 'p' } })), { 'LAST SEEN': '<unknown>', 'FIRST SEEN': '<unknown>', COUNT: 1 });
});
