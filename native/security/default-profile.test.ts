import test from 'ava';
import { evaluate, verify } from './bpf-interpreter.ts';
import { compileSeccomp, compileSeccompDetailed, defaultSeccompProfile, DEFAULT_CAPABILITIES } from './index.ts';
import { SYSCALLS_AARCH64 } from './syscalls-aarch64.ts';
import { SYSCALLS_X86_64 } from './syscalls-x86_64.ts';

const X86_64 = 0xc000003e;
const AARCH64 = 0xc00000b7;
const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const ENOSYS = 0x00050026;
const KILL_PROCESS = 0x80000000;
const program = verify(compileSeccomp('default', { arch: 'x86_64' }));
const decide = (name: string, args: bigint[] = []) => evaluate(program, { nr: SYSCALLS_X86_64[name]!, arch: X86_64, args }).ret;

const BLOCKED = [
  'mount', 'umount2', 'unshare', 'setns', 'keyctl', 'add_key', 'request_key', 'bpf', 'perf_event_open', 'kexec_load', 'kexec_file_load',
  'init_module', 'finit_module', 'delete_module', 'open_by_handle_at', 'reboot', 'swapon', 'swapoff', 'clock_settime', 'settimeofday',
  'ptrace', 'process_vm_readv', 'process_vm_writev', 'userfaultfd', 'pivot_root', 'io_uring_setup', 'fsopen', 'move_mount', 'open_tree',
  'syslog', 'acct', 'iopl', 'ioperm', 'sethostname', 'quotactl', 'lookup_dcookie', 'kcmp', 'pidfd_getfd',
];
const ALLOWED = [
  'read', 'write', 'openat', 'close', 'execve', 'exit_group', 'mmap', 'futex', 'epoll_wait', 'rt_sigreturn', 'getpid', 'wait4', 'fork',
  'statx', 'newfstatat', 'getdents64', 'prctl', 'capset', 'setresuid', 'chroot', 'seccomp', 'rseq', 'getrandom', 'connect', 'bind',
];

test('the default profile denies every dangerous syscall with EPERM', (t) => {
  for (const name of BLOCKED) t.is(decide(name), EPERM, name);
});

test('the default profile allows what ordinary programs use', (t) => {
  for (const name of ALLOWED) t.is(decide(name), ALLOW, name);
});

test('clone may make threads and processes but no namespaces; clone3 reports ENOSYS', (t) => {
  const THREAD = 0x00010000n | 0x00000100n | 0x00000200n | 0x00000400n | 0x00000800n | 0x00080000n | 0x00100000n | 0x00200000n;
  t.is(decide('clone', [THREAD]), ALLOW);
  t.is(decide('clone', [17n /* SIGCHLD: fork */]), ALLOW);
  for (const flag of [0x00020000n, 0x02000000n, 0x04000000n, 0x08000000n, 0x10000000n, 0x20000000n, 0x40000000n]) {
    t.is(decide('clone', [17n | flag]), EPERM, `flag 0x${flag.toString(16)}`);
  }
  t.is(decide('clone', [17n | (0x40000000n << 32n)]), ALLOW, 'bits above 32 are not namespace flags');
  t.is(decide('clone3'), ENOSYS);
});

test('personality allows only the values Docker allows', (t) => {
  for (const value of [0n, 8n, 0x20000n, 0x20008n, 0xffffffffn]) t.is(decide('personality', [value]), ALLOW, `0x${value.toString(16)}`);
  for (const value of [0x0040000n /* ADDR_NO_RANDOMIZE */, 0x0400000n, 1n, 0x1_0004_0000n]) t.is(decide('personality', [value]), EPERM, `0x${value.toString(16)}`);
  // The kernel reads an unsigned int: a sign-extended 0xffffffff is the same query.
  t.is(decide('personality', [0xffff_ffff_ffff_ffffn]), ALLOW);
  t.is(decide('personality', [0x1_0000_0000n]), ALLOW, 'the kernel sees persona 0');
});

test('sockets of every family but AF_VSOCK are allowed', (t) => {
  t.is(decide('socket', [2n]), ALLOW);
  t.is(decide('socket', [16n /* netlink */]), ALLOW);
  t.is(decide('socket', [40n]), EPERM);
  t.is(decide('socket', [0x1_0000_0028n]), EPERM, 'the kernel truncates the domain to int: still AF_VSOCK');
  t.is(decide('socket', [0x1_0000_0002n]), ALLOW);
});

test('numbers beyond the table, x32 and i386 calls are refused', (t) => {
  t.is(evaluate(program, { nr: 999, arch: X86_64 }).ret, EPERM);
  t.is(evaluate(program, { nr: 0x40000000, arch: X86_64 }).ret, KILL_PROCESS);
  t.is(evaluate(program, { nr: 1, arch: 0x40000003 }).ret, KILL_PROCESS);
});

test('capabilities unlock syscalls as in Docker', (t) => {
  const admin = verify(compileSeccomp('default', { arch: 'x86_64', capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE'] }));
  const nr = (name: string) => SYSCALLS_X86_64[name]!;
  for (const name of ['mount', 'unshare', 'setns', 'ptrace', 'clone3']) t.is(evaluate(admin, { nr: nr(name), arch: X86_64 }).ret, ALLOW, name);
  t.is(evaluate(admin, { nr: nr('clone'), arch: X86_64, args: [0x40000000n] }).ret, ALLOW);
  t.is(evaluate(admin, { nr: nr('kexec_load'), arch: X86_64 }).ret, EPERM);
  const noChroot = verify(compileSeccomp('default', { arch: 'x86_64', capabilities: [] }));
  t.is(evaluate(noChroot, { nr: nr('chroot'), arch: X86_64 }).ret, EPERM);
});

test('the default profile names only syscalls that exist on x86_64 and compiles small', (t) => {
  const compiled = compileSeccompDetailed('default', { arch: 'x86_64' });
  t.deepEqual(compiled.skipped, []);
  t.true(compiled.program.length / 8 < 300, `${compiled.program.length / 8} instructions`);
  const names = defaultSeccompProfile().syscalls!.filter((s) => !s.args).flatMap((s) => s.names);
  t.is(new Set(names).size, names.length, 'no name listed twice');
});

test('on aarch64 the same policy uses the generic numbers', (t) => {
  const arm = verify(compileSeccomp('default', { arch: 'aarch64' }));
  const decideArm = (name: string, args: bigint[] = []) => evaluate(arm, { nr: SYSCALLS_AARCH64[name]!, arch: AARCH64, args }).ret;
  for (const name of BLOCKED.filter((n) => !['iopl', 'ioperm'].includes(n))) t.is(decideArm(name), EPERM, name);
  for (const name of ALLOWED.filter((n) => SYSCALLS_AARCH64[n] !== undefined)) t.is(decideArm(name), ALLOW, name);
  t.is(decideArm('clone', [0x20000n]), EPERM);
  t.is(decideArm('clone3'), ENOSYS);
  t.is(evaluate(arm, { nr: 63, arch: X86_64 }).ret, KILL_PROCESS);
});
