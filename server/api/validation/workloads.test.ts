import test from 'ava';
import { at, daemonSet, defaulted, deployment, fieldsOf, job, statefulSet, stored, type Manifest } from './fixtures.test-helper.ts';
import { validateCreate, validateUpdate } from './index.ts';

test('the docs Deployment, StatefulSet, DaemonSet and Job are valid', (t) => {
  t.deepEqual(validateCreate('Deployment', deployment()), []);
  t.deepEqual(validateCreate('StatefulSet', statefulSet()), []);
  t.deepEqual(validateCreate('DaemonSet', daemonSet()), []);
  t.deepEqual(validateCreate('Job', stored('Job', job())), []);
});

test('Deployment defaults', (t) => {
  const d = defaulted('Deployment', deployment());
  t.like(d.spec, {
    replicas: 3,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  });
  t.like(d.spec.template.spec, { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30 });
  t.is(d.spec.template.spec.enableServiceLinks, undefined, 'pod-only defaults stay off templates');
  const noReplicas = deployment();
  delete noReplicas.spec.replicas;
  t.is(defaulted('Deployment', noReplicas).spec.replicas, 1);
  const recreate = deployment();
  recreate.spec.strategy = { type: 'Recreate' };
  t.deepEqual(defaulted('Deployment', recreate).spec.strategy, { type: 'Recreate' });
});

test('a selector that misses the template labels is reported as Kubernetes words it', (t) => {
  const d = deployment();
  d.spec.template.metadata.labels = { app: 'web', tier: 'frontend' };
  t.deepEqual(validateCreate('Deployment', d), [
    {
      reason: 'FieldValueInvalid',
      field: 'spec.template.metadata.labels',
      message: 'Invalid value: map[string]string{"app":"web", "tier":"frontend"}: `selector` does not match template `labels`',
    },
  ]);
});

test('a missing or empty selector is rejected', (t) => {
  const none = deployment();
  delete none.spec.selector;
  t.deepEqual(fieldsOf(validateCreate('Deployment', none)), ['spec.selector', 'spec.template.metadata.labels']);
  const empty = deployment();
  empty.spec.selector = {};
  t.deepEqual(validateCreate('Deployment', empty), [
    {
      reason: 'FieldValueInvalid',
      field: 'spec.selector',
      message: 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    },
  ]);
});

test('match expressions select template labels', (t) => {
  const d = deployment();
  d.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['nginx', 'web'] }] };
  t.deepEqual(validateCreate('Deployment', d), []);
  d.spec.selector.matchExpressions[0].operator = 'NotIn';
  t.deepEqual(fieldsOf(validateCreate('Deployment', d)), ['spec.template.metadata.labels']);
  d.spec.selector.matchExpressions[0].operator = 'Near';
  t.deepEqual(fieldsOf(validateCreate('Deployment', d)), ['spec.selector.matchExpressions[0].operator', 'spec.selector']);
});

test('replicas may not be negative and the template must restart Always', (t) => {
  const d = deployment();
  d.spec.replicas = -1;
  d.spec.template.spec.restartPolicy = 'OnFailure';
  t.deepEqual(validateCreate('Deployment', d), [
    { reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' },
    { reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "OnFailure": supported values: "Always"' },
  ]);
});

test('template errors are reported under spec.template', (t) => {
  const d = deployment();
  d.spec.template.spec.containers[0].image = '';
  d.spec.template.metadata.labels['bad key'] = 'x';
  d.spec.selector.matchLabels = { app: 'nginx' };
  const causes = validateCreate('Deployment', d);
  t.deepEqual(fieldsOf(causes), ['spec.template.labels', 'spec.template.spec.containers[0].image']);
});

test('rolling update settings: int or percent, not both zero', (t) => {
  const d = deployment();
  d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } };
  t.deepEqual(validateCreate('Deployment', d), [
    {
      reason: 'FieldValueInvalid',
      field: 'spec.strategy.rollingUpdate.maxUnavailable',
      message: 'Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0',
    },
  ]);
  d.spec.strategy.rollingUpdate = { maxSurge: '25', maxUnavailable: '150%' };
  t.deepEqual(fieldsOf(validateCreate('Deployment', d)), ['spec.strategy.rollingUpdate.maxSurge', 'spec.strategy.rollingUpdate.maxUnavailable']);
  d.spec.strategy = { type: 'BlueGreen' };
  t.deepEqual(validateCreate('Deployment', d), [
    {
      reason: 'FieldValueNotSupported',
      field: 'spec.strategy',
      message: 'Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"',
    },
  ]);
  d.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } };
  t.deepEqual(fieldsOf(validateCreate('Deployment', d)), ['spec.strategy.rollingUpdate']);
});

test('apps/v1 selectors are immutable; replicas and template may change', (t) => {
  const old = stored('Deployment', deployment());
  const scaled = structuredClone(old);
  scaled.spec.replicas = 5;
  scaled.spec.template.spec.containers[0].image = 'nginx:1.16.1';
  t.deepEqual(validateUpdate('Deployment', scaled, old), []);
  const moved = structuredClone(old);
  moved.spec.selector.matchLabels = { app: 'web' };
  moved.spec.template.metadata.labels = { app: 'web' };
  t.deepEqual(validateUpdate('Deployment', moved, old), [
    {
      reason: 'FieldValueInvalid',
      field: 'spec.selector',
      message: 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    },
  ]);
});

test('ReplicaSets share the Deployment rules', (t) => {
  const rs = { ...deployment(), kind: 'ReplicaSet', metadata: { name: 'frontend', namespace: 'default' } } as Manifest;
  delete rs.spec.replicas;
  t.is(defaulted('ReplicaSet', rs).spec.replicas, 1);
  t.deepEqual(validateCreate('ReplicaSet', rs), []);
  rs.spec.template.spec.activeDeadlineSeconds = 30;
  t.deepEqual(at(validateCreate('ReplicaSet', rs), 'spec.template.spec.activeDeadlineSeconds'), [
    { reason: 'FieldValueForbidden', field: 'spec.template.spec.activeDeadlineSeconds', message: 'Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported' },
  ]);
});

test('DaemonSet defaults and update strategy rules', (t) => {
  const d = defaulted('DaemonSet', daemonSet());
  t.deepEqual(d.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  t.is(d.spec.revisionHistoryLimit, 10);
  const both = daemonSet();
  both.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } };
  t.deepEqual(validateCreate('DaemonSet', both), [
    {
      reason: 'FieldValueInvalid',
      field: 'spec.updateStrategy.rollingUpdate.maxSurge',
      message: 'Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero',
    },
  ]);
  const neither = daemonSet();
  neither.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } };
  t.deepEqual(fieldsOf(validateCreate('DaemonSet', neither)), ['spec.updateStrategy.rollingUpdate.maxUnavailable']);
});

test('StatefulSet defaults', (t) => {
  const s = defaulted('StatefulSet', statefulSet());
  t.like(s.spec, {
    replicas: 3,
    podManagementPolicy: 'OrderedReady',
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    revisionHistoryLimit: 10,
    serviceName: 'nginx',
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
  });
  t.like(s.spec.volumeClaimTemplates[0], { spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
});

test('StatefulSet names are DNS labels; mounts may use claim templates; policies are checked', (t) => {
  const s = statefulSet();
  s.metadata.name = 'web.v2';
  s.spec.podManagementPolicy = 'Random';
  s.spec.volumeClaimTemplates[0].spec.resources = {};
  t.deepEqual(validateCreate('StatefulSet', s), [
    { reason: 'FieldValueInvalid', field: 'metadata.name', message: 'Invalid value: "web.v2": must not contain dots' },
    { reason: 'FieldValueInvalid', field: 'spec.podManagementPolicy', message: 'Invalid value: "Random": must be \'OrderedReady\' or \'Parallel\'' },
    { reason: 'FieldValueRequired', field: 'spec.volumeClaimTemplates[0].spec.resources[storage]', message: 'Required value' },
  ]);
});

test('StatefulSet updates may only touch replicas, template, strategy and a few more', (t) => {
  const old = stored('StatefulSet', statefulSet());
  const ok = structuredClone(old);
  ok.spec.replicas = 5;
  ok.spec.minReadySeconds = 0;
  ok.spec.updateStrategy = { type: 'OnDelete' };
  ok.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Retain' };
  ok.spec.template.spec.containers[0].image = 'registry.k8s.io/nginx-slim:0.27';
  t.deepEqual(validateUpdate('StatefulSet', ok, old), []);
  const bad = structuredClone(old);
  bad.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '2Gi';
  t.deepEqual(validateUpdate('StatefulSet', bad, old), [
    {
      reason: 'FieldValueForbidden',
      field: 'spec',
      message:
        "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    },
  ]);
});

test('Job defaults generate the selector from the uid', (t) => {
  const j = defaulted('Job', job());
  const uid = j.metadata.uid;
  t.like(j.spec, { parallelism: 1, completions: 1, backoffLimit: 4, completionMode: 'NonIndexed', suspend: false });
  t.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  t.like(j.spec.template.metadata.labels, {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': uid,
    'job-name': 'pi',
  });
  const defaultsBackoff = job();
  delete defaultsBackoff.spec.backoffLimit;
  t.is(defaulted('Job', defaultsBackoff).spec.backoffLimit, 6);
});

test('Job pods must not restart Always', (t) => {
  const j = job();
  delete j.spec.template.spec.restartPolicy;
  t.deepEqual(validateCreate('Job', j), [
    { reason: 'FieldValueRequired', field: 'spec.template.spec.restartPolicy', message: 'Required value: valid values: "OnFailure", "Never"' },
  ]);
});

test('a hand-written Job selector must be the generated one unless manualSelector', (t) => {
  const j = job();
  j.spec.selector = { matchLabels: { app: 'pi' } };
  j.spec.template.metadata = { labels: { app: 'pi' } };
  t.deepEqual(fieldsOf(validateCreate('Job', j)), ['spec.selector']);
  j.spec.manualSelector = true;
  t.deepEqual(validateCreate('Job', j), []);
});

test('a Job template is immutable once created', (t) => {
  const old = stored('Job', job());
  const next = structuredClone(old);
  next.spec.template.spec.containers[0].image = 'perl:5.36';
  t.deepEqual(validateUpdate('Job', next, old), [
    { reason: 'FieldValueInvalid', field: 'spec.template', message: 'Invalid value: core.PodTemplateSpec{...}: field is immutable' },
  ]);
  const suspended = structuredClone(old);
  suspended.spec.suspend = true;
  const moved = structuredClone(suspended);
  moved.spec.template.spec.nodeSelector = { 'kubernetes.io/arch': 'arm64' };
  t.deepEqual(validateUpdate('Job', moved, suspended), [], 'scheduling directives of an unstarted suspended Job may change');
  const more = structuredClone(old);
  more.spec.completions = 3;
  t.deepEqual(fieldsOf(validateUpdate('Job', more, old)), ['spec.completions']);
});

test('ControllerRevisions need data, which never changes', (t) => {
  const rev = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'web-7d4b9c', namespace: 'default' }, revision: 1 } as Manifest;
  t.deepEqual(validateCreate('ControllerRevision', rev), [{ reason: 'FieldValueRequired', field: 'data', message: 'Required value: data is mandatory' }]);
  rev.data = { spec: { template: {} } };
  t.deepEqual(validateCreate('ControllerRevision', rev), []);
  const next = structuredClone(rev);
  next.data = { spec: {} };
  t.deepEqual(fieldsOf(validateUpdate('ControllerRevision', next, rev)), ['data']);
});
