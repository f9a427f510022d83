import test from 'ava';
import type { KubeObject } from '../objects/types.ts';
import { applyPatch, fieldPatch, PatchError } from './index.ts';

const smp = (original: KubeObject, patch: unknown) => applyPatch('strategic', original, patch, original.kind);
const names = (list: Array<{ name: string }>) => list.map((e) => e.name);

function pod(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'default', labels: { app: 'web', tier: 'frontend' }, finalizers: ['a.example.com/x', 'b.example.com/y', 'c.example.com/z'] },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'nginx:1.25',
          ports: [
            { containerPort: 80, name: 'http' },
            { containerPort: 443, name: 'https' },
          ],
          env: [
            { name: 'MODE', value: 'prod' },
            { name: 'DEBUG', value: '0' },
          ],
        },
        { name: 'log', image: 'busybox', volumeMounts: [{ name: 'logs', mountPath: '/var/log' }] },
      ],
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
    },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'False' },
        { type: 'PodScheduled', status: 'True' },
      ],
    },
  };
}

/** The Deployment of kubernetes.io "Update API Objects in Place Using kubectl patch". */
function patchDemo(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'patch-demo', namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'nginx' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [{ name: 'patch-demo-ctr', image: 'nginx' }],
          tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }],
        },
      },
    },
  };
}

function webDeployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.25',
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
                { name: 'C', value: '3' },
              ],
            },
            { name: 'sidecar', image: 'busybox' },
          ],
        },
      },
    },
  };
}

const containers = (o: KubeObject) => (o.spec as any).containers;
const templateSpec = (o: KubeObject) => (o.spec as any).template.spec;

test('containers merge by name: changing one image keeps the other container', (t) => {
  // kubectl patch pod web-0 -p '{"spec":{"containers":[{"name":"app","image":"nginx:1.26"}]}}'
  const patched = smp(pod(), { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } });
  t.deepEqual(names(containers(patched)), ['app', 'log']);
  t.is(containers(patched)[0].image, 'nginx:1.26');
  t.deepEqual(containers(patched)[0].env, containers(pod())[0].env);
  t.deepEqual(containers(patched)[1], containers(pod())[1]);
});

test('a container added by kubectl patch lands first, as in the kubernetes.io task', (t) => {
  const patched = smp(patchDemo(), { spec: { template: { spec: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] } } } });
  t.deepEqual(templateSpec(patched).containers, [
    { name: 'patch-demo-ctr-2', image: 'redis' },
    { name: 'patch-demo-ctr', image: 'nginx' },
  ]);
});

test('tolerations have no merge key, so the patch replaces the list (kubernetes.io task)', (t) => {
  const patched = smp(patchDemo(), { spec: { template: { spec: { tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] } } } });
  t.deepEqual(templateSpec(patched).tolerations, [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }]);
  t.deepEqual(templateSpec(patched).containers, templateSpec(patchDemo()).containers);
});

test('kubectl apply changing an image and removing an env var: $setElementOrder plus a $patch: delete element', (t) => {
  // What kubectl apply sends when the manifest's web container gets nginx:1.26 and loses B.
  const patch = {
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Deployment"}\n' } },
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
          containers: [
            {
              '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }],
              env: [{ $patch: 'delete', name: 'B' }],
              image: 'nginx:1.26',
              name: 'web',
            },
          ],
        },
      },
    },
  };
  const patched = smp(webDeployment(), patch);
  t.deepEqual(templateSpec(patched).containers, [
    { name: 'web', image: 'nginx:1.26', env: [{ name: 'A', value: '1' }, { name: 'C', value: '3' }] },
    { name: 'sidecar', image: 'busybox' },
  ]);
  t.is(patched.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration'], '{"kind":"Deployment"}\n');
});

test('env merges by name: a changed value, a new variable and a deleted one', (t) => {
  const patched = smp(pod(), { spec: { containers: [{ name: 'app', env: [{ name: 'DEBUG', value: '1' }, { name: 'TRACE', value: 'on' }, { name: 'MODE', $patch: 'delete' }] }] } });
  t.deepEqual(containers(patched)[0].env, [
    { name: 'DEBUG', value: '1' },
    { name: 'TRACE', value: 'on' },
  ]);
});

test('$setElementOrder/containers reorders the list', (t) => {
  const three = webDeployment();
  templateSpec(three).containers.push({ name: 'proxy', image: 'envoy' });
  const patched = smp(three, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'proxy' }, { name: 'web' }, { name: 'sidecar' }] } } } });
  t.deepEqual(names(templateSpec(patched).containers), ['proxy', 'web', 'sidecar']);
  t.deepEqual(templateSpec(patched).containers[1], templateSpec(webDeployment()).containers[0]);
});

test('kubectl apply inserting a container keeps the manifest order and a server-only container after it', (t) => {
  // Live: web, then a sidecar someone else added. The manifest now lists metrics, then web.
  const patched = smp(webDeployment(), {
    spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'metrics' }, { name: 'web' }], containers: [{ name: 'metrics', image: 'exporter' }] } } },
  });
  t.deepEqual(names(templateSpec(patched).containers), ['metrics', 'web', 'sidecar']);

  const between = smp(webDeployment(), {
    spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'metrics' }, { name: 'sidecar' }], containers: [{ name: 'metrics', image: 'exporter' }] } } },
  });
  t.deepEqual(names(templateSpec(between).containers), ['web', 'metrics', 'sidecar']);
});

test('$deleteFromPrimitiveList/finalizers removes finalizers; the merge strategy adds them as a set', (t) => {
  const removed = smp(pod(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['b.example.com/y', 'not-there'] } });
  t.deepEqual(removed.metadata.finalizers, ['a.example.com/x', 'c.example.com/z']);

  // kubectl apply after the manifest's finalizers went from [x, y, z] to [x, z, w].
  const applied = smp(pod(), {
    metadata: {
      '$setElementOrder/finalizers': ['a.example.com/x', 'c.example.com/z', 'd.example.com/w'],
      '$deleteFromPrimitiveList/finalizers': ['b.example.com/y'],
      finalizers: ['d.example.com/w'],
    },
  });
  t.deepEqual(applied.metadata.finalizers, ['a.example.com/x', 'c.example.com/z', 'd.example.com/w']);

  // Without an order, a new element goes before the server's, as apimachinery's mergeSortedSlice does.
  const added = smp(pod(), { metadata: { finalizers: ['c.example.com/z', 'e.example.com/v'] } });
  t.deepEqual(added.metadata.finalizers, ['a.example.com/x', 'b.example.com/y', 'c.example.com/z', 'e.example.com/v']);
  t.deepEqual(smp(pod(), { metadata: { finalizers: ['e.example.com/v'] } }).metadata.finalizers, ['e.example.com/v', 'a.example.com/x', 'b.example.com/y', 'c.example.com/z']);

  const none = smp({ ...pod(), metadata: { name: 'p' } }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] } });
  t.is(none.metadata.finalizers, undefined);
});

test('$patch: replace on a map takes it as written; null deletes one label', (t) => {
  const replaced = smp(pod(), { metadata: { labels: { $patch: 'replace', app: 'api', stale: null } } });
  t.deepEqual(replaced.metadata.labels, { app: 'api' });

  const unlabelled = smp(pod(), { metadata: { labels: { tier: null } } });
  t.deepEqual(unlabelled.metadata.labels, { app: 'web' });
  t.deepEqual(smp(pod(), { metadata: { labels: { missing: null } } }).metadata.labels, { app: 'web', tier: 'frontend' });
});

test('$patch: delete removes a map; $patch: merge is the default for maps', (t) => {
  const deleted = smp(patchDemo(), { spec: { strategy: { rollingUpdate: { $patch: 'delete' } } } });
  t.deepEqual((deleted.spec as any).strategy, { type: 'RollingUpdate' });
  const merged = smp(patchDemo(), { spec: { selector: { $patch: 'merge', matchLabels: { tier: 'web' } } } });
  t.deepEqual((merged.spec as any).selector, { matchLabels: { app: 'nginx', tier: 'web' } });
});

test('an empty patch list leaves a merge list alone but empties a replaced one', (t) => {
  const patched = smp(pod(), { spec: { containers: [], tolerations: [] }, metadata: { finalizers: [] } });
  t.deepEqual(containers(patched), containers(pod()));
  t.deepEqual(patched.metadata.finalizers, pod().metadata.finalizers);
  t.deepEqual((patched.spec as any).tolerations, []);
});

test('$patch: replace as a list element replaces the merge list', (t) => {
  const patched = smp(pod(), { spec: { containers: [{ name: 'only', image: 'alpine' }, { $patch: 'replace' }] } });
  t.deepEqual(containers(patched), [{ name: 'only', image: 'alpine' }]);
});

test('$patch: merge as a list element merges a list of primitives that is otherwise replaced', (t) => {
  const withArgs = pod();
  containers(withArgs)[0].args = ['--a', '--b'];
  const patched = smp(withArgs, { spec: { containers: [{ name: 'app', args: ['--c', { $patch: 'merge' }] }] } });
  t.deepEqual(containers(patched)[0].args, ['--c', '--a', '--b']);
  const replaced = smp(withArgs, { spec: { containers: [{ name: 'app', args: ['--c'] }] } });
  t.deepEqual(containers(replaced)[0].args, ['--c']);
});

test('$retainKeys clears the fields it does not list (kubectl apply switching to Recreate)', (t) => {
  const patched = smp(patchDemo(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
  t.deepEqual((patched.spec as any).strategy, { type: 'Recreate' });
  const error = t.throws(() => smp(patchDemo(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } }), { instanceOf: PatchError });
  t.is(error.code, 400);
  t.regex(error.message, /spec\.strategy: the patch sets "rollingUpdate", which \$retainKeys does not list/);
});

test('container ports merge by containerPort', (t) => {
  const patched = smp(pod(), { spec: { containers: [{ name: 'app', ports: [{ containerPort: 443, name: 'tls', protocol: 'TCP' }] }] } });
  t.deepEqual(containers(patched)[0].ports, [
    { containerPort: 80, name: 'http' },
    { containerPort: 443, name: 'tls', protocol: 'TCP' },
  ]);
});

test('volumeMounts merge by mountPath', (t) => {
  const patched = smp(pod(), { spec: { containers: [{ name: 'log', volumeMounts: [{ mountPath: '/var/log', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }] }] } });
  t.deepEqual(containers(patched)[1].volumeMounts, [
    { name: 'logs', mountPath: '/var/log', readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ]);
});

test('service ports merge by port', (t) => {
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: {
      selector: { app: 'web' },
      ports: [
        { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
        { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
      ],
    },
  };
  const patched = smp(service, { spec: { ports: [{ port: 80, targetPort: 9090 }] } });
  t.deepEqual((patched.spec as any).ports, [
    { name: 'http', port: 80, targetPort: 9090, protocol: 'TCP' },
    { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
  ]);
});

test('pod conditions merge by type', (t) => {
  const patched = smp(pod(), { status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-05-01T10:00:00Z' }] } });
  t.deepEqual((patched.status as any).conditions, [
    { type: 'Initialized', status: 'True' },
    { type: 'Ready', status: 'True', lastTransitionTime: '2024-05-01T10:00:00Z' },
    { type: 'PodScheduled', status: 'True' },
  ]);
  t.is((patched.status as any).phase, 'Running');
});

test('a kubelet node status heartbeat merges conditions and addresses by type', (t) => {
  const node: KubeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'edge-1' },
    status: {
      addresses: [
        { type: 'InternalIP', address: '10.0.0.5' },
        { type: 'Hostname', address: 'edge-1' },
      ],
      conditions: [
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2024-05-01T10:00:00Z' },
        { type: 'Ready', status: 'True', lastHeartbeatTime: '2024-05-01T10:00:00Z' },
      ],
    },
  };
  const patched = smp(node, {
    status: {
      '$setElementOrder/conditions': [{ type: 'MemoryPressure' }, { type: 'Ready' }],
      conditions: [
        { type: 'MemoryPressure', lastHeartbeatTime: '2024-05-01T10:00:40Z' },
        { type: 'Ready', lastHeartbeatTime: '2024-05-01T10:00:40Z' },
      ],
      addresses: [{ type: 'InternalIP', address: '10.0.0.6' }],
    },
  });
  t.deepEqual((patched.status as any).conditions, [
    { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2024-05-01T10:00:40Z' },
    { type: 'Ready', status: 'True', lastHeartbeatTime: '2024-05-01T10:00:40Z' },
  ]);
  t.deepEqual((patched.status as any).addresses, [
    { type: 'InternalIP', address: '10.0.0.6' },
    { type: 'Hostname', address: 'edge-1' },
  ]);
});

test('deployment conditions and the template metadata follow the schema too', (t) => {
  const deployment = patchDemo();
  (deployment as any).status = { conditions: [{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'True' }] };
  const patched = smp(deployment, {
    spec: { template: { metadata: { labels: { version: 'v2' }, finalizers: ['x'] } } },
    status: { conditions: [{ type: 'Progressing', reason: 'NewReplicaSetAvailable' }] },
  });
  t.deepEqual((patched.spec as any).template.metadata, { labels: { app: 'nginx', version: 'v2' }, finalizers: ['x'] });
  t.deepEqual((patched.status as any).conditions, [
    { type: 'Available', status: 'True' },
    { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
  ]);
});

test('the schema table names the Go struct tags for every pod template', (t) => {
  for (const kind of ['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'Job']) {
    t.deepEqual(fieldPatch(kind, 'spec.template.spec.containers'), { strategy: 'merge', mergeKey: 'name' }, kind);
    t.deepEqual(fieldPatch(kind, 'spec.template.spec.initContainers.env'), { strategy: 'merge', mergeKey: 'name' }, kind);
    t.deepEqual(fieldPatch(kind, 'spec.template.spec.containers.volumeDevices'), { strategy: 'merge', mergeKey: 'devicePath' }, kind);
    t.is(fieldPatch(kind, 'spec.template.spec.tolerations'), undefined, kind);
    t.deepEqual(fieldPatch(kind, 'status.conditions'), { strategy: 'merge', mergeKey: 'type' }, kind);
  }
  t.deepEqual(fieldPatch('Pod', 'spec.ephemeralContainers.volumeMounts'), { strategy: 'merge', mergeKey: 'mountPath' });
  t.deepEqual(fieldPatch('Pod', 'spec.hostAliases'), { strategy: 'merge', mergeKey: 'ip' });
  t.deepEqual(fieldPatch('Pod', 'spec.topologySpreadConstraints'), { strategy: 'merge', mergeKey: 'topologyKey' });
  t.deepEqual(fieldPatch('Pod', 'spec.resourceClaims'), { strategy: 'merge', mergeKey: 'name' });
  t.deepEqual(fieldPatch('Pod', 'spec.imagePullSecrets'), { strategy: 'merge', mergeKey: 'name' });
  t.deepEqual(fieldPatch('Pod', 'spec.volumes'), { strategy: 'merge', mergeKey: 'name' });
  t.deepEqual(fieldPatch('ConfigMap', 'metadata.ownerReferences'), { strategy: 'merge', mergeKey: 'uid' });
  t.deepEqual(fieldPatch('Secret', 'metadata.finalizers'), { strategy: 'merge' });
  t.deepEqual(fieldPatch('Node', 'status.addresses'), { strategy: 'merge', mergeKey: 'type' });
  t.is(fieldPatch('Widget', 'metadata.finalizers'), undefined);
});

test('a DaemonSet template container list merges by name', (t) => {
  const ds: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent' },
    spec: { template: { spec: { containers: [{ name: 'agent', image: 'a:1' }, { name: 'exporter', image: 'e:1' }], volumes: [{ name: 'host', hostPath: { path: '/' } }] } } },
  };
  const patched = smp(ds, { spec: { template: { spec: { containers: [{ name: 'exporter', image: 'e:2' }], volumes: [{ name: 'tmp', emptyDir: {} }] } } } });
  t.deepEqual(templateSpec(patched).containers, [{ name: 'agent', image: 'a:1' }, { name: 'exporter', image: 'e:2' }]);
  t.deepEqual(templateSpec(patched).volumes, [{ name: 'tmp', emptyDir: {} }, { name: 'host', hostPath: { path: '/' } }]);
});

test('ownerReferences merge by uid', (t) => {
  const rs: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u-1', controller: true }] },
  };
  const patched = smp(rs, { metadata: { ownerReferences: [{ uid: 'u-1', blockOwnerDeletion: true }] } });
  t.deepEqual(patched.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u-1', controller: true, blockOwnerDeletion: true }]);
});

test('a list or map the object does not have yet is added, without directives or nulls', (t) => {
  const patched = smp(patchDemo(), {
    spec: { template: { spec: { volumes: [{ name: 'data', emptyDir: { medium: null } }, { $patch: 'delete', name: 'old' }], nodeSelector: { zone: 'a', gone: null } } } },
  });
  t.deepEqual(templateSpec(patched).volumes, [{ name: 'data', emptyDir: {} }]);
  t.deepEqual(templateSpec(patched).nodeSelector, { zone: 'a' });
});

test('kinds outside the catalog are refused with 415, as kube-apiserver does for custom resources', (t) => {
  const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
  const error = t.throws(() => applyPatch('strategic', widget, { spec: {} }, 'Widget'), { instanceOf: PatchError });
  t.is(error.code, 415);
  t.regex(error.message, /strategic merge patch is not supported for kind "Widget"/);
});

test('patches of the wrong shape are 400s with a clear message', (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [[{ op: 'add' }], /strategic merge patch must be a JSON object, got a list/],
    [null, /got null/],
    [{ metadata: { labels: { $patch: 'nuke' } } }, /metadata\.labels: unknown \$patch directive "nuke"/],
    [{ spec: { containers: [{ $patch: 7, name: 'app' }] } }, /spec\.containers\[0\]: unknown \$patch directive 7/],
    [{ spec: { '$setElementOrder/containers': 'app' } }, /spec\.\$setElementOrder\/containers must be a list, got a string/],
    [{ spec: { $setElementOrder: [] } }, /"\$setElementOrder" is not a valid directive/],
    [{ metadata: { '$deleteFromPrimitiveList/finalizers': 'x' } }, /must be a list/],
    [{ metadata: { $retainKeys: 'name' } }, /\$retainKeys must be a list of field names/],
    [{ spec: { containers: [{ image: 'nginx' }] } }, /spec\.containers\[0\]: element has no merge key "name"/],
    [{ spec: { containers: [{ $patch: 'delete' }] } }, /spec\.containers\[0\]: element has no merge key "name"/],
    [{ spec: { '$setElementOrder/containers': [{ name: 'log' }, { name: 'app' }], containers: [{ name: 'app', image: 'x' }, { name: 'log', image: 'y' }] } }, /leaves out or orders differently/],
    [{ metadata: { finalizers: [{ $patch: 'delete', name: 'x' }] } }, /\$deleteFromPrimitiveList/],
  ];
  for (const [patch, message] of cases) {
    const error = t.throws(() => smp(pod(), patch), { instanceOf: PatchError }, JSON.stringify(patch));
    t.is(error.code, 400, JSON.stringify(patch));
    t.regex(error.message, message);
  }
});

test('patches that do not fit the object are 422s', (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ spec: { tolerations: [{ key: 'x' }, { $patch: 'merge' }] } }, /spec\.tolerations: this list has no merge key/],
    [{ metadata: { finalizers: [['nested']] } }, /metadata\.finalizers: lists of lists cannot be merged/],
    [{ spec: { containers: [{ name: 'app', env: ['X=1'] }] } }, /spec\.containers\[0\]\.env: cannot merge a list that mixes objects and primitives/],
    [{ $patch: 'delete' }, /delete the whole object/],
    [{ metadata: { '$deleteFromPrimitiveList/labels': ['x'] } }, /metadata\.labels is an object/],
  ];
  for (const [patch, message] of cases) {
    const error = t.throws(() => smp(pod(), patch), { instanceOf: PatchError }, JSON.stringify(patch));
    t.is(error.code, 422, JSON.stringify(patch));
    t.regex(error.message, message);
  }
});
