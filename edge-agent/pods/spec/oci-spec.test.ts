import test from 'ava';
import { validateSpec } from '../../../native/index.ts';
import type { KubeContainer, Pod } from '../types.ts';
import { buildSpec, capabilitySet, type SpecInput } from './oci-spec.ts';
import { linuxResources, qosClass, quantityValue } from './resources.ts';
import { resolveUser } from './user.ts';

const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({ metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { containers: [], ...spec } });

function input(container: Partial<KubeContainer>, extra: Partial<SpecInput> = {}): SpecInput {
  return {
    pod: pod(), container: { name: 'c', ...container }, image: { Entrypoint: ['/bin/server'], Cmd: ['--serve'], Env: ['PATH=/usr/bin:/bin', 'LANG=C.UTF-8'], WorkingDir: '/srv' },
    env: new Map([['MODE', 'prod']]), user: { uid: 0, gid: 0, additionalGids: [] }, rootfs: '/var/lib/skerry/agent/images/containers/x/rootfs',
    mounts: [], namespaces: { net: '/run/skerry/pods/u1/ns/net', ipc: '/run/skerry/pods/u1/ns/ipc', uts: '/run/skerry/pods/u1/ns/uts' },
    hostname: 'web', pidsLimit: 4096, nofile: 65536, allowPrivileged: false, ...extra,
  };
}

test('a default container: image process, joined pod namespaces, writable root, runtime-default seccomp', (t) => {
  const spec = buildSpec(input({}));
  t.deepEqual(spec.process.args, ['/bin/server', '--serve']);
  t.deepEqual(spec.process.env, ['PATH=/usr/bin:/bin', 'HOSTNAME=web', 'LANG=C.UTF-8', 'MODE=prod']);
  t.is(spec.process.cwd, '/srv');
  t.false(spec.process.noNewPrivileges, 'no_new_privs only with allowPrivilegeEscalation: false');
  t.deepEqual(spec.root, { path: '/var/lib/skerry/agent/images/containers/x/rootfs', readonly: false });
  t.deepEqual(spec.linux.namespaces, [
    { type: 'mount' }, { type: 'cgroup' }, { type: 'pid' },
    { type: 'network', path: '/run/skerry/pods/u1/ns/net' }, { type: 'ipc', path: '/run/skerry/pods/u1/ns/ipc' }, { type: 'uts', path: '/run/skerry/pods/u1/ns/uts' },
  ]);
  t.is(spec.hostname, undefined, 'the hostname belongs to the pod\'s uts namespace');
  t.truthy(spec.linux.seccomp);
  t.deepEqual(spec.linux.resources, { cpu: { shares: 2 }, pids: { limit: 4096 } });
  t.notThrows(() => validateSpec(spec), 'the runtime accepts it');
});

test('securityContext: user, read-only root, no_new_privs, capabilities, seccomp Unconfined', (t) => {
  const spec = buildSpec(input({ workingDir: '/data', securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['chown', 'CAP_KILL'] }, seccompProfile: { type: 'Unconfined' } } }, { user: { uid: 1000, gid: 1000, additionalGids: [5] } }));
  t.deepEqual(spec.process.user, { uid: 1000, gid: 1000, additionalGids: [5] });
  t.is(spec.process.cwd, '/data');
  t.true(spec.root.readonly);
  t.true(spec.process.noNewPrivileges);
  t.true(spec.process.capabilities.effective.includes('CAP_NET_ADMIN'));
  t.false(spec.process.capabilities.bounding.includes('CAP_CHOWN'));
  t.false(spec.process.capabilities.bounding.includes('CAP_KILL'));
  t.deepEqual(spec.process.capabilities.inheritable, []);
  t.is(spec.linux.seccomp, undefined);
  t.notThrows(() => validateSpec(spec));
});

test('capabilities: ALL and named adds and drops as containerd applies them', (t) => {
  t.deepEqual(capabilitySet({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }), ['CAP_NET_BIND_SERVICE']);
  const all = capabilitySet({ capabilities: { add: ['ALL'], drop: ['SYS_ADMIN'] } });
  t.true(all.includes('CAP_SYS_MODULE') && !all.includes('CAP_SYS_ADMIN'));
  t.throws(() => capabilitySet({ capabilities: { add: ['FLY'] } }), { message: /unknown capability "CAP_FLY"/ });
});

test('privileged is refused with a reason unless the node allows it', (t) => {
  const error = t.throws(() => buildSpec(input({ securityContext: { privileged: true } })));
  t.is((error as unknown as { reason: string }).reason, 'CreateContainerConfigError');
  t.regex(error!.message, /privileged container c is not allowed on this node/);
  const spec = buildSpec(input({ securityContext: { privileged: true } }, { allowPrivileged: true }));
  t.is(spec.linux.seccomp, undefined);
  t.deepEqual(spec.linux.maskedPaths, []);
  t.true(spec.process.capabilities.bounding.includes('CAP_SYS_ADMIN'));
});

test('hostNetwork and hostPID share the host\'s namespaces', (t) => {
  const spec = buildSpec(input({}, { pod: pod({ hostNetwork: true, hostPID: true }), namespaces: { ipc: '/run/p/ns/ipc' } }));
  t.deepEqual(spec.linux.namespaces, [{ type: 'mount' }, { type: 'cgroup' }, { type: 'ipc', path: '/run/p/ns/ipc' }]);
});

test('volume mounts come after the defaults, parents before children', (t) => {
  const mounts = [
    { destination: '/data/cache', type: 'bind', source: '/h/cache', options: ['rbind', 'rprivate'] },
    { destination: '/data', type: 'bind', source: '/h/data', options: ['rbind', 'rprivate', 'ro'] },
  ];
  const spec = buildSpec(input({}, { mounts }));
  t.deepEqual(spec.mounts.slice(-2).map((m: { destination: string }) => m.destination), ['/data', '/data/cache']);
});

test('resources: requests and limits become cgroup settings as the kubelet computes them', (t) => {
  t.deepEqual(linuxResources({ name: 'c', resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } } }, 100), {
    cpu: { shares: 256, quota: 50_000, period: 100_000 }, memory: { limit: 128 * 1024 * 1024 }, pids: { limit: 100 },
  });
  t.deepEqual(linuxResources({ name: 'c', resources: { limits: { cpu: '2' } } }, 0), { cpu: { shares: 2048, quota: 200_000, period: 100_000 } });
  t.is(quantityValue('1.5Gi'), 1.5 * 2 ** 30);
  t.is(quantityValue('1e3'), 1000);
  t.is(quantityValue('12x'), undefined);
  t.throws(() => linuxResources({ name: 'c', resources: { limits: { memory: 'lots' } } }, 0), { message: /resources\.limits\.memory "lots"/ });
});

test('QoS class: BestEffort, Burstable, Guaranteed', (t) => {
  const withResources = (...rs: Array<KubeContainer['resources']>) => pod({ containers: rs.map((resources, i) => ({ name: `c${i}`, resources })) });
  t.is(qosClass(withResources({})), 'BestEffort');
  t.is(qosClass(withResources({ requests: { cpu: '100m' } })), 'Burstable');
  const exact = { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } };
  t.is(qosClass(withResources(exact, exact)), 'Guaranteed');
  t.is(qosClass(withResources(exact, {})), 'Burstable');
});

test('the user comes from runAsUser, else the image User looked up in its passwd and group files', (t) => {
  const accounts = { passwd: 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n', group: 'root:x:0:\napp:x:1000:\nvideo:x:44:app\n' };
  const p = pod({ securityContext: { supplementalGroups: [7] } });
  t.deepEqual(resolveUser(p, { name: 'c' }, 'app', accounts), { uid: 1000, gid: 1000, additionalGids: [44, 7] });
  t.deepEqual(resolveUser(p, { name: 'c' }, '1000:video', accounts), { uid: 1000, gid: 44, additionalGids: [7] });
  t.deepEqual(resolveUser(p, { name: 'c', securityContext: { runAsUser: 1000, runAsGroup: 5 } }, '', accounts), { uid: 1000, gid: 5, additionalGids: [44, 7] });
  t.deepEqual(resolveUser(pod(), { name: 'c' }, '', {}), { uid: 0, gid: 0, additionalGids: [] });
  t.throws(() => resolveUser(pod(), { name: 'c' }, 'nobody', accounts), { message: /unable to find user nobody/ });
  t.throws(() => resolveUser(pod({ securityContext: { runAsNonRoot: true } }), { name: 'c' }, '', accounts), { message: /container has runAsNonRoot and image will run as root/ });
  t.throws(() => resolveUser(pod({ securityContext: { runAsNonRoot: true } }), { name: 'c' }, 'app', accounts), { message: /non-numeric user \(app\)/ });
});
