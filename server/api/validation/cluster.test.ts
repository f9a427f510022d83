import test from 'ava';
import { defaulted, fieldsOf, networkPolicy, stored, type Manifest } from './fixtures.test-helper.ts';
import { validateCreate, validateUpdate } from './index.ts';

const namespace = (name: string): Manifest => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }) as Manifest;

test('Namespaces are defaulted with the kubernetes finalizer, Active phase and name label', (t) => {
  const d = defaulted('Namespace', namespace('team-a'));
  t.deepEqual(d.spec, { finalizers: ['kubernetes'] });
  t.deepEqual(d.status, { phase: 'Active' });
  t.deepEqual(d.metadata.labels, { 'kubernetes.io/metadata.name': 'team-a' });
  t.deepEqual(validateCreate('Namespace', namespace('team-a')), []);
  const odd = namespace('team-a');
  odd.spec = { finalizers: ['custom'] };
  t.deepEqual(validateCreate('Namespace', odd), [
    { reason: 'FieldValueInvalid', field: 'spec.finalizers', message: 'Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified' },
  ]);
});

const node = (): Manifest =>
  ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'edge-01.local', labels: { 'kubernetes.io/hostname': 'edge-01' } },
    spec: { podCIDR: '10.42.0.0/24', podCIDRs: ['10.42.0.0/24'], taints: [{ key: 'dedicated', value: 'edge', effect: 'NoSchedule' }] },
    status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } },
  }) as Manifest;

test('Nodes: taints, pod CIDRs and capacity', (t) => {
  t.deepEqual(validateCreate('Node', node()), []);
  t.deepEqual(defaulted('Node', node()).status.allocatable, { cpu: '4', memory: '8Gi', pods: '110' });
  const bad = node();
  bad.spec.taints.push({ key: 'dedicated', value: 'other', effect: 'NoSchedule' }, { key: 'x', effect: 'Sometimes' });
  bad.spec.podCIDRs = ['10.42.0.0/33'];
  bad.status.capacity.cpu = '-1';
  // Allocatable defaults to capacity, so the bad value is reported in both.
  t.deepEqual(fieldsOf(validateCreate('Node', bad)), [
    'metadata.taints[1]',
    'metadata.taints[2].effect',
    'spec.podCIDRs[0]',
    'status.capacity.cpu',
    'status.allocatable.cpu',
  ]);
});

test('Node pod CIDRs and provider IDs are set once', (t) => {
  const old = stored('Node', node());
  old.spec.providerID = 'k3s://edge-01';
  const next = structuredClone(old);
  next.spec.podCIDRs = ['10.42.1.0/24'];
  next.spec.providerID = 'other://edge-01';
  next.spec.unschedulable = true;
  t.deepEqual(validateUpdate('Node', next, old), [
    { reason: 'FieldValueForbidden', field: 'spec.podCIDRs', message: 'Forbidden: node updates may not change podCIDR except from "" to valid' },
    { reason: 'FieldValueForbidden', field: 'spec.providerID', message: 'Forbidden: node updates may not change providerID except from "" to valid' },
  ]);
});

test('the docs NetworkPolicy is valid; policyTypes default from the rules', (t) => {
  t.deepEqual(validateCreate('NetworkPolicy', networkPolicy()), []);
  const ingressOnly = networkPolicy();
  delete ingressOnly.spec.policyTypes;
  delete ingressOnly.spec.egress;
  t.deepEqual(defaulted('NetworkPolicy', ingressOnly).spec.policyTypes, ['Ingress']);
  const both = networkPolicy();
  delete both.spec.policyTypes;
  t.deepEqual(defaulted('NetworkPolicy', both).spec.policyTypes, ['Ingress', 'Egress']);
  const portless = networkPolicy();
  delete portless.spec.ingress[0].ports[0].protocol;
  t.is(defaulted('NetworkPolicy', portless).spec.ingress[0].ports[0].protocol, 'TCP');
});

test('NetworkPolicy peers, ports, CIDRs and policy types are checked', (t) => {
  const np = networkPolicy();
  np.spec.policyTypes = ['Ingress', 'Outgress'];
  np.spec.ingress[0].from = [{ ipBlock: { cidr: '172.17.0.0/16', except: ['10.0.0.0/8', '172.17.0.0/16'] } }, { ipBlock: { cidr: 'x' }, podSelector: {} }, {}];
  np.spec.ingress[0].ports = [{ protocol: 'ICMP', port: 80 }, { port: 'http', endPort: 90 }, { port: 100, endPort: 90 }];
  const from = 'spec.ingress[0].from';
  const ports = 'spec.ingress[0].ports';
  t.deepEqual(fieldsOf(validateCreate('NetworkPolicy', np)), [
    `${ports}[0].protocol`,
    `${ports}[1].endPort`,
    `${ports}[2].endPort`,
    `${from}[0].ipBlock.except[0]`,
    `${from}[0].ipBlock.except[1]`,
    `${from}[1].ipBlock.cidr`,
    `${from}[1]`,
    `${from}[2]`,
    'spec.policyTypes[1]',
  ]);
});

test('Leases', (t) => {
  const lease = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'edge-01', namespace: 'kube-node-lease' },
    spec: { holderIdentity: 'edge-01', leaseDurationSeconds: 40, renewTime: '2024-01-01T00:00:00.000000Z' },
  } as Manifest;
  t.deepEqual(validateCreate('Lease', lease), []);
  lease.spec.leaseDurationSeconds = 0;
  lease.spec.leaseTransitions = -1;
  t.deepEqual(validateCreate('Lease', lease), [
    { reason: 'FieldValueInvalid', field: 'spec.leaseDurationSeconds', message: 'Invalid value: 0: must be greater than 0' },
    { reason: 'FieldValueInvalid', field: 'spec.leaseTransitions', message: 'Invalid value: -1: must be greater than or equal to 0' },
  ]);
});

test('RBAC: the docs Role, ClusterRole and bindings are valid', (t) => {
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { namespace: 'default', name: 'pod-reader' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch', 'list'] }],
  } as Manifest;
  t.deepEqual(validateCreate('Role', role), []);
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'read-pods', namespace: 'default' },
    subjects: [{ kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' }],
    roleRef: { kind: 'Role', name: 'pod-reader', apiGroup: 'rbac.authorization.k8s.io' },
  } as Manifest;
  t.deepEqual(validateCreate('RoleBinding', binding), []);
  const clusterRole = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'system:metrics' },
    rules: [{ nonResourceURLs: ['/healthz', '/metrics'], verbs: ['get'] }],
  } as Manifest;
  t.deepEqual(validateCreate('ClusterRole', clusterRole), []);
  const crb = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'read-secrets-global' },
    subjects: [{ kind: 'Group', name: 'manager' }, { kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }],
    roleRef: { kind: 'ClusterRole', name: 'secret-reader' },
  } as Manifest;
  t.deepEqual(validateCreate('ClusterRoleBinding', crb), [], 'roleRef and Group subjects default their apiGroup');
});

test('RBAC rules and bindings are checked; roleRef is immutable', (t) => {
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { namespace: 'default', name: 'a/b' }, rules: [{ resources: ['pods'] }, { nonResourceURLs: ['/x'], verbs: ['get'] }] } as Manifest;
  t.deepEqual(validateCreate('Role', role), [
    { reason: 'FieldValueInvalid', field: 'metadata.name', message: 'Invalid value: "a/b": may not contain \'/\'' },
    { reason: 'FieldValueRequired', field: 'rules[0].verbs', message: 'Required value: verbs must contain at least one value' },
    { reason: 'FieldValueRequired', field: 'rules[0].apiGroups', message: 'Required value: resource rules must supply at least one api group' },
    { reason: 'FieldValueInvalid', field: 'rules[1].nonResourceURLs', message: 'Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs' },
  ]);
  const crb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, subjects: [{ kind: 'ServiceAccount', name: 'x' }, { kind: 'Robot', name: 'r' }], roleRef: { kind: 'Role', name: 'r' } } as Manifest;
  t.deepEqual(fieldsOf(validateCreate('ClusterRoleBinding', crb)), ['roleRef.kind', 'subjects[0].namespace', 'subjects[1].kind']);
  const old = stored('ClusterRoleBinding', { ...crb, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [] } as Manifest);
  const next = structuredClone(old);
  next.roleRef.name = 'admin';
  t.deepEqual(validateUpdate('ClusterRoleBinding', next, old), [
    {
      reason: 'FieldValueInvalid',
      field: 'roleRef',
      message: 'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"admin"}: cannot change roleRef',
    },
  ]);
});

test('core/v1 Events are validated leniently, events.k8s.io/v1 Events strictly', (t) => {
  const legacy = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'nginx.17a2b3c4d5e6f708', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'nginx', namespace: 'default' },
    reason: 'Scheduled',
    message: 'Successfully assigned default/nginx to edge-01',
    source: { component: 'default-scheduler' },
    type: 'Normal',
    count: 1,
  } as Manifest;
  t.deepEqual(validateCreate('Event', legacy), []);
  legacy.involvedObject.namespace = 'other';
  t.deepEqual(validateCreate('Event', legacy), [
    { reason: 'FieldValueInvalid', field: 'involvedObject.namespace', message: 'Invalid value: "other": does not match event.namespace' },
  ]);
  const modern = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'nginx.17a2b3c4d5e6f709', namespace: 'default' },
    regarding: { kind: 'Pod', name: 'nginx', namespace: 'default' },
    eventTime: '2024-01-01T00:00:00.000000Z',
    reportingController: 'skerry.io/scheduler',
    reportingInstance: 'server-1',
    action: 'Binding',
    reason: 'Scheduled',
    note: 'assigned',
    type: 'Normal',
  } as Manifest;
  t.deepEqual(validateCreate('Event', modern), []);
  delete modern.reportingController;
  modern.type = 'Info';
  modern.deprecatedCount = 3;
  // As in Kubernetes, a missing controller is both required and not a qualified name.
  t.deepEqual(fieldsOf(validateCreate('Event', modern)), ['type', 'deprecatedCount', 'reportingController', 'reportingController', 'reportingController']);
  const old = stored('Event', { ...modern, type: 'Normal', deprecatedCount: undefined, reportingController: 'skerry.io/scheduler' } as Manifest);
  const edited = structuredClone(old);
  edited.note = 'changed';
  t.deepEqual(validateUpdate('Event', edited, old), [{ reason: 'FieldValueInvalid', field: 'note', message: 'Invalid value: "changed": field is immutable' }]);
});

test('a kind this module does not know still gets metadata checks', (t) => {
  const thing = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'Bad Name' } } as Manifest;
  t.deepEqual(fieldsOf(validateCreate('Widget', thing)), ['metadata.name']);
});
