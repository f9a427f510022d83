import test from 'ava';
import { isSkerryError } from '../../common/index.ts';
import { validateSpec } from './spec.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function minimal(): Json {
  return {
    ociVersion: '1.0.2',
    process: { args: ['sh'], cwd: '/', user: { uid: 0, gid: 0 } },
    root: { path: 'rootfs' },
    linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }] },
  };
}

function refusal(t: import('ava').ExecutionContext, edit: (s: Json) => void, message: string): void {
  const spec = minimal();
  edit(spec);
  const error = t.throws(() => validateSpec(spec));
  t.true(isSkerryError(error, 'CONFIG_INVALID'), String(error));
  t.is(error!.message, `Configuration is not valid: ${message}`);
}

test('a minimal spec gets defaults: empty env, no rlimits, rw root, additionalGids []', (t) => {
  const spec = validateSpec(minimal());
  t.deepEqual(spec.process.user, { uid: 0, gid: 0, additionalGids: [] });
  t.deepEqual(spec.process.env, []);
  t.is(spec.root.readonly, false);
  t.is(spec.linux.maskedPaths, undefined);
});

test('every bad field is refused with its JSON path', (t) => {
  refusal(t, (s) => (s.process.args = []), 'process.args must be a non-empty array of strings');
  refusal(t, (s) => (s.process.args = ['sh', 1]), 'process.args must be a non-empty array of strings');
  refusal(t, (s) => (s.process.terminal = true), 'process.terminal must be false: skerry does not allocate terminals yet');
  refusal(t, (s) => (s.process.user.uid = -1), 'process.user.uid must be an integer from 0 to 4294967294');
  refusal(t, (s) => (s.process.user.additionalGids = [1, 'x']), 'process.user.additionalGids[1] must be an integer from 0 to 4294967294');
  refusal(t, (s) => (s.process.cwd = 'tmp'), 'process.cwd must be an absolute path (got "tmp")');
  refusal(t, (s) => (s.process.env = ['NOEQUALS']), 'process.env[0] must look like NAME=value (got "NOEQUALS")');
  refusal(t, (s) => (s.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 5 }]), 'process.rlimits[0] has soft limit 10 above its hard limit 5');
  refusal(t, (s) => (s.process.capabilities = { bounding: ['chown'] }), 'process.capabilities.bounding[0] must be a capability name like CAP_CHOWN (got "chown")');
  refusal(t, (s) => (s.ociVersion = '0.9'), 'ociVersion must be 1.x.y (got "0.9")');
  refusal(t, (s) => (s.mounts = [{ destination: 'proc', type: 'proc' }]), 'mounts[0].destination must be an absolute path (got "proc")');
  refusal(t, (s) => (s.linux.namespaces = [{ type: 'pid' }]), 'linux.namespaces must include mount: pivot_root needs a private mount namespace');
  refusal(t, (s) => s.linux.namespaces.push({ type: 'time' }), 'linux.namespaces[2].type must be one of pid, network, mount, ipc, uts, user, cgroup (got "time")');
  refusal(t, (s) => s.linux.namespaces.push({ type: 'pid' }), 'linux.namespaces[2].type repeats pid');
  refusal(t, (s) => (s.hostname = 'x'), 'hostname needs a new uts namespace in linux.namespaces');
  refusal(t, (s) => s.linux.namespaces.push({ type: 'user' }), 'linux.uidMappings and linux.gidMappings must both be set for a new user namespace');
  refusal(t, (s) => (s.linux.devices = [{ path: '/dev/sda' }]), 'linux.devices is not supported by skerry yet');
  refusal(t, (s) => (s.hooks = { prestart: [{ path: '/bin/true' }] }), 'hooks is not supported by skerry yet');
});
