import test from 'ava';
import { compileExecPlan, type ExecPlanOptions } from './plan-exec.ts';
import { OP } from './plan-format.ts';
import { CLONE_FLAGS } from './plan.ts';
import { validateSpec } from './spec.ts';

const spec = validateSpec({
  ociVersion: '1.0.2', process: { args: ['sleep', '30'], cwd: '/', noNewPrivileges: true }, root: { path: 'rootfs' },
  linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }, { type: 'network', path: '/run/netns/pod' }, { type: 'cgroup' }] },
});

const options: ExecPlanOptions = {
  pid: 4242, pidStartTime: 777, stdio: { logPath: '/var/log/x.log' }, cgroupProcs: ['/sys/fs/cgroup/pids/skerry/c/cgroup.procs'],
  capabilities: { bounding: 0xa80425fbn, effective: 0xa80425fbn, permitted: 0xa80425fbn }, seccompProgram: Buffer.alloc(8),
  hostLimits: {}, canRaiseHardLimits: false,
};

/** Each record of an encoded plan: its op code and its first nums. */
function records(bytes: Buffer): { op: number; nums: bigint[] }[] {
  const out: { op: number; nums: bigint[] }[] = [];
  for (let at = 16; at < bytes.length; at += bytes.readUInt32LE(at + 4)) {
    const count = bytes.readUInt16LE(at + 8);
    out.push({ op: bytes.readUInt32LE(at), nums: Array.from({ length: count }, (_, i) => bytes.readBigUInt64LE(at + 16 + 8 * i)) });
  }
  return out;
}

const ops = (bytes: Buffer) => records(bytes).map((r) => r.op);

test('an exec plan opens its log and cgroups, joins the init by pid, forks without new namespaces, and has no state dir', (t) => {
  const plan = compileExecPlan(spec, options);
  const codes = ops(plan.bytes);
  t.deepEqual(codes.slice(0, 4), [OP.LOG, OP.CGROUP_PROCS, OP.JOIN_PROCESS, OP.CLONE]);
  t.false(codes.includes(OP.STATE_DIR));
  t.false(codes.some((c) => [OP.MOUNT_FS, OP.PIVOT_ROOT, OP.HOSTNAME, OP.WRITE_FILE, OP.UNSHARE].includes(c as never)));
  t.is(plan.labels[2], 'setns into the namespaces of pid 4242 (mount, pid, network, cgroup)');
  // JOIN_PROCESS nums: pid, start time, every namespace the spec lists (new or joined by path).
  const flags = CLONE_FLAGS.mount | CLONE_FLAGS.pid | CLONE_FLAGS.network | CLONE_FLAGS.cgroup;
  t.deepEqual(records(plan.bytes)[2]!.nums, [4242n, 777n, BigInt(flags)]);
  t.deepEqual(records(plan.bytes)[3]!.nums, [0n]);
  t.deepEqual(plan.labels.slice(-4), ['chdir /', 'load the seccomp filter (1 instructions)', 'set the environment', 'exec sleep']);
});

test('inherited stdio has no log record', (t) => {
  t.is(ops(compileExecPlan(spec, { ...options, stdio: 'inherit' }).bytes)[0], OP.CGROUP_PROCS);
});
