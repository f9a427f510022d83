import test from 'ava';
import type { KubeObject } from '../objects/types.ts';
import { escapeFieldValue, parseFieldSelector, SelectorError } from './index.ts';

function object(kind: string, fields: Record<string, unknown>, metadata: KubeObject['metadata'] = {}): KubeObject {
  return { apiVersion: 'v1', kind, metadata, ...fields };
}

function failure(text: string, kind: string, group?: string): string {
  try {
    parseFieldSelector(text, kind, group);
  } catch (error) {
    if (error instanceof SelectorError) return error.message;
    throw error;
  }
  throw new Error(`expected a SelectorError for ${text}`);
}

const pod = object(
  'Pod',
  {
    spec: { nodeName: 'n1', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'sa', hostNetwork: true },
    status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.9' }, { ip: 'fd00::9' }], nominatedNodeName: 'n2' },
  },
  { name: 'web-1', namespace: 'prod' },
);

test('=, == and != compare the field rendered as a string', (t) => {
  t.true(parseFieldSelector('spec.nodeName=n1', 'Pod').matches(pod));
  t.true(parseFieldSelector('spec.nodeName==n1', 'Pod').matches(pod));
  t.false(parseFieldSelector('spec.nodeName!=n1', 'Pod').matches(pod));
  t.true(parseFieldSelector('status.phase!=Pending', 'Pod').matches(pod));
  t.true(parseFieldSelector('spec.hostNetwork=true', 'Pod').matches(pod));
  t.false(parseFieldSelector('spec.hostNetwork=false', 'Pod').matches(pod));
});

test('comma means AND', (t) => {
  t.true(parseFieldSelector('metadata.namespace=prod,status.phase=Running,spec.nodeName!=n9', 'Pod').matches(pod));
  t.false(parseFieldSelector('metadata.namespace=prod,status.phase=Pending', 'Pod').matches(pod));
});

test('every Pod field kube-apiserver allows', (t) => {
  const expectations: Record<string, string> = {
    'metadata.name': 'web-1',
    'metadata.namespace': 'prod',
    'spec.nodeName': 'n1',
    'spec.restartPolicy': 'Always',
    'spec.schedulerName': 'default-scheduler',
    'spec.serviceAccountName': 'sa',
    'spec.hostNetwork': 'true',
    'status.phase': 'Running',
    'status.podIP': '10.0.0.9',
    'status.nominatedNodeName': 'n2',
    'status.podIPs': '',
  };
  for (const [field, value] of Object.entries(expectations)) {
    t.true(parseFieldSelector(`${field}=${escapeFieldValue(value)}`, 'Pod').matches(pod), field);
  }
});

test('absent fields read as Go zero values: "" for strings, "false" for booleans, "0" for counts', (t) => {
  const bare = object('Pod', {});
  t.true(parseFieldSelector('spec.nodeName=', 'Pod').matches(bare));
  t.true(parseFieldSelector('spec.nodeName!=n1', 'Pod').matches(bare));
  t.true(parseFieldSelector('spec.hostNetwork=false', 'Pod').matches(bare));
  t.true(parseFieldSelector('metadata.name=,metadata.namespace=', 'Pod').matches(bare));
  t.true(parseFieldSelector('spec.unschedulable=false', 'Node').matches(object('Node', { spec: {} })));
  t.true(parseFieldSelector('status.successful=0', 'Job').matches(object('Job', {})));
  t.true(parseFieldSelector('status.successful=3', 'Job').matches(object('Job', { status: { succeeded: 3 } })));
  t.true(parseFieldSelector('status.replicas=0', 'ReplicationController').matches(object('ReplicationController', { status: { replicas: 'x' } })));
});

test('mistyped fields never throw and read as zero values', (t) => {
  const weird = { apiVersion: 'v1', kind: 'Pod', metadata: null, spec: 'x', status: { podIPs: 'nope', phase: 7 } } as unknown as KubeObject;
  t.true(parseFieldSelector('metadata.name=,spec.nodeName=,status.phase=,status.podIP=,spec.hostNetwork=false', 'Pod').matches(weird));
});

test('status.podIP reads podIPs[0] and falls back to podIP', (t) => {
  t.true(parseFieldSelector('status.podIP=10.1.1.1', 'Pod').matches(object('Pod', { status: { podIP: '10.1.1.1' } })));
  t.true(parseFieldSelector('status.podIP=fd00::1', 'Pod').matches(object('Pod', { status: { podIPs: [{ ip: 'fd00::1' }] } })));
});

test('escapes: \\, \\= and \\\\ in values; the canonical form escapes again', (t) => {
  const named = object('ConfigMap', {}, { name: 'a,b=c\\d' });
  const selector = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d', 'ConfigMap');
  t.true(selector.matches(named));
  t.is(selector.equals('metadata.name'), 'a,b=c\\d');
  t.is(selector.toString(), 'metadata.name=a\\,b\\=c\\\\d');
  t.is(escapeFieldValue('a,b=c\\d'), 'a\\,b\\=c\\\\d');
  t.is(parseFieldSelector('metadata.name=x\\,y,metadata.namespace=ns', 'ConfigMap').requirements.length, 2, 'an escaped comma does not split');
});

test('escape and syntax errors as Kubernetes words them', (t) => {
  t.is(failure('metadata.name=a\\b', 'Pod'), 'invalid field selector: invalid escape sequence: \\b');
  t.is(failure('metadata.name=a\\', 'Pod'), 'invalid field selector: invalid escape sequence: \\');
  t.is(failure('metadata.name=a=b', 'Pod'), 'invalid field selector: unescaped character in value: 61');
  t.is(failure('metadata.name=a=!b', 'Pod'), 'invalid field selector: unescaped character in value: 61');
  t.is(failure('metadata.name', 'Pod'), "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  t.is(failure('spec.nodeName=a,oops', 'Pod'), "invalid selector: 'spec.nodeName=a,oops'; can't understand 'oops'");
  t.is(failure('x in (a,b)', 'Pod'), "invalid selector: 'x in (a,b)'; can't understand 'b)'", 'terms are checked in sorted order');
});

test('empty terms are skipped; "" selects everything', (t) => {
  for (const text of ['', ',', ',,']) {
    const selector = parseFieldSelector(text, 'Pod');
    t.true(selector.empty, JSON.stringify(text));
    t.true(selector.matches(pod));
  }
  t.is(parseFieldSelector(',spec.nodeName=n1,', 'Pod').toString(), 'spec.nodeName=n1');
});

test('unsupported fields: conversion-function kinds and metadata-only kinds word it differently', (t) => {
  t.is(failure('spec.foo=1', 'Pod'), 'field label not supported: spec.foo');
  t.is(failure('metadata.namespace=x', 'Node'), 'field label not supported: metadata.namespace');
  t.is(failure('metadata.namespace=x', 'Namespace'), 'field label not supported: metadata.namespace');
  t.is(failure('status.replicas=0', 'ReplicaSet'), '"status.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"');
  t.is(failure('spec.replicas=1', 'Deployment'), '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"');
  t.is(failure('status.active=1', 'Job'), 'field label "status.active" not supported for Job');
  t.is(failure(' metadata.name=x', 'ConfigMap'), '" metadata.name" is not a known field selector: only "metadata.name", "metadata.namespace"', 'field names are not trimmed');
  t.is(failure('spec.nodeName=a,zzz=b,aaa=c', 'Pod'), 'field label not supported: aaa', 'the first failing term in sorted order');
  t.is(failure('zzz=b,oops', 'Pod'), "invalid selector: 'zzz=b,oops'; can't understand 'oops'", 'syntax errors before field errors');
});

test('per-kind fields', (t) => {
  const node = object('Node', { spec: { unschedulable: true } }, { name: 'n1' });
  t.true(parseFieldSelector('metadata.name=n1,spec.unschedulable=true', 'Node').matches(node));

  const secret = object('Secret', { type: 'kubernetes.io/tls' }, { name: 's', namespace: 'ns' });
  t.true(parseFieldSelector('type=kubernetes.io/tls,metadata.namespace=ns', 'Secret').matches(secret));
  t.is(failure('data.x=1', 'Secret'), 'field label not supported: data.x');

  const namespace = object('Namespace', { status: { phase: 'Terminating' } }, { name: 'old' });
  t.true(parseFieldSelector('status.phase=Terminating,metadata.name=old', 'Namespace').matches(namespace));

  const rc = object('ReplicationController', { status: { replicas: 2 } });
  t.true(parseFieldSelector('status.replicas=2', 'ReplicationController').matches(rc));

  const service = object('Service', { spec: { type: 'NodePort', clusterIP: '10.43.0.10' } });
  t.true(parseFieldSelector('spec.type=NodePort,spec.clusterIP=10.43.0.10', 'Service').matches(service));

  const csr = object('CertificateSigningRequest', { spec: { signerName: 'kubernetes.io/kubelet-serving' } });
  t.true(parseFieldSelector('spec.signerName=kubernetes.io/kubelet-serving', 'CertificateSigningRequest').matches(csr));
  t.is(failure('metadata.namespace=x', 'CertificateSigningRequest'), 'field label not supported: metadata.namespace');

  const configMap = object('ConfigMap', {}, { name: 'cm', namespace: 'ns' });
  t.true(parseFieldSelector('metadata.name=cm,metadata.namespace=ns', 'ConfigMap').matches(configMap));
});

test('core Event fields, including source falling back to the reporting controller', (t) => {
  const event = object(
    'Event',
    {
      involvedObject: { kind: 'Pod', namespace: 'prod', name: 'web-1', uid: 'u1', apiVersion: 'v1', resourceVersion: '7', fieldPath: 'spec.containers{web}' },
      reason: 'BackOff',
      type: 'Warning',
      source: { component: 'kubelet' },
      reportingComponent: 'kubelet',
    },
    { name: 'web-1.17', namespace: 'prod' },
  );
  const all =
    'involvedObject.kind=Pod,involvedObject.namespace=prod,involvedObject.name=web-1,involvedObject.uid=u1,' +
    'involvedObject.apiVersion=v1,involvedObject.resourceVersion=7,involvedObject.fieldPath=spec.containers{web},' +
    'reason=BackOff,type=Warning,source=kubelet,reportingComponent=kubelet,metadata.name=web-1.17,metadata.namespace=prod';
  t.true(parseFieldSelector(all, 'Event').matches(event));
  const reportedOnly = object('Event', { reportingComponent: 'scheduler', source: {} });
  t.true(parseFieldSelector('source=scheduler', 'Event').matches(reportedOnly));
  t.is(failure('message=x', 'Event'), 'field label not supported: message');
});

test('events.k8s.io Events select by regarding.* and reportingController, not the core names', (t) => {
  const event = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e' }, regarding: { kind: 'Node', name: 'n1' }, reportingController: 'kubelet', type: 'Normal' };
  const selector = parseFieldSelector('regarding.kind=Node,regarding.name=n1,reportingController=kubelet,type=Normal', 'Event', 'events.k8s.io');
  t.true(selector.matches(event));
  t.is(selector.equals('involvedObject.name'), 'n1', 'requirements name the field set fields');
  t.is(failure('involvedObject.kind=Node', 'Event', 'events.k8s.io'), 'field label not supported: involvedObject.kind');
  t.true(parseFieldSelector('source=kubelet', 'Event', 'events.k8s.io').matches(event));
});

test('the group tells same-named kinds apart; an unknown group gets the metadata-only rules', (t) => {
  t.is(failure('status.successful=1', 'Job', 'example.com'), '"status.successful" is not a known field selector: only "metadata.name", "metadata.namespace"');
  t.notThrows(() => parseFieldSelector('status.successful=1', 'Job', 'batch'));
  t.notThrows(() => parseFieldSelector('status.phase=Running', 'Pod', ''));
});

test('equals gives the value an = requirement demands, under the converted name', (t) => {
  const selector = parseFieldSelector('spec.host=n1,status.phase!=Failed,metadata.name==web', 'Pod');
  t.is(selector.equals('spec.nodeName'), 'n1', 'spec.host is the legacy name of spec.nodeName');
  t.is(selector.equals('spec.host'), undefined);
  t.is(selector.equals('status.phase'), undefined, '!= demands no value');
  t.is(selector.equals('metadata.name'), 'web');
  t.is(selector.toString(), 'metadata.name=web,spec.nodeName=n1,status.phase!=Failed');
  t.false(selector.empty);
});

test('anything but a string is refused with a SelectorError', (t) => {
  t.throws(() => parseFieldSelector(1 as unknown as string, 'Pod'), { instanceOf: SelectorError });
});
