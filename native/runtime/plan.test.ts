import fs from 'node:fs';
import test from 'ava';
import { isSkerryError } from '../../common/index.ts';
import { compilePlan, type PlanOptions } from './plan.ts';
import { OP, encodePlan } from './plan-format.ts';
import { validateSpec } from './spec.ts';

const header = fs.readFileSync(new URL('../shim/plan.h', import.meta.url), 'utf8');

function options(extra: Partial<PlanOptions> = {}): PlanOptions {
  return {
    rootfsPath: '/run/skerry/test/rootfs', bundle: '/run/skerry/test', stateDir: '/run/skerry/test/state', stdio: 'inherit',
    capabilities: { bounding: 0xa80425fbn, effective: 0xa80425fbn, permitted: 0xa80425fbn },
    hostLimits: { nofile: { soft: 1024, hard: 4096 } }, canRaiseHardLimits: false, cgroup2: true, ...extra,
  };
}

function spec(edit: (s: Record<string, any>) => void = () => {}) { // eslint-disable-line @typescript-eslint/no-explicit-any
  const raw = { ociVersion: '1.0.2', process: { args: ['sh'], cwd: '/', noNewPrivileges: true }, root: { path: 'rootfs' }, linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }] } };
  edit(raw);
  return validateSpec(raw);
}

test('the op table matches SKERRY_PLAN_OPS in native/shim/plan.h', (t) => {
  const fromHeader = Object.fromEntries([...header.matchAll(/^\s*X\((\d+), (\w+)\)/gm)].map((m) => [m[2], Number(m[1])]));
  t.deepEqual(fromHeader, { ...OP });
});

test('records are 8-byte aligned with the header count and size', (t) => {
  const { bytes, labels } = encodePlan([{ op: 'HOSTNAME', label: 'sethostname x', strs: ['x'] }, { op: 'RLIMIT', label: 'r', nums: [7, 1n, 2] }]);
  t.is(bytes.toString('latin1', 0, 4), 'SKPL');
  t.is(bytes.readUInt32LE(8), bytes.length);
  t.is(bytes.readUInt32LE(12), 2);
  t.is(bytes.readUInt32LE(16), OP.HOSTNAME);
  t.is(bytes.readUInt32LE(20), 24); // 16 + 4 + 1 + 1, padded
  t.is(bytes.readUInt32LE(40), OP.RLIMIT);
  t.is(bytes.readBigUInt64LE(56), 7n);
  t.deepEqual(labels, ['sethostname x', 'r']);
});

test('steps come in the order the kernel needs: cgroups first, pivot after mounts, seccomp right before exec', (t) => {
  const plan = compilePlan(spec((s) => s.linux.namespaces.push({ type: 'cgroup' })), options({ cgroupProcs: ['/sys/fs/cgroup/pids/x/cgroup.procs'], seccompProgram: Buffer.alloc(8) }));
  const ops = plan.labels;
  const at = (prefix: string) => ops.findIndex((l) => l.startsWith(prefix));
  t.true(at('join cgroup') < at('unshare the cgroup namespace'));
  t.true(at('unshare the cgroup namespace') < at('make every mount private'));
  t.true(at('mask /run/skerry/test/rootfs/proc/kcore') < at('pivot_root /run/skerry/test/rootfs'));
  t.true(at('setresuid') < at('capset'));
  t.is(ops.at(-3), 'load the seccomp filter (1 instructions)');
  t.is(ops.at(-1), 'exec sh');
});

test('without no_new_privs the filter is loaded while the init still has CAP_SYS_ADMIN', (t) => {
  const plan = compilePlan(spec((s) => (s.process.noNewPrivileges = false)), options({ seccompProgram: Buffer.alloc(8) }));
  t.true(plan.labels.indexOf('load the seccomp filter (1 instructions)') < plan.labels.findIndex((l) => l.startsWith('drop capabilities')));
});

test('an rlimit above the inherited hard limit is refused, naming it and the limit', (t) => {
  const s = spec((x) => (x.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 100000 }]));
  const error = t.throws(() => compilePlan(s, options()));
  t.true(isSkerryError(error, 'CONFIG_INVALID'));
  t.is(error!.message, 'Configuration is not valid: process.rlimits[0] (RLIMIT_NOFILE) asks for a hard limit of 100000, above the inherited hard limit 4096; raising it needs CAP_SYS_RESOURCE, which this process lacks');
  t.notThrows(() => compilePlan(s, options({ canRaiseHardLimits: true })));
});

test('bind mounts need an existing source and take no filesystem options', (t) => {
  const missing = spec((s) => (s.mounts = [{ destination: '/data', type: 'bind', source: '/nonexistent/skerry' }]));
  t.throws(() => compilePlan(missing, options()), { message: /mounts\[0\]\.source \/nonexistent\/skerry does not exist on the host/ });
  const withData = spec((s) => (s.mounts = [{ destination: '/data', source: '/tmp', options: ['rbind', 'size=1m'] }]));
  t.throws(() => compilePlan(withData, options()), { message: /mounts\[0\]\.options has size=1m, which a bind mount does not take/ });
});

test('a cgroup mount shows cgroup2 on a v2 host, and a tmpfs of read-only binds of the own cgroups with v1', (t) => {
  const withMount = spec((s) => (s.mounts = [{ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro'] }]));
  const v2 = compilePlan(withMount, options({ cgroupViews: [] })).labels;
  t.true(v2.includes('mount cgroup2 on /run/skerry/test/rootfs/sys/fs/cgroup'));
  const views = [
    { name: 'memory', hostDir: '/sys/fs/cgroup/memory/skerry/c1', links: [] },
    { name: 'cpu,cpuacct', hostDir: '/sys/fs/cgroup/cpu,cpuacct/skerry/c1', links: ['cpu', 'cpuacct'] },
  ];
  const v1 = compilePlan(withMount, options({ cgroupViews: views }));
  const labels = v1.labels.filter((l) => l.includes('/sys/fs/cgroup'));
  t.deepEqual(labels, [
    'create mount point /run/skerry/test/rootfs/sys/fs/cgroup',
    'mount tmpfs on /run/skerry/test/rootfs/sys/fs/cgroup',
    'create mount point /run/skerry/test/rootfs/sys/fs/cgroup/memory',
    'bind /sys/fs/cgroup/memory/skerry/c1 onto /run/skerry/test/rootfs/sys/fs/cgroup/memory',
    'create mount point /run/skerry/test/rootfs/sys/fs/cgroup/cpu,cpuacct',
    'bind /sys/fs/cgroup/cpu,cpuacct/skerry/c1 onto /run/skerry/test/rootfs/sys/fs/cgroup/cpu,cpuacct',
    'symlink /run/skerry/test/rootfs/sys/fs/cgroup/cpu -> cpu,cpuacct',
    'symlink /run/skerry/test/rootfs/sys/fs/cgroup/cpuacct -> cpu,cpuacct',
  ]);
  const error = t.throws(() => compilePlan(withMount, options({ cgroup2: false, cgroupViews: [] })));
  t.true(isSkerryError(error) && /mounts\[0\] of type cgroup/.test(error.message));
});
