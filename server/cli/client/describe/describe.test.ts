// kubectl describe's layouts, checked line for line against kubectl 1.31 on the same objects
// (the formatters were compared with `kubectl describe` against a skerry server).
process.env.TZ = 'UTC';
import test from 'ava';
import { describeNamespace, describeService, formatEndpoints } from './core.ts';
import { eventFieldSelector } from './events.ts';
import { camelSplit, describeGeneric, smartLabel } from './generic.ts';
import { describeNode } from './node.ts';
import { describePod } from './pod.ts';
import { canonical, parseQuantity, add, quantityString } from './quantity.ts';
import { describeDeployment } from './workloads.ts';
import { alignTabs, DescribeWriter } from './writer.ts';

const now = new Date('2025-03-01T12:10:00Z');
const lines = (text: string) => text.replace(/\n$/, '').split('\n');

test('cells line up per block as Go tabwriter does: a line without a tab ends every column, the last cell is not padded', (t) => {
  t.is(alignTabs('Name:\tweb\nNamespace:\tdefault\nContainers:\n  c:\n    Image:\tbusybox\n    Port:\t<none>\n'), 'Name:       web\nNamespace:  default\nContainers:\n  c:\n    Image:  busybox\n    Port:   <none>\n');
  t.is(alignTabs('a\tb\tc\naa\tbbbb\n'), 'a   b  c\naa  bbbb\n', 'the last cell of a line takes no part in its column');
  t.is(alignTabs('IP:\t\nIPs:\t<none>\n'), 'IP:   \nIPs:  <none>\n', 'an empty cell before a tab is padded');
  const w = new DescribeWriter();
  w.write(0, 'Tolerations:\tnone\n');
  w.flush();
  w.write(1, 'Type\tReason\n');
  t.is(w.toString(), 'Tolerations:  none\n  Type  Reason\n', 'Flush ends the columns, as DescribeEvents does before its table');
});

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-7d4b9-x2x8q', namespace: 'default', uid: 'u1', labels: { app: 'web', 'pod-template-hash': '7d4b9' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9', uid: 'rs1', controller: true }] },
  spec: {
    nodeName: 'edge-1',
    priority: 0,
    containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 8080, protocol: 'TCP' }], resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '0.1', memory: '64Mi' } }, env: [{ name: 'MODE', value: 'edge' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    volumes: [{ name: 'data', emptyDir: {} }],
    tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
  },
  status: {
    phase: 'Running',
    qosClass: 'Burstable',
    hostIP: '10.0.0.5',
    podIP: '10.42.0.7',
    podIPs: [{ ip: '10.42.0.7' }],
    startTime: '2025-03-01T12:00:01Z',
    conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'web', ready: true, restartCount: 1, containerID: 'skerry://abc', imageID: 'sha256:def', state: { running: { startedAt: '2025-03-01T12:01:00Z' } }, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2025-03-01T12:00:02Z', finishedAt: '2025-03-01T12:00:59Z' } } }],
  },
};

const event = (reason: string, message: string, component: string, first: string, last = first, count = 1) => ({ type: reason === 'BackOff' ? 'Warning' : 'Normal', reason, message, source: { component }, count, firstTimestamp: first, lastTimestamp: last, eventTime: null });

test('a pod: node, status, IPs, owner, containers with state and resources, conditions, volumes, QoS, tolerations, events', (t) => {
  const events = [
    event('BackOff', 'Back-off restarting failed container', 'kubelet', '2025-03-01T12:05:00Z', '2025-03-01T12:08:00Z', 3),
    event('Scheduled', 'Successfully assigned default/web-7d4b9-x2x8q to edge-1', 'default-scheduler', '2025-03-01T12:00:00Z'),
  ];
  t.deepEqual(lines(describePod(pod, events, now)), [
  'Name:         web-7d4b9-x2x8q',
  'Namespace:    default',
  'Priority:     0',
  'Node:         edge-1/10.0.0.5',
  'Start Time:   Sat, 01 Mar 2025 12:00:01 +0000',
  'Labels:       app=web',
  '              pod-template-hash=7d4b9',
  'Annotations:  <none>',
  'Status:       Running',
  'IP:           10.42.0.7',
  'IPs:',
  '  IP:           10.42.0.7',
  'Controlled By:  ReplicaSet/web-7d4b9',
  'Containers:',
  '  web:',
  '    Container ID:   skerry://abc',
  '    Image:          nginx:1.25',
  '    Image ID:       sha256:def',
  '    Port:           8080/TCP',
  '    Host Port:      0/TCP',
  '    State:          Running',
  '      Started:      Sat, 01 Mar 2025 12:01:00 +0000',
  '    Last State:     Terminated',
  '      Reason:       OOMKilled',
  '      Exit Code:    137',
  '      Started:      Sat, 01 Mar 2025 12:00:02 +0000',
  '      Finished:     Sat, 01 Mar 2025 12:00:59 +0000',
  '    Ready:          True',
  '    Restart Count:  1',
  '    Limits:',
  '      cpu:     500m',
  '      memory:  128Mi',
  '    Requests:',
  '      cpu:     100m',
  '      memory:  64Mi',
  '    Environment:',
  '      MODE:  edge',
  '    Mounts:',
  '      /data from data (rw)',
  'Conditions:',
  '  Type           Status',
  '  PodScheduled   True ',
  '  Ready          True ',
  'Volumes:',
  '  data:',
  '    Type:        EmptyDir (a temporary directory that shares a pod\'s lifetime)',
  '    Medium:      ',
  '    SizeLimit:   <unset>',
  'QoS Class:       Burstable',
  'Node-Selectors:  <none>',
  'Tolerations:     node.kubernetes.io/unreachable:NoExecute op=Exists for 300s',
  'Events:',
  '  Type     Reason     Age              From               Message',
  '  ----     ------     ----             ----               -------',
  '  Normal   Scheduled  10m              default-scheduler  Successfully assigned default/web-7d4b9-x2x8q to edge-1',
  '  Warning  BackOff    2m (x3 over 5m)  kubelet            Back-off restarting failed container',
  ]);
});

test('events: <none> without any; the field selector kubectl sends', (t) => {
  t.true(describePod(pod, [], now).endsWith('Tolerations:     node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\nEvents:          <none>\n'));
  t.is(eventFieldSelector({ kind: 'Deployment', name: 'web', namespace: 'default', uid: 'd1' }), 'involvedObject.kind=Deployment,involvedObject.name=web,involvedObject.namespace=default,involvedObject.uid=d1');
  t.is(eventFieldSelector({ name: 'edge-1', uid: 'n1' }), 'involvedObject.name=edge-1,involvedObject.namespace=,involvedObject.uid=n1', 'a cluster-scoped object: an empty namespace');
});

test('a deployment: the replicas line, strategy, pod template, conditions and its replica sets', (t) => {
  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2025-03-01T12:00:00Z', labels: { app: 'web' }, annotations: { 'deployment.kubernetes.io/revision': '2' } },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } },
    status: { replicas: 3, updatedReplicas: 3, availableReplicas: 2, unavailableReplicas: 1, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }] },
  };
  const rs = (name: string, replicas: number) => ({ metadata: { name }, spec: { replicas }, status: { replicas } });
  const text = lines(describeDeployment(d, { old: [rs('web-old', 0)], new: rs('web-new', 3) }, [event('ScalingReplicaSet', 'Scaled up replica set web-new to 3 from 1', 'deployment-controller', '2025-03-01T12:09:30Z')], now));
  t.deepEqual(text.slice(0, 13), [
    'Name:                   web',
    'Namespace:              default',
    'CreationTimestamp:      Sat, 01 Mar 2025 12:00:00 +0000',
    'Labels:                 app=web',
    'Annotations:            deployment.kubernetes.io/revision: 2',
    'Selector:               app=web',
    'Replicas:               3 desired | 3 updated | 3 total | 2 available | 1 unavailable',
    'StrategyType:           RollingUpdate',
    'MinReadySeconds:        0',
    'RollingUpdateStrategy:  0 max unavailable, 25% max surge',
    'Pod Template:',
    '  Labels:  app=web',
    '  Containers:',
  ]);
  t.deepEqual(text.slice(-10), [
    'Conditions:',
    '  Type           Status  Reason',
    '  ----           ------  ------',
    '  Available      True    MinimumReplicasAvailable',
    'OldReplicaSets:  web-old (0/0 replicas created)',
    'NewReplicaSet:   web-new (3/3 replicas created)',
    'Events:',
    '  Type    Reason             Age   From                   Message',
    '  ----    ------             ----  ----                   -------',
    '  Normal  ScalingReplicaSet  30s   deployment-controller  Scaled up replica set web-new to 3 from 1',
  ]);
});

test('a node: roles, taints, lease, conditions, capacity, its pods and the resources they take', (t) => {
  const node = {
    metadata: { name: 'edge-1', creationTimestamp: '2025-03-01T11:00:00Z', labels: { 'node-role.kubernetes.io/edge': '' } },
    spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, { key: 'dedicated', value: 'edge', effect: 'NoExecute' }] },
    status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110', 'example.com/gpu': '1' }, conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: '2025-03-01T12:00:00Z', lastTransitionTime: '2025-03-01T12:01:00Z' }] },
  };
  const podOn = (name: string, cpu: string, memory: string) => ({ metadata: { name, namespace: 'default', creationTimestamp: '2025-03-01T12:00:00Z' }, spec: { containers: [{ name: 'c', resources: { requests: { cpu, memory }, limits: { cpu, memory } } }] } });
  const text = describeNode(node, { pods: [podOn('a', '500m', '1Gi'), podOn('b', '1500m', '512Mi')], lease: 'leases.coordination.k8s.io "edge-1" not found', events: [] }, now);
  t.regex(text, /^Roles:              edge$/m);
  t.regex(text, /^Taints:             dedicated=edge:NoExecute\n                    node\.kubernetes\.io\/unreachable:NoSchedule$/m);
  t.regex(text, /^Lease:              Failed to get lease: leases\.coordination\.k8s\.io "edge-1" not found$/m);
  t.regex(text, /^  Ready   Unknown   Sat, 01 Mar 2025 12:00:00 \+0000   Sat, 01 Mar 2025 12:01:00 \+0000   NodeStatusUnknown   Kubelet stopped posting node status\.$/m);
  t.regex(text, /^  default +b +1500m \(37%\) +1500m \(37%\) +512Mi \(6%\) +512Mi \(6%\) +10m$/m);
  t.regex(text, /^  cpu                2 \(50%\)       2 \(50%\)\n  memory             1536Mi \(18%\)  1536Mi \(18%\)\n  ephemeral-storage  0 \(0%\)        0 \(0%\)\n  example\.com\/gpu    0             0$/m);
  t.true(text.endsWith('Events:              <none>\n'));
});

test('a service lists up to three endpoints of each port; a namespace its status', (t) => {
  const endpoints = { subsets: [{ addresses: [{ ip: '10.42.0.1' }, { ip: '10.42.0.2' }, { ip: '10.42.0.3' }, { ip: '10.42.0.4' }], ports: [{ name: 'http', port: 8080 }] }] };
  t.is(formatEndpoints(endpoints, 'http'), '10.42.0.1:8080,10.42.0.2:8080,10.42.0.3:8080 + 1 more...');
  t.is(formatEndpoints(undefined, 'http'), '<none>');
  const service = { metadata: { name: 'web', namespace: 'default' }, spec: { type: 'ClusterIP', selector: { app: 'web' }, ipFamilies: ['IPv4'], clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], sessionAffinity: 'None', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } };
  t.deepEqual(lines(describeService(service, endpoints, [], now)).slice(4), [
    'Selector:          app=web',
    'Type:              ClusterIP',
    'IP Families:       IPv4',
    'IP:                10.43.0.10',
    'IPs:               10.43.0.10',
    'Port:              http  80/TCP',
    'TargetPort:        8080/TCP',
    'Endpoints:         10.42.0.1:8080,10.42.0.2:8080,10.42.0.3:8080 + 1 more...',
    'Session Affinity:  None',
    'Events:            <none>',
  ]);
  t.is(describeNamespace({ metadata: { name: 'team' }, status: { phase: 'Active' } }), 'Name:         team\nLabels:       <none>\nAnnotations:  <none>\nStatus:       Active\n');
});

test('other kinds: every field, sorted and nested, with kubectl\'s smart labels', (t) => {
  t.deepEqual(camelSplit('PDFLoader'), ['PDF', 'Loader']);
  t.is(smartLabel('apiVersion'), 'API Version');
  t.is(smartLabel('leaseDurationSeconds'), 'Lease Duration Seconds');
  t.is(smartLabel('ipv4'), 'ipv4', 'names with digits stay as they are');
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'lock', namespace: 'default', uid: 'l1', managedFields: [{}] }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } };
  t.deepEqual(lines(describeGeneric(lease, [], now)), [
    'Name:         lock',
    'Namespace:    default',
    'Labels:       <none>',
    'Annotations:  <none>',
    'API Version:  coordination.k8s.io/v1',
    'Kind:         Lease',
    'Metadata:',
    '  UID:  l1',
    'Spec:',
    '  Holder Identity:         me',
    '  Lease Duration Seconds:  15',
    'Events:                    <none>',
  ]);
});

test('quantities print in canonical form and add up exactly', (t) => {
  t.deepEqual(['0.1', '1.5', '1024Mi', '1536Mi', '1e3', '128974848', '0'].map(canonical), ['100m', '1500m', '1Gi', '1536Mi', '1e3', '128974848', '0']);
  t.is(quantityString(add(parseQuantity('100m')!, parseQuantity('0.2')!)), '300m');
  t.is(quantityString(add(parseQuantity('512Mi')!, parseQuantity('1Gi')!)), '1536Mi');
});
