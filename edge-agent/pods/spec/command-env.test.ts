import test from 'ava';
import type { Pod } from '../types.ts';
import { processArgs } from './command.ts';
import { mergeEnv, resolveEnv, type ObjectSource } from './env.ts';
import { expand } from './expansion.ts';

const vars = (o: Record<string, string>) => new Map(Object.entries(o));

test('$(VAR) expansion follows Kubernetes, quirks included', (t) => {
  const env = vars({ A: 'a', EMPTY: '' });
  const cases: Array<[string, string]> = [
    ['$(A)', 'a'], ['x$(A)y$(A)', 'xaya'], ['$(B)', '$(B)'], ['$$(A)', '$(A)'], ['$$$(A)', '$a'], ['$(A', '$(A'],
    ['$A', '$A'], ['a$', 'a$'], ['$(EMPTY)x', 'x'], ['$()', '$()'], ['$(A)$(', 'a$('], ['', ''],
  ];
  for (const [input, want] of cases) t.is(expand(input, env), want, input);
  t.is(expand('$(A)', vars({}), vars({ A: 'second' })), 'second', 'later contexts are looked up in order');
});

test('command and args override the image as containerd does', (t) => {
  const image = { Entrypoint: ['/entry'], Cmd: ['--default'] };
  const env = vars({ PORT: '80' });
  t.deepEqual(processArgs({}, image, env), ['/entry', '--default']);
  t.deepEqual(processArgs({ args: ['--port', '$(PORT)'] }, image, env), ['/entry', '--port', '80']);
  t.deepEqual(processArgs({ command: ['sh', '-c'] }, image, env), ['sh', '-c'], 'a command drops the image Cmd');
  t.deepEqual(processArgs({ command: ['sh'], args: ['-c', 'echo $(PORT) $$(PORT)'] }, image, env), ['sh', '-c', 'echo 80 $(PORT)']);
  t.deepEqual(processArgs({ args: ['x'] }, { Entrypoint: [''], Cmd: ['y'] }, env), ['x'], 'an Entrypoint of [""] is none');
  t.throws(() => processArgs({}, {}, env), { message: 'no command specified' });
});

const pod: Pod = { metadata: { name: 'web', namespace: 'shop', uid: 'uid-1', labels: { app: 'web' } }, spec: { nodeName: 'edge-1', containers: [] } };
const objects: ObjectSource = {
  configMap: (ns, name) => (ns === 'shop' && name === 'cfg' ? { MODE: Buffer.from('fast'), 'bad key': Buffer.from('x'), URL: Buffer.from('http://$(HOST)') } : undefined),
  secret: (ns, name) => (ns === 'shop' && name === 'creds' ? { password: Buffer.from('s3cret') } : undefined),
};
const facts = { hostIP: '10.1.2.3' };

test('env: envFrom first (with prefix), then env overriding; values see what came before', (t) => {
  const container = {
    name: 'c',
    envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'S_', secretRef: { name: 'creds' } }],
    env: [
      { name: 'HOST', value: 'db' },
      { name: 'MODE', value: 'slow-$(MODE)' },
      { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'HOSTIP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'UNDEF', value: '$(NOPE)' },
      { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k', optional: true } } },
    ],
  };
  const env = resolveEnv(container, pod, objects, facts);
  t.deepEqual([...env.vars], [
    ['MODE', 'slow-fast'], ['URL', 'http://$(HOST)'], ['S_password', 's3cret'], ['HOST', 'db'], ['PASS', 's3cret'], ['POD', 'web'], ['NODE', 'edge-1'],
    ['HOSTIP', '10.1.2.3'], ['APP', 'web'], ['UNDEF', '$(NOPE)'],
  ], 'in order of first definition; an optional reference that is missing is left out');
  t.deepEqual(env.warnings, ['Keys [bad key] from the EnvFrom configmap shop/cfg were skipped since they are considered invalid environment variable names.']);
});

test('env: a missing object or key is CreateContainerConfigError with the kubelet message', (t) => {
  const fails = (env: object[], message: string) => {
    const error = t.throws(() => resolveEnv({ name: 'c', env: env as never }, pod, objects, facts));
    t.is(error!.message, message);
    t.is((error as unknown as { reason: string }).reason, 'CreateContainerConfigError');
  };
  fails([{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }], 'secret "nope" not found');
  fails([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }], 'configmap "nope" not found');
  fails([{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } }], "couldn't find key user in Secret shop/creds");
  fails([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }], "couldn't find key k in ConfigMap shop/cfg");
  t.throws(() => resolveEnv({ name: 'c', envFrom: [{ secretRef: { name: 'nope' } }] }, pod, objects, facts), { message: 'secret "nope" not found' });
  t.is(resolveEnv({ name: 'c', envFrom: [{ secretRef: { name: 'nope', optional: true } }] }, pod, objects, facts).vars.size, 0);
});

test('the process env is PATH, HOSTNAME, the image env, then the container env replacing in place', (t) => {
  t.deepEqual(mergeEnv('web', ['PATH=/bin', 'LANG=C', 'MODE=image'], vars({ MODE: 'pod', EXTRA: '1' })), ['PATH=/bin', 'HOSTNAME=web', 'LANG=C', 'MODE=pod', 'EXTRA=1']);
});
