import test from 'ava';
import { at, defaulted, fieldsOf, pod, stored } from './fixtures.test-helper.ts';
import { validateCreate, validateUpdate } from './index.ts';

test('the nginx Pod from the Kubernetes docs is valid', (t) => {
  t.deepEqual(validateCreate('Pod', pod()), []);
});

test('Pods get the defaults kube-apiserver fills in', (t) => {
  const p = pod();
  p.spec.containers[0].resources = { limits: { cpu: '500m', memory: '128Mi' } };
  p.spec.containers.push({ name: 'sidecar', image: 'busybox' });
  const d = defaulted('Pod', p);
  t.like(d.spec, {
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    schedulerName: 'default-scheduler',
    securityContext: {},
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
    priority: 0,
  });
  t.deepEqual(d.spec.containers[0], {
    name: 'nginx',
    image: 'nginx:1.14.2',
    ports: [{ containerPort: 80, protocol: 'TCP' }],
    resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '500m', memory: '128Mi' } },
    imagePullPolicy: 'IfNotPresent',
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  });
  t.is(d.spec.containers[1].imagePullPolicy, 'Always', 'untagged means :latest');
  t.deepEqual(d.spec.containers[1].resources, {});
  t.is(p.spec.restartPolicy, undefined, 'the input is left alone');
});

test('image pull policy follows the tag', (t) => {
  const policy = (image: string) => {
    const p = pod();
    p.spec.containers[0].image = image;
    return defaulted('Pod', p).spec.containers[0].imagePullPolicy;
  };
  t.is(policy('nginx:latest'), 'Always');
  t.is(policy('localhost:5000/nginx'), 'Always', 'a registry port is not a tag');
  t.is(policy('localhost:5000/nginx:1.2'), 'IfNotPresent');
  t.is(policy('nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'), 'IfNotPresent');
});

test('containers are required, named uniquely and need an image', (t) => {
  const p = pod();
  p.spec.containers = [];
  t.deepEqual(validateCreate('Pod', p), [{ reason: 'FieldValueRequired', field: 'spec.containers', message: 'Required value' }]);
  const q = pod();
  q.spec.containers.push({ name: 'nginx', image: '' });
  q.spec.containers.push({ name: 'Web_UI', image: 'web' });
  const causes = validateCreate('Pod', q);
  t.deepEqual(at(causes, 'spec.containers[1].image'), [{ reason: 'FieldValueRequired', field: 'spec.containers[1].image', message: 'Required value' }]);
  t.deepEqual(at(causes, 'spec.containers[1].name'), [{ reason: 'FieldValueDuplicate', field: 'spec.containers[1].name', message: 'Duplicate value: "nginx"' }]);
  t.regex(at(causes, 'spec.containers[2].name')[0]?.message ?? '', /^Invalid value: "Web_UI": a lowercase RFC 1123 label must consist/);
});

test('container ports: range, protocol, unique names and host ports', (t) => {
  const p = pod();
  p.spec.containers[0].ports = [
    { containerPort: 70000, protocol: 'HTTP' },
    { name: 'http', containerPort: 80, hostPort: 8080 },
    { name: 'http', containerPort: 81, hostPort: 8080 },
  ];
  const causes = validateCreate('Pod', p);
  t.deepEqual(causes, [
    { reason: 'FieldValueInvalid', field: 'spec.containers[0].ports[0].containerPort', message: 'Invalid value: 70000: must be between 1 and 65535, inclusive' },
    { reason: 'FieldValueNotSupported', field: 'spec.containers[0].ports[0].protocol', message: 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"' },
    { reason: 'FieldValueDuplicate', field: 'spec.containers[0].ports[2].name', message: 'Duplicate value: "http"' },
    { reason: 'FieldValueDuplicate', field: 'spec.containers[0].ports[2].hostPort', message: 'Duplicate value: "TCP//8080"' },
  ]);
});

test('resources: valid quantities, known names, requests within limits', (t) => {
  const p = pod();
  p.spec.containers[0].resources = {
    limits: { cpu: '1', memory: '1Gi', 'nvidia.com/gpu': 1 },
    requests: { cpu: '1500m', memory: '-1', 'nvidia.com/gpu': '0.5', disk: '1', ephemeral: 'lots' },
  };
  const causes = validateCreate('Pod', p);
  const base = 'spec.containers[0].resources';
  t.deepEqual(at(causes, `${base}.requests`).map((c) => c.message), [
    'Invalid value: "1500m": must be less than or equal to cpu limit of 1',
    'Invalid value: "500m": must be equal to nvidia.com/gpu limit of 1',
  ]);
  t.deepEqual(at(causes, `${base}.requests[memory]`).map((c) => c.message), ['Invalid value: "-1": must be greater than or equal to 0']);
  t.deepEqual(at(causes, `${base}.requests[nvidia.com/gpu]`).map((c) => c.message), ['Invalid value: "500m": must be an integer']);
  t.deepEqual(at(causes, `${base}.requests[disk]`).map((c) => c.message), [
    'Invalid value: "disk": must be a standard resource type or fully qualified',
    'Invalid value: "disk": must be a standard resource for containers',
  ]);
  t.regex(at(causes, `${base}.requests[ephemeral]`)[0]?.message ?? '', /quantities must match the regular expression/);
});

test('restart and DNS policies are enumerations', (t) => {
  const p = pod();
  p.spec.restartPolicy = 'Sometimes';
  p.spec.dnsPolicy = 'Google';
  t.deepEqual(validateCreate('Pod', p), [
    { reason: 'FieldValueNotSupported', field: 'spec.restartPolicy', message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"' },
    {
      reason: 'FieldValueNotSupported',
      field: 'spec.dnsPolicy',
      message: 'Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    },
  ]);
  const q = pod();
  q.spec.dnsPolicy = 'None';
  t.deepEqual(validateCreate('Pod', q), [
    { reason: 'FieldValueRequired', field: 'spec.dnsConfig', message: 'Required value: must provide `dnsConfig` when `dnsPolicy` is None' },
  ]);
});

test('volumes: unique names, one source each, mounts must name one', (t) => {
  const p = pod();
  p.spec.volumes = [
    { name: 'cache', emptyDir: {} },
    { name: 'cache', emptyDir: {} },
    { name: 'both', configMap: { name: 'cfg' }, secret: { secretName: 's' } },
    { name: 'data', persistentVolumeClaim: {} },
    { name: 'implicit' },
  ];
  p.spec.containers[0].volumeMounts = [
    { name: 'cache', mountPath: '/cache' },
    { name: 'missing', mountPath: '/cache' },
    { name: 'implicit', mountPath: '/implicit' },
  ];
  const causes = validateCreate('Pod', p);
  t.deepEqual(causes, [
    { reason: 'FieldValueDuplicate', field: 'spec.volumes[1].name', message: 'Duplicate value: "cache"' },
    { reason: 'FieldValueForbidden', field: 'spec.volumes[2].configMap', message: 'Forbidden: may not specify more than 1 volume type' },
    { reason: 'FieldValueRequired', field: 'spec.volumes[3].persistentVolumeClaim.claimName', message: 'Required value' },
    { reason: 'FieldValueNotFound', field: 'spec.containers[0].volumeMounts[1].name', message: 'Not found: "missing"' },
    { reason: 'FieldValueInvalid', field: 'spec.containers[0].volumeMounts[1].mountPath', message: 'Invalid value: "/cache": must be unique' },
  ]);
  t.deepEqual(defaulted('Pod', p).spec.volumes[4], { name: 'implicit', emptyDir: {} }, 'a volume without a source is an emptyDir');
});

test('environment variables: names and value sources', (t) => {
  const p = pod();
  p.spec.containers[0].env = [
    { name: 'GOOD_NAME', value: 'x' },
    { name: '1BAD', value: 'x' },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.hostname' } } },
    { name: 'BOTH', value: 'x', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
    { name: 'NONE', valueFrom: {} },
  ];
  const causes = validateCreate('Pod', p);
  const env = 'spec.containers[0].env';
  t.deepEqual(fieldsOf(causes), [`${env}[1].name`, `${env}[3].valueFrom.fieldRef.fieldPath`, `${env}[4].valueFrom`, `${env}[5].valueFrom`]);
  t.regex(causes[0]!.message, /a valid environment variable name must consist of alphabetic characters/);
  t.regex(causes[1]!.message, /^Unsupported value: "spec.hostname": supported values: "metadata.name"/);
  t.is(causes[2]!.message, 'Invalid value: "": may not be specified when `value` is not empty');
  t.is(defaulted('Pod', p).spec.containers[0].env[2].valueFrom.fieldRef.apiVersion, 'v1');
});

test('probes need exactly one handler and get their defaults', (t) => {
  const p = pod();
  p.spec.containers[0].livenessProbe = { httpGet: { port: 80 }, exec: { command: ['true'] }, successThreshold: 2 };
  p.spec.containers[0].readinessProbe = {};
  const causes = validateCreate('Pod', p);
  const c = 'spec.containers[0]';
  t.deepEqual(causes, [
    { reason: 'FieldValueForbidden', field: `${c}.livenessProbe.httpGet`, message: 'Forbidden: may not specify more than 1 handler type' },
    { reason: 'FieldValueInvalid', field: `${c}.livenessProbe.successThreshold`, message: 'Invalid value: 2: must be 1' },
    { reason: 'FieldValueRequired', field: `${c}.readinessProbe`, message: 'Required value: must specify a handler type' },
  ]);
  const d = defaulted('Pod', p).spec.containers[0];
  t.like(d.readinessProbe, { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  t.like(d.livenessProbe.httpGet, { path: '/', scheme: 'HTTP' });
});

test('tolerations follow the operator rules', (t) => {
  const p = pod();
  p.spec.tolerations = [
    { operator: 'Exists' },
    { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
    { operator: 'Equal', value: 'x' },
    { key: 'k', operator: 'Exists', value: 'v' },
    { key: 'k', tolerationSeconds: 30, effect: 'NoSchedule' },
  ];
  t.deepEqual(fieldsOf(validateCreate('Pod', p)), ['spec.tolerations[2].operator', 'spec.tolerations[3].operator', 'spec.tolerations[4].effect']);
});

test('pod updates may only change images, deadlines, tolerations and grace period', (t) => {
  const old = stored('Pod', pod());
  const ok = structuredClone(old);
  ok.spec.containers[0].image = 'nginx:1.16.1';
  ok.spec.activeDeadlineSeconds = 600;
  ok.spec.tolerations = [{ key: 'example.com/maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }];
  ok.metadata.labels = { app: 'web' };
  t.deepEqual(validateUpdate('Pod', ok, old), []);

  const bad = structuredClone(old);
  bad.spec.restartPolicy = 'Never';
  const causes = validateUpdate('Pod', bad, old);
  t.is(causes.length, 1);
  t.is(causes[0]!.field, 'spec');
  t.is(causes[0]!.reason, 'FieldValueForbidden');
  t.true(
    causes[0]!.message.startsWith(
      'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
    ),
  );
  t.true(causes[0]!.message.includes('spec.restartPolicy: "Always" -> "Never"'));
});

test('pod update rules: containers, deadlines and existing tolerations', (t) => {
  const old = stored('Pod', pod());
  old.spec.activeDeadlineSeconds = 100;
  old.spec.tolerations = [{ key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }];
  const more = structuredClone(old);
  more.spec.containers.push({ name: 'two', image: 'x', terminationMessagePolicy: 'File', imagePullPolicy: 'Always' });
  t.deepEqual(validateUpdate('Pod', more, old), [
    { reason: 'FieldValueForbidden', field: 'spec.containers', message: 'Forbidden: pod updates may not add or remove containers' },
  ]);
  const longer = structuredClone(old);
  longer.spec.activeDeadlineSeconds = 200;
  t.deepEqual(validateUpdate('Pod', longer, old), [
    { reason: 'FieldValueInvalid', field: 'spec.activeDeadlineSeconds', message: 'Invalid value: 200: must be less than or equal to previous value' },
  ]);
  const retuned = structuredClone(old);
  retuned.spec.tolerations[0].tolerationSeconds = 20;
  t.deepEqual(validateUpdate('Pod', retuned, old), [], 'tolerationSeconds may change');
  const removed = structuredClone(old);
  removed.spec.tolerations = [];
  t.deepEqual(validateUpdate('Pod', removed, old), [
    { reason: 'FieldValueForbidden', field: 'spec.tolerations', message: 'Forbidden: existing toleration can not be modified except its tolerationSeconds' },
  ]);
  const graceful = structuredClone(old);
  old.spec.terminationGracePeriodSeconds = -1;
  graceful.spec.terminationGracePeriodSeconds = 1;
  t.deepEqual(validateUpdate('Pod', graceful, old), [], 'a negative grace period may become 1');
});

test('host networking ties host ports to container ports', (t) => {
  const p = pod();
  p.spec.hostNetwork = true;
  t.is(defaulted('Pod', p).spec.containers[0].ports[0].hostPort, 80);
  t.deepEqual(validateCreate('Pod', p), []);
  p.spec.containers[0].ports[0].hostPort = 8080;
  t.deepEqual(validateCreate('Pod', p), [
    { reason: 'FieldValueInvalid', field: 'spec.containers[0].ports[0].hostPort', message: 'Invalid value: 8080: must match `containerPort` when `hostNetwork` is true' },
  ]);
});
