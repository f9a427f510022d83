import test from 'ava';
import type { KubeObject } from '../objects/types.ts';
import { DAY, ago, headers, object, row } from './fixtures.ts';

function node(conditions: unknown[], extra: { unschedulable?: boolean; labels?: Record<string, string>; nodeInfo?: Record<string, unknown> } = {}): KubeObject {
  return object(
    'v1',
    'Node',
    'edge-1',
    {
      spec: { unschedulable: extra.unschedulable },
      status: {
        conditions,
        addresses: [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'Hostname', address: 'edge-1' }],
        nodeInfo: extra.nodeInfo ?? { kubeletVersion: 'v1.30.2+skerry', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64', containerRuntimeVersion: 'skerry://0.1.0' },
      },
    },
    { namespace: undefined, labels: extra.labels ?? {} },
  );
}

const ready = [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True', reason: 'KubeletReady' }];

test('kubectl shows NAME STATUS ROLES AGE VERSION, and addresses, OS, kernel and runtime with -o wide', (t) => {
  t.deepEqual(headers('Node'), {
    normal: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
    wide: ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
  });
});

test('a ready control-plane node lists its roles sorted and its system info', (t) => {
  const labels = { 'node-role.kubernetes.io/master': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'edge-1' };
  t.deepEqual(row('Node', node(ready, { labels })), {
    NAME: 'edge-1',
    STATUS: 'Ready',
    ROLES: 'control-plane,master',
    AGE: '3d',
    VERSION: 'v1.30.2+skerry',
    'INTERNAL-IP': '192.168.1.10',
    'EXTERNAL-IP': '<none>',
    'OS-IMAGE': 'Debian GNU/Linux 12 (bookworm)',
    'KERNEL-VERSION': '6.1.0-18-amd64',
    'CONTAINER-RUNTIME': 'skerry://0.1.0',
  });
});

test('a node whose Ready condition is False or Unknown is NotReady; one that never reported is Unknown', (t) => {
  t.is(row('Node', node([{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }])).STATUS, 'NotReady');
  t.is(row('Node', node([{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', lastHeartbeatTime: ago(DAY) }])).STATUS, 'NotReady');
  t.is(row('Node', node([])).STATUS, 'Unknown');
});

test('a cordoned node adds SchedulingDisabled', (t) => {
  t.is(row('Node', node(ready, { unschedulable: true })).STATUS, 'Ready,SchedulingDisabled');
  t.is(row('Node', node([{ type: 'Ready', status: 'Unknown' }], { unschedulable: true })).STATUS, 'NotReady,SchedulingDisabled');
});

test('roles also come from the legacy kubernetes.io/role label; without any it is <none>', (t) => {
  t.is(row('Node', node(ready, { labels: { 'kubernetes.io/role': 'edge', 'node-role.kubernetes.io/': '' } })).ROLES, 'edge');
  t.is(row('Node', node(ready)).ROLES, '<none>');
});

test('a node that has not reported system info shows an empty version and <unknown> wide cells', (t) => {
  t.like(row('Node', node(ready, { nodeInfo: {} })), { VERSION: '', 'OS-IMAGE': '<unknown>', 'KERNEL-VERSION': '<unknown>', 'CONTAINER-RUNTIME': '<unknown>' });
});

test('a namespace shows its phase', (t) => {
  t.deepEqual(headers('Namespace').normal, ['NAME', 'STATUS', 'AGE']);
  t.deepEqual(row('Namespace', object('v1', 'Namespace', 'kube-system', { status: { phase: 'Active' } })), { NAME: 'kube-system', STATUS: 'Active', AGE: '3d' });
  const leaving = object('v1', 'Namespace', 'old', { status: { phase: 'Terminating' } }, { deletionTimestamp: ago(1000) });
  t.is(row('Namespace', leaving).STATUS, 'Terminating');
});
