// Compiles a checked seccomp profile into classic BPF. Shape of the program:
//   1. the architecture check (a filter written for x86_64 numbers means nothing to i386),
//   2. on x86_64, the x32 check (x32 numbers have bit 30 set and would dodge the rules),
//   3. a binary search over syscall-number ranges, each ending in a `ret` or, for a syscall
//      with argument rules, in that syscall's argument tests.
// Syscalls that share an action and sit next to each other in the table form one range, so
// an allowlist of 300 syscalls costs about as many instructions as it has gaps, and any
// syscall is decided after ~8 comparisons instead of a linear scan.
import { SkerryError } from '../../common/index.ts';
import { Assembler, BPF_MAX_INSTRUCTIONS, type Condition, type Label } from './bpf.ts';
import { RET, type ArgCondition, type Profile } from './seccomp-profile.ts';
import { SYSCALLS_AARCH64 } from './syscalls-aarch64.ts';
import { SYSCALLS_X86_64 } from './syscalls-x86_64.ts';

export type SeccompArch = 'x86_64' | 'aarch64';

interface ArchInfo {
  audit: number;
  name: string;
  /** The 32-bit architecture this CPU can also run, whose syscalls we have no table for. */
  compat: string;
  table: Readonly<Record<string, number>>;
}

/** AUDIT_ARCH_* values from linux/audit.h, as the kernel puts them in seccomp_data.arch. */
export const ARCH_INFO: Record<SeccompArch, ArchInfo> = {
  x86_64: { audit: 0xc000003e, name: 'SCMP_ARCH_X86_64', compat: 'SCMP_ARCH_X86', table: SYSCALLS_X86_64 },
  aarch64: { audit: 0xc00000b7, name: 'SCMP_ARCH_AARCH64', compat: 'SCMP_ARCH_ARM', table: SYSCALLS_AARCH64 },
};

// struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6].
export const SECCOMP_DATA = { nr: 0, arch: 4, args: 16 } as const;
export const X32_SYSCALL_BIT = 0x40000000;

export interface CompiledSeccomp {
  /** struct sock_filter[], ready for seccomp(SECCOMP_SET_MODE_FILTER). */
  program: Buffer;
  /** SECCOMP_FILTER_FLAG_* bits the profile asks for. */
  flags: number;
  /** Syscall names the architecture's table does not know, skipped as libseccomp does. */
  skipped: string[];
}

interface ConditionalRule {
  conditions: ArgCondition[];
  action: number;
}

/** What one syscall number does: argument rules in profile order, then the fallback. */
interface Case {
  conditional: ConditionalRule[];
  fallback: number;
}

/** A range of syscall numbers from `start` up to the next segment's start. */
type Segment = { start: number; ret: number } | { start: number; case: Case };

const ACTION_MASK = 0xffff0000;
const PERMISSIVE = new Set<number>([RET.ALLOW, RET.LOG, RET.TRACE]);

function collectCases(profile: Profile, table: Readonly<Record<string, number>>, skipped: Set<string>): Map<number, Case> {
  const found = new Map<number, { conditional: ConditionalRule[]; fallback?: number }>();
  for (const rule of profile.rules) {
    for (const name of rule.names) {
      const nr = Object.hasOwn(table, name) ? table[name] : undefined;
      if (nr === undefined) {
        skipped.add(name);
        continue;
      }
      const entry = found.get(nr) ?? { conditional: [] };
      found.set(nr, entry);
      // The first unconditional rule for a syscall wins, as the first match would.
      if (rule.conditions.length === 0) entry.fallback ??= rule.action;
      else entry.conditional.push({ conditions: rule.conditions, action: rule.action });
    }
  }
  const cases = new Map<number, Case>();
  for (const [nr, entry] of found) {
    const fallback = entry.fallback ?? profile.defaultAction;
    const conditional = [...entry.conditional];
    // Trailing argument rules that end where the fallback would are dead code.
    while (conditional.length && conditional.at(-1)!.action === fallback) conditional.pop();
    cases.set(nr, { conditional, fallback });
  }
  return cases;
}

function segmentsOf(cases: Map<number, Case>, defaultAction: number): Segment[] {
  const out: Segment[] = [];
  const push = (segment: Segment) => {
    const last = out.at(-1);
    if ('ret' in segment && last && 'ret' in last && last.ret === segment.ret) return;
    out.push(segment);
  };
  let next = 0;
  for (const nr of [...cases.keys()].sort((a, b) => a - b)) {
    if (nr > next) push({ start: next, ret: defaultAction });
    const c = cases.get(nr)!;
    push(c.conditional.length ? { start: nr, case: c } : { start: nr, ret: c.fallback });
    next = nr + 1;
  }
  push({ start: next, ret: defaultAction });
  return out;
}

function halves(value: bigint): [number, number] {
  return [Number((value >> 32n) & 0xffffffffn), Number(value & 0xffffffffn)];
}

/** Falls through when the 64-bit argument test holds, jumps to `fail` when not. */
function emitCondition(asm: Assembler, c: ArgCondition, fail: Label): void {
  const ok = asm.label();
  const low = SECCOMP_DATA.args + 8 * c.index; // little-endian: the low word comes first
  const high = low + 4;
  const [vh, vl] = halves(c.value);
  // Each test either decides or falls through to the next instruction.
  const jumpOrNext = (cond: Condition, k: number, jt: Label | 'next', jf: Label | 'next') => {
    const next = asm.label();
    asm.jump(cond, k, jt === 'next' ? next : jt, jf === 'next' ? next : jf);
    asm.place(next);
  };
  asm.load(high);
  if (c.op === 'eq' || c.op === 'ne') {
    const [match, differ] = c.op === 'eq' ? [ok, fail] : [fail, ok];
    jumpOrNext('jeq', vh, 'next', differ);
    asm.load(low);
    jumpOrNext('jeq', vl, match, differ);
  } else if (c.op === 'gt' || c.op === 'ge') {
    jumpOrNext('jgt', vh, ok, 'next');
    jumpOrNext('jeq', vh, 'next', fail);
    asm.load(low);
    jumpOrNext(c.op === 'gt' ? 'jgt' : 'jge', vl, ok, fail);
  } else if (c.op === 'lt' || c.op === 'le') {
    // lt is not-ge and le is not-gt: the same tests with the exits swapped.
    jumpOrNext('jgt', vh, fail, 'next');
    jumpOrNext('jeq', vh, 'next', ok);
    asm.load(low);
    jumpOrNext(c.op === 'lt' ? 'jge' : 'jgt', vl, fail, ok);
  } else {
    const [dh, dl] = halves(c.valueTwo);
    asm.and(vh);
    jumpOrNext('jeq', dh, 'next', fail);
    asm.load(low);
    asm.and(vl);
    jumpOrNext('jeq', dl, ok, fail);
  }
  asm.place(ok);
}

function emitCase(asm: Assembler, c: Case): void {
  for (const rule of c.conditional) {
    const next = asm.label();
    for (const condition of rule.conditions) emitCondition(asm, condition, next);
    asm.ret(rule.action);
    asm.place(next);
  }
  asm.ret(c.fallback);
}

/** Binary search over segments[lo..hi]; the accumulator holds the syscall number. */
function emitSearch(asm: Assembler, segments: Segment[], lo: number, hi: number): void {
  if (lo === hi) {
    const segment = segments[lo]!;
    return 'ret' in segment ? asm.ret(segment.ret) : emitCase(asm, segment.case);
  }
  const mid = (lo + hi + 1) >> 1;
  const below = asm.label(), above = asm.label();
  asm.jump('jge', segments[mid]!.start, above, below);
  asm.place(below);
  emitSearch(asm, segments, lo, mid - 1);
  asm.place(above);
  emitSearch(asm, segments, mid, hi);
}

/**
 * What a syscall from an architecture we have no table for gets. Unlisted: killed, as
 * libseccomp's bad-arch default. Listed: the default action when that denies; a permissive
 * default would let such a process past every rule of a denylist, so it is killed instead.
 */
export function foreignAction(profile: Profile, arch: string): number {
  if (!profile.architectures.includes(arch)) return RET.KILL_PROCESS;
  return PERMISSIVE.has((profile.defaultAction & ACTION_MASK) >>> 0) ? RET.KILL_PROCESS : profile.defaultAction;
}

function emitArchChecks(asm: Assembler, profile: Profile, arch: SeccompArch): void {
  const info = ARCH_INFO[arch];
  const native = asm.label(), foreign = asm.label();
  asm.load(SECCOMP_DATA.arch);
  asm.jump('jeq', info.audit, native, foreign);
  asm.place(foreign);
  asm.ret(foreignAction(profile, info.compat));
  asm.place(native);
  asm.load(SECCOMP_DATA.nr);
  if (arch !== 'x86_64') return;
  const x32 = asm.label(), ok = asm.label();
  asm.jump('jge', X32_SYSCALL_BIT, x32, ok);
  asm.place(x32);
  asm.ret(foreignAction(profile, 'SCMP_ARCH_X32'));
  asm.place(ok);
}

export function compileProfile(profile: Profile, arch: SeccompArch): CompiledSeccomp {
  const skipped = new Set<string>();
  const segments = segmentsOf(collectCases(profile, ARCH_INFO[arch].table, skipped), profile.defaultAction);
  const asm = new Assembler();
  emitArchChecks(asm, profile, arch);
  emitSearch(asm, segments, 0, segments.length - 1);
  const program = asm.assemble();
  if (program.length / 8 > BPF_MAX_INSTRUCTIONS) {
    const detail = `linux.seccomp compiles to ${program.length / 8} BPF instructions, more than the kernel's limit of ${BPF_MAX_INSTRUCTIONS}`;
    throw new SkerryError('CONFIG_INVALID', detail, { field: 'linux.seccomp' });
  }
  return { program, flags: profile.flags, skipped: [...skipped] };
}
