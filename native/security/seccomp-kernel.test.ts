// The compiled programs and capability masks, loaded into a real kernel through the addon's
// child steps: a forked child sets no_new_privs, loads the filter, then execs busybox.
import fs from 'node:fs';
import test from 'ava';
import { kernelConstants, runChildSteps, type ChildOutcome, type ChildStep } from '../index.ts';
import { decode } from './bpf-interpreter.ts';
import { capabilityMask, compileSeccomp, compileSeccompDetailed, DEFAULT_CAPABILITIES, type OciSeccomp } from './index.ts';
import { SYSCALLS_X86_64 } from './syscalls-x86_64.ts';

const isRoot = process.getuid?.() === 0;
// The python script and the long-jump profile use x86_64 syscall numbers.
const onX64 = process.arch === 'x64';
const BUSYBOX = '/bin/busybox';
const PYTHON = '/usr/bin/python3';
const SIGSYS = 31;
const defaultProgram = compileSeccomp('default');

function confined(program: Buffer, ...after: ChildStep[]): ChildStep[] {
  return [
    { kind: 'no-new-privs', label: 'prctl PR_SET_NO_NEW_PRIVS' },
    { kind: 'seccomp', label: 'seccomp load', program },
    ...after,
  ];
}

function busybox(program: Buffer, ...argv: string[]): ChildOutcome {
  return runChildSteps(confined(program, { kind: 'exec', label: `exec busybox ${argv[0]}`, path: BUSYBOX, argv: [BUSYBOX, ...argv] }));
}

function statusLine(output: string, field: string): string | undefined {
  return output.match(new RegExp(`^${field}:\\s*(\\S+)`, 'm'))?.[1];
}

test('under the default filter a program sees Seccomp: 2 and NoNewPrivs: 1', (t) => {
  const outcome = busybox(defaultProgram, 'cat', '/proc/self/status');
  t.is(outcome.exitCode, 0);
  t.is(statusLine(outcome.output, 'Seccomp'), '2');
  t.is(statusLine(outcome.output, 'NoNewPrivs'), '1');
});

test('ordinary busybox commands work under the default filter', (t) => {
  const script = 'echo ok; ls / >/dev/null && ps >/dev/null && cat /proc/self/stat >/dev/null && sleep 0.01 && id -u && echo done';
  const outcome = busybox(defaultProgram, 'sh', '-c', script);
  t.is(outcome.exitCode, 0, outcome.output);
  t.regex(outcome.output, /^ok\n\d+\ndone\n$/);
});

test('wget reaches the network stack under the default filter', (t) => {
  // Port 1 on loopback refuses: the socket and connect calls got through to the kernel.
  const outcome = busybox(defaultProgram, 'wget', '-q', '-O', '-', 'http://127.0.0.1:1/');
  t.regex(outcome.output, /Connection refused/);
});

test('node, with its threads and workers, runs under the default filter', (t) => {
  const script = 'const { Worker } = require("worker_threads"); new Worker("require(\'fs\').readdirSync(\'/\')", { eval: true }).on("exit", (c) => console.log("worker", c)); require("child_process").execFileSync("/bin/busybox", ["true"]);';
  const outcome = runChildSteps(confined(defaultProgram, { kind: 'exec', label: 'exec node', path: process.execPath, argv: ['node', '-e', script] }));
  t.is(outcome.exitCode, 0, outcome.output);
  t.is(outcome.output, 'worker 0\n');
});

(isRoot ? test : test.skip)('unshare and mount fail with EPERM under the filter although root may do both (needs root)', (t) => {
  const { CLONE_NEWNS, CLONE_NEWUTS, MS_RDONLY } = kernelConstants();
  const unshare: ChildStep = { kind: 'unshare', label: 'unshare mount+uts', flags: CLONE_NEWNS | CLONE_NEWUTS };
  const mount: ChildStep = { kind: 'mount', label: 'mount tmpfs', source: 'x', target: '/tmp', fstype: 'tmpfs', flags: MS_RDONLY };
  const exit: ChildStep = { kind: 'exec', label: 'exec true', path: BUSYBOX, argv: ['true'] };
  t.is(runChildSteps([unshare, exit]).exitCode, 0, 'without a filter root may unshare');
  t.throws(() => runChildSteps(confined(defaultProgram, unshare, exit)), { message: 'unshare mount+uts: EPERM (Operation not permitted)' });
  t.throws(() => runChildSteps(confined(defaultProgram, unshare)), { code: 'EPERM' });
  t.throws(() => runChildSteps([unshare, ...confined(defaultProgram, mount, exit)]), { message: 'mount tmpfs: EPERM (Operation not permitted)' });
});

// In a private mount and uts namespace, so that a broken filter could not touch the host.
(isRoot ? test : test.skip)('busybox as root cannot unshare, mount, umount, set the hostname or swapoff (needs root)', (t) => {
  const { CLONE_NEWNS, CLONE_NEWUTS, MS_REC, MS_PRIVATE } = kernelConstants();
  const contained: ChildStep[] = [
    { kind: 'unshare', label: 'unshare mount+uts', flags: CLONE_NEWNS | CLONE_NEWUTS },
    { kind: 'mount', label: 'make / private', target: '/', flags: MS_REC | MS_PRIVATE },
  ];
  const refusals: string[][] = [
    ['unshare', '-m', 'true'],
    ['mount', '-t', 'tmpfs', 'x', '/tmp'],
    ['umount', '/proc'],
    ['hostname', 'pwned'],
    ['swapoff', '/dev/null'],
  ];
  for (const argv of refusals) {
    const outcome = runChildSteps([...contained, ...confined(defaultProgram, { kind: 'exec', label: 'exec busybox', path: BUSYBOX, argv: [BUSYBOX, ...argv] })]);
    t.is(outcome.exitCode, 1, argv.join(' '));
    t.regex(outcome.output, /Operation not permitted|permission denied \(are you root/, argv.join(' ')); // busybox mount words EPERM so
  }
});

(isRoot && onX64 && fs.existsSync(PYTHON) ? test : test.skip)('in the kernel: clone with namespace flags, personality, AF_VSOCK, setns, clock_settime, reboot, modules, bpf, keyctl are refused (needs root)', (t) => {
  const script = [
    'import ctypes, os',
    'libc = ctypes.CDLL(None, use_errno=True)',
    'def call(f, *a):',
    '    r = f(*a); return "ok" if r != -1 else os.strerror(ctypes.get_errno())',
    // clone(CLONE_NEWUTS|SIGCHLD) directly: glibc has no wrapper that keeps going in the child.
    'print("clone-newuts", call(libc.syscall, 56, 0x04000000 | 17, 0, 0, 0, 0))',
    'print("personality-query", call(libc.personality, 0xffffffff))',
    'print("personality-norandom", call(libc.personality, 0x0040000))',
    'print("vsock", call(libc.socket, 40, 1, 0))',
    'print("vsock-high-bits", call(libc.syscall, 41, ctypes.c_ulong(0x100000028), 1, 0))',
    'print("inet", call(libc.socket, 2, 1, 0))',
    'print("clone3", call(libc.syscall, 435, 0, 0))',
    // Calls that, unfiltered, would fail on their bad arguments (EINVAL/EFAULT) and change nothing.
    'print("setns", call(libc.setns, os.open("/proc/self/ns/uts", os.O_RDONLY), 0))',
    'print("clock_settime", call(libc.syscall, 227, 0, 0))',
    'print("reboot", call(libc.syscall, 169, 0, 0, 0, 0))',
    'print("init_module", call(libc.syscall, 175, 0, 0, 0))',
    'print("bpf", call(libc.syscall, 321, 0, 0, 0))',
    'print("keyctl", call(libc.syscall, 250, 0xffff, 0, 0))',
    'print("open_by_handle_at", call(libc.syscall, 304, 0, 0, 0))',
  ].join('\n');
  const outcome = runChildSteps(confined(defaultProgram, { kind: 'exec', label: 'exec python3', path: PYTHON, argv: ['python3', '-c', script] }));
  t.is(outcome.exitCode, 0, outcome.output);
  t.deepEqual(outcome.output.trim().split('\n'), [
    'clone-newuts Operation not permitted',
    'personality-query ok',
    'personality-norandom Operation not permitted',
    'vsock Operation not permitted',
    'vsock-high-bits Operation not permitted',
    'inet ok',
    'clone3 Function not implemented',
    ...['setns', 'clock_settime', 'reboot', 'init_module', 'bpf', 'keyctl', 'open_by_handle_at'].map((call) => `${call} Operation not permitted`),
  ]);
});

test('SCMP_ACT_KILL_PROCESS ends the program with SIGSYS, SCMP_ACT_ERRNO returns the chosen errno, filter flags pass through', (t) => {
  const profile: OciSeccomp = {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['uname'], action: 'SCMP_ACT_KILL_PROCESS' },
      { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 28 },
    ],
  };
  const { program, flags } = compileSeccompDetailed({ ...profile, flags: ['SECCOMP_FILTER_FLAG_LOG'] });
  t.is(flags, 2);
  const killed = runChildSteps(confined(program, { kind: 'exec', label: 'exec uname', path: BUSYBOX, argv: ['uname'] }).map((s) => (s.kind === 'seccomp' ? { ...s, flags } : s)));
  t.is(killed.signal, SIGSYS);
  t.is(killed.exitCode, null);
  const refused = busybox(program, 'mkdir', '/tmp/skerry-seccomp-test-never');
  t.is(refused.exitCode, 1);
  t.regex(refused.output, /No space left on device/);
});

(onX64 ? test : test.skip)('the kernel accepts a 2,000-instruction program full of long jumps and runs busybox under it', (t) => {
  // Every syscall gets an argument rule that never holds, so no two neighbours merge into
  // one range and every leaf is a block of tests: the jumps over them exceed 8 bits.
  const never = [{ index: 5, value: 0xdeadbeefcafe1234n, op: 'SCMP_CMP_EQ' }];
  const profile: OciSeccomp = {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 28 },
      ...Object.keys(SYSCALLS_X86_64).map((name) => ({ names: [name], action: 'SCMP_ACT_KILL_PROCESS', args: never })),
    ],
  };
  const program = compileSeccomp(profile, { arch: 'x86_64' });
  t.true(program.length / 8 > 2000, `${program.length / 8} instructions`);
  t.true(decode(program).some((insn) => insn.code === 0x05 && insn.k > 255));
  const outcome = busybox(program, 'sh', '-c', 'grep Seccomp: /proc/self/status; mkdir /tmp/skerry-never || echo refused');
  t.is(outcome.exitCode, 0, outcome.output);
  t.regex(outcome.output, /^Seccomp:\s+2\nmkdir: can't create directory '\/tmp\/skerry-never': No space left on device\nrefused\n$/);
});

test('the seccomp step refuses a program that is not whole instructions', (t) => {
  t.throws(() => runChildSteps([{ kind: 'seccomp', label: 'x', program: Buffer.alloc(12) }]), { message: /steps\[0\]\.program: must hold 1 to 4096 instructions/ });
  t.throws(() => runChildSteps([{ kind: 'seccomp', label: 'x', program: 'ret' } as never]), { message: /steps\[0\]\.program: must be a Buffer/ });
  t.throws(() => runChildSteps([{ kind: 'capset', label: 'x', effective: -1n, permitted: 0n, inheritable: 0n }]), { message: /steps\[0\]\.effective: must be a capability mask/ });
});

test('without no_new_privs an unprivileged filter load is refused by the kernel', (t) => {
  if (isRoot) return t.pass('root holds CAP_SYS_ADMIN, which allows it');
  t.throws(() => runChildSteps([{ kind: 'seccomp', label: 'seccomp load', program: defaultProgram }]), { code: 'EACCES' });
});

(isRoot ? test : test.skip)("capset leaves Docker's 14 capabilities, an empty inheritable set and a matching bounding set (needs root)", (t) => {
  const mask = capabilityMask(DEFAULT_CAPABILITIES, 'test');
  const outcome = runChildSteps([
    { kind: 'capset', label: 'capset docker defaults', effective: mask, permitted: mask, inheritable: 0n, bounding: mask },
    ...confined(defaultProgram, { kind: 'exec', label: 'exec cat', path: BUSYBOX, argv: ['cat', '/proc/self/status'] }),
  ]);
  t.is(outcome.exitCode, 0);
  t.is(statusLine(outcome.output, 'CapInh'), '0000000000000000');
  t.is(statusLine(outcome.output, 'CapEff'), '00000000a80425fb');
  t.is(statusLine(outcome.output, 'CapPrm'), '00000000a80425fb');
  t.is(statusLine(outcome.output, 'CapBnd'), '00000000a80425fb');
  t.is(statusLine(outcome.output, 'CapAmb'), '0000000000000000');
});

(isRoot ? test : test.skip)('without CAP_SYS_ADMIN or CAP_NET_ADMIN root cannot mount or add links even with no filter (needs root)', (t) => {
  const mask = capabilityMask(DEFAULT_CAPABILITIES, 'test');
  const steps = (argv: string[]): ChildStep[] => [
    { kind: 'unshare', label: 'unshare mount+net', flags: kernelConstants().CLONE_NEWNS | kernelConstants().CLONE_NEWNET },
    { kind: 'capset', label: 'capset docker defaults', effective: mask, permitted: mask, inheritable: 0n, bounding: mask },
    { kind: 'exec', label: 'exec busybox', path: BUSYBOX, argv: [BUSYBOX, ...argv] },
  ];
  t.not(runChildSteps(steps(['mount', '-t', 'tmpfs', 'x', '/mnt'])).exitCode, 0);
  t.not(runChildSteps(steps(['ip', 'link', 'add', 'd0', 'type', 'dummy'])).exitCode, 0);
  t.is(runChildSteps(steps(['chown', '0:0', '/proc/self/fd/0'])).exitCode, 0, 'CAP_CHOWN is kept');
});
