import fs from 'node:fs';
import test from 'ava';
import { isSkerryError } from '../../common/index.ts';
import { decode, evaluate, verify } from './bpf-interpreter.ts';
import { compileSeccomp, compileSeccompDetailed, type OciSeccomp, type OciSeccompArg } from './index.ts';
import { SYSCALLS_AARCH64 } from './syscalls-aarch64.ts';
import { SYSCALLS_X86_64 } from './syscalls-x86_64.ts';

const X86_64 = 0xc000003e;
const AARCH64 = 0xc00000b7;
const I386 = 0x40000003;
const ALLOW = 0x7fff0000;
const KILL_PROCESS = 0x80000000;
const ERRNO = (e: number) => (0x00050000 | e) >>> 0;
const U64 = (1n << 64n) - 1n;

const run = (program: Buffer, nr: number, args: bigint[] = [], arch = X86_64) => evaluate(program, { nr, arch, args }).ret;

test('the x86_64 table matches this machine\'s asm/unistd_64.h', (t) => {
  const header = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
  if (!fs.existsSync(header)) return t.pass('no kernel headers here');
  const defined = [...fs.readFileSync(header, 'utf8').matchAll(/^#define __NR_(\w+) (\d+)$/gm)];
  t.true(defined.length > 300);
  for (const [, name, nr] of defined) t.is(SYSCALLS_X86_64[name!], Number(nr), name);
  t.is(SYSCALLS_X86_64.mount, 165);
  t.is(SYSCALLS_X86_64.clone3, 435);
  t.is(SYSCALLS_AARCH64.mount, 40);
  t.is(SYSCALLS_AARCH64.openat, 56);
  t.is(SYSCALLS_AARCH64.open, undefined);
  // aarch64 uses the generic table: a few numbers from arch/arm64 that differ from x86_64.
  for (const [name, nr] of [['clone', 220], ['execve', 221], ['unshare', 97], ['setns', 268], ['bpf', 280], ['ptrace', 117], ['keyctl', 219]] as const) t.is(SYSCALLS_AARCH64[name], nr, name);
});

test('a program checks the architecture first, then rejects x32 numbers on x86_64', (t) => {
  const code = verify(compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' }, { arch: 'x86_64' }));
  t.deepEqual(code[0], { code: 0x20, jt: 0, jf: 0, k: 4 });
  t.is(code[1]!.code, 0x15);
  t.is(code[1]!.k, X86_64);
  const program = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' }, { arch: 'x86_64' });
  t.is(run(program, 0), ALLOW);
  t.is(run(program, 0x40000000 | 165), KILL_PROCESS);
  t.is(run(program, 1, [], I386), KILL_PROCESS);
  const arm = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' }, { arch: 'aarch64' });
  t.is(decode(arm)[1]!.k, AARCH64);
  t.is(run(arm, 0x40000000 | 40, [], AARCH64), ALLOW, 'no x32 on aarch64: large numbers get the default');
  t.is(run(arm, 40, [], X86_64), KILL_PROCESS);
});

test('a listed foreign architecture gets the denying default action; a permissive default kills', (t) => {
  const listed: OciSeccomp = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'] };
  t.is(run(compileSeccomp(listed, { arch: 'x86_64' }), 3, [], I386), ERRNO(38));
  t.is(run(compileSeccomp(listed, { arch: 'x86_64' }), 0x40000001), ERRNO(38));
  t.is(run(compileSeccomp({ ...listed, defaultAction: 'SCMP_ACT_ALLOW' }, { arch: 'x86_64' }), 3, [], I386), KILL_PROCESS);
  t.is(run(compileSeccomp({ ...listed, defaultAction: 'SCMP_ACT_LOG' }, { arch: 'x86_64' }), 0x40000001), KILL_PROCESS);
});

test('actions map to SECCOMP_RET_* with errnoRet defaulting to EPERM', (t) => {
  const cases: [string, number | undefined, number][] = [
    ['SCMP_ACT_ALLOW', undefined, ALLOW], ['SCMP_ACT_ERRNO', undefined, ERRNO(1)], ['SCMP_ACT_ERRNO', 13, ERRNO(13)],
    ['SCMP_ACT_KILL', undefined, 0], ['SCMP_ACT_KILL_THREAD', undefined, 0], ['SCMP_ACT_KILL_PROCESS', undefined, KILL_PROCESS],
    ['SCMP_ACT_TRAP', undefined, 0x00030000], ['SCMP_ACT_TRACE', 7, 0x7ff00007], ['SCMP_ACT_LOG', undefined, 0x7ffc0000],
  ];
  for (const [action, errnoRet, expected] of cases) {
    const program = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpid'], action, errnoRet }] }, { arch: 'x86_64' });
    t.is(run(program, SYSCALLS_X86_64.getpid!), expected >>> 0, action);
    t.is(run(program, SYSCALLS_X86_64.getppid!), ALLOW);
  }
  t.is(run(compileSeccomp({ defaultAction: 'SCMP_ACT_ERRNO' }, { arch: 'x86_64' }), 0), ERRNO(1));
});

// Values around the 32-bit boundary, where a compare of only one half goes wrong.
const PROBES = [0n, 1n, 2n, 0x7fffffffn, 0xffffffffn, 0x100000000n, 0x100000001n, 0x1fffffffen, 0x200000000n, 0xfffffffe00000000n, U64 - 1n, U64];

function reference(op: string, arg: bigint, value: bigint, valueTwo: bigint): boolean {
  switch (op) {
    case 'SCMP_CMP_EQ': return arg === value;
    case 'SCMP_CMP_NE': return arg !== value;
    case 'SCMP_CMP_LT': return arg < value;
    case 'SCMP_CMP_LE': return arg <= value;
    case 'SCMP_CMP_GT': return arg > value;
    case 'SCMP_CMP_GE': return arg >= value;
    default: return (arg & value) === valueTwo;
  }
}

test('64-bit argument comparisons agree with bigint arithmetic on both halves', (t) => {
  const ops = ['SCMP_CMP_EQ', 'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GT', 'SCMP_CMP_GE', 'SCMP_CMP_MASKED_EQ'];
  let checked = 0;
  for (const op of ops) {
    for (const value of PROBES) {
      const valueTwo = value & 0xf0000000f0n;
      const arg: OciSeccompArg = { index: 2, value, valueTwo, op };
      const program = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['ioctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [arg] }] }, { arch: 'x86_64' });
      for (const probe of [...PROBES, value, value + 1n, value - 1n, value ^ 0x100000000n]) {
        const a = BigInt.asUintN(64, probe);
        const expected = reference(op, a, value, valueTwo) ? ERRNO(22) : ALLOW;
        if (run(program, SYSCALLS_X86_64.ioctl!, [0n, 0n, a]) !== expected) t.fail(`${op} ${value.toString(16)} vs ${a.toString(16)}`);
        checked++;
      }
    }
  }
  t.true(checked > 1000);
  t.pass();
});

test('all conditions of a rule must hold, and rules for one syscall are tried in order', (t) => {
  const program = compileSeccomp({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 3, args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 1, value: 9, op: 'SCMP_CMP_EQ' }] },
      { names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 4, args: [{ index: 1, value: 9, op: 'SCMP_CMP_EQ' }] },
      { names: ['kill'], action: 'SCMP_ACT_KILL_PROCESS' },
    ],
  }, { arch: 'x86_64' });
  const kill = SYSCALLS_X86_64.kill!;
  t.is(run(program, kill, [1n, 9n]), ERRNO(3));
  t.is(run(program, kill, [2n, 9n]), ERRNO(4));
  t.is(run(program, kill, [1n, 15n]), KILL_PROCESS, 'the unconditional rule is the fallback');
  t.is(run(program, kill + 1, [1n, 9n]), ALLOW);
});

test('syscalls sharing an action and next to each other compile to one range', (t) => {
  const names = Object.keys(SYSCALLS_X86_64).filter((n) => SYSCALLS_X86_64[n]! < 100);
  const small = compileSeccomp({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names, action: 'SCMP_ACT_ALLOW' }] }, { arch: 'x86_64' });
  t.true(small.length / 8 <= 10, `${small.length / 8} instructions for 100 contiguous syscalls`);
  for (let nr = 0; nr < 120; nr++) t.is(run(small, nr), nr < 100 ? ALLOW : ERRNO(1));
});

test('400 rules with alternating actions and argument tests need long jumps and still decide right', (t) => {
  const names = Object.keys(SYSCALLS_X86_64);
  const syscalls = names.map((name, i) => ({ names: [name], action: 'SCMP_ACT_ERRNO', errnoRet: (SYSCALLS_X86_64[name]! % 200) + 1, ...(i % 9 === 0 ? { args: [{ index: i % 6, value: i + 1, op: 'SCMP_CMP_GE' }] } : {}) }));
  const unknown = Array.from({ length: 30 }, (_, i) => ({ names: [`no_such_call_${i}`], action: 'SCMP_ACT_KILL' }));
  // One syscall with 60 argument rules: a leaf far longer than an 8-bit jump can cross.
  const many = Array.from({ length: 60 }, (_, i) => ({ names: ['getpid'], action: 'SCMP_ACT_TRACE', errnoRet: i, args: [{ index: 0, value: i, op: 'SCMP_CMP_EQ' }, { index: 1, value: 0xffff_0000, op: 'SCMP_CMP_LE' }] }));
  const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [...many, ...syscalls, ...unknown] };
  t.true(profile.syscalls.length >= 400);
  const compiled = compileSeccompDetailed(profile, { arch: 'x86_64' });
  const code = verify(compiled.program);
  t.is(compiled.skipped.length, 30);
  t.true(code.some((insn) => insn.code === 0x05 && insn.k > 255), 'some BPF_JA spans more than 255 instructions');
  names.forEach((name, i) => {
    const nr = SYSCALLS_X86_64[name]!;
    if (name === 'getpid') return;
    const args = [0n, 0n, 0n, 0n, 0n, 0n];
    const denied = ERRNO((nr % 200) + 1);
    if (i % 9 !== 0) return t.is(run(compiled.program, nr, args), denied, name);
    args[i % 6] = BigInt(i + 1);
    t.is(run(compiled.program, nr, args), denied, `${name} with arg ${i % 6} = ${i + 1}`);
    args[i % 6] = BigInt(i);
    t.is(run(compiled.program, nr, args), ALLOW, `${name} with arg ${i % 6} = ${i}`);
  });
  for (let i = 0; i < 60; i++) t.is(run(compiled.program, SYSCALLS_X86_64.getpid!, [BigInt(i), 5n]), (0x7ff00000 | i) >>> 0);
  t.is(run(compiled.program, SYSCALLS_X86_64.getpid!, [59n, 0xffff_0001n]), ERRNO(SYSCALLS_X86_64.getpid! % 200 + 1));
});

test('any syscall is decided in a few dozen instructions', (t) => {
  const program = compileSeccomp('default', { arch: 'x86_64' });
  const code = verify(program);
  let worst = 0;
  for (let nr = 0; nr < 600; nr++) worst = Math.max(worst, evaluate(code, { nr, arch: X86_64, args: [0n] }).steps);
  t.true(worst < 40, `worst case ${worst} instructions`);
});

test('unknown syscall names are skipped and reported', (t) => {
  const compiled = compileSeccompDetailed({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount', 'chown32', 'frobnicate'], action: 'SCMP_ACT_ERRNO' }] }, { arch: 'x86_64' });
  t.deepEqual(compiled.skipped, ['chown32', 'frobnicate']);
  t.is(run(compiled.program, SYSCALLS_X86_64.mount!), ERRNO(1));
});

test('filter flags become SECCOMP_FILTER_FLAG_* bits', (t) => {
  t.is(compileSeccompDetailed({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'] }, { arch: 'x86_64' }).flags, 6);
  t.is(compileSeccompDetailed({ defaultAction: 'SCMP_ACT_ALLOW' }, { arch: 'x86_64' }).flags, 0);
});

test('bad profiles are refused with CONFIG_INVALID naming the JSON path', (t) => {
  const ok = { names: ['read'], action: 'SCMP_ACT_ALLOW' };
  const refusals: [unknown, RegExp][] = [
    [{ defaultAction: 'SCMP_ACT_MAYBE' }, /linux\.seccomp\.defaultAction has an unknown action "SCMP_ACT_MAYBE"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [ok, ok, ok, { names: ['x'], action: 'ALLOW' }] }, /linux\.seccomp\.syscalls\[3\]\.action has an unknown action "ALLOW"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ ...ok, action: 'SCMP_ACT_NOTIFY' }] }, /syscalls\[0\]\.action .*needs a listener/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [ok, { ...ok, args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 1, op: 'EQ' }] }] }, /linux\.seccomp\.syscalls\[1\]\.args\[1\]\.op has an unknown operator "EQ"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ ...ok, args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }, /syscalls\[0\]\.args\[0\]\.index must be an argument index from 0 to 5/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ ...ok, args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }] }, /args\[0\]\.value must be an unsigned 64-bit integer/],
    [{ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 5000 }, /linux\.seccomp\.defaultErrnoRet must be an errno number/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'x86_64'] }, /linux\.seccomp\.architectures\[1\] has an unknown architecture "x86_64"/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_FAST'] }, /linux\.seccomp\.flags\[0\] has an unknown flag/],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: 'read', action: 'SCMP_ACT_ALLOW' }] }, /syscalls\[0\]\.names must be an array of strings/],
  ];
  for (const [spec, message] of refusals) {
    const error = t.throws(() => compileSeccomp(spec as OciSeccomp, { arch: 'x86_64' }));
    t.true(isSkerryError(error, 'CONFIG_INVALID'));
    t.regex(error!.message, message);
  }
});

test('0xffffffffffffffff survives as a JSON number or a bigint', (t) => {
  for (const value of [18446744073709551615, U64]) {
    const program = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }] }] }, { arch: 'x86_64' });
    t.is(run(program, 0, [U64]), ERRNO(1));
    t.is(run(program, 0, [U64 - 1n]), ALLOW);
  }
});
