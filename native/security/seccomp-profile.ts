// The OCI runtime-spec `linux.seccomp` object, checked and turned into numbers: seccomp
// return values, comparison operators and 64-bit operands. Errors name the JSON path.
import { SkerryError } from '../../common/index.ts';

export interface OciSeccompArg {
  index: number;
  value: number | bigint;
  valueTwo?: number | bigint;
  op: string;
}

export interface OciSeccompSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: OciSeccompArg[];
}

export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: OciSeccompSyscall[];
}

export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'masked_eq';

/** One argument test; for masked_eq, `value` is the mask and `valueTwo` the expected bits. */
export interface ArgCondition {
  index: number;
  op: CompareOp;
  value: bigint;
  valueTwo: bigint;
}

export interface ProfileRule {
  names: string[];
  /** The seccomp return value (SECCOMP_RET_* | data). */
  action: number;
  conditions: ArgCondition[];
  /** Where the rule is in the spec, e.g. linux.seccomp.syscalls[3]. */
  path: string;
}

export interface Profile {
  defaultAction: number;
  architectures: string[];
  /** SECCOMP_FILTER_FLAG_* bits for seccomp(2). */
  flags: number;
  rules: ProfileRule[];
}

/** SECCOMP_RET_* from linux/seccomp.h. */
export const RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

const ACTIONS: Record<string, (data: number) => number> = {
  SCMP_ACT_KILL: () => RET.KILL_THREAD,
  SCMP_ACT_KILL_THREAD: () => RET.KILL_THREAD,
  SCMP_ACT_KILL_PROCESS: () => RET.KILL_PROCESS,
  SCMP_ACT_TRAP: () => RET.TRAP,
  SCMP_ACT_ERRNO: (errno) => RET.ERRNO | errno,
  // runc passes errnoRet as the tracer's message data; so do we.
  SCMP_ACT_TRACE: (data) => RET.TRACE | data,
  SCMP_ACT_LOG: () => RET.LOG,
  SCMP_ACT_ALLOW: () => RET.ALLOW,
};

const OPS: Record<string, CompareOp> = {
  SCMP_CMP_EQ: 'eq', SCMP_CMP_NE: 'ne', SCMP_CMP_LT: 'lt', SCMP_CMP_LE: 'le', SCMP_CMP_GT: 'gt', SCMP_CMP_GE: 'ge',
  SCMP_CMP_MASKED_EQ: 'masked_eq',
};

const FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1, SECCOMP_FILTER_FLAG_LOG: 2, SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
};

/** The architecture names libseccomp knows; others are typos. */
export const ARCHITECTURES = new Set([
  'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64', 'SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_M68K', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB',
]);

const EPERM = 1;
const MAX_ERRNO = 4095;
const ROOT = 'linux.seccomp';

function invalid(path: string, reason: string): never {
  throw new SkerryError('CONFIG_INVALID', `${path} ${reason}`, { field: path });
}

function record(raw: unknown, path: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) invalid(path, 'must be an object');
  return raw as Record<string, unknown>;
}

function strings(raw: unknown, path: string): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.some((s) => typeof s !== 'string')) invalid(path, 'must be an array of strings');
  return raw as string[];
}

function errnoValue(raw: unknown, path: string): number {
  if (raw === undefined || raw === null) return EPERM;
  if (!Number.isInteger(raw) || (raw as number) < 0 || (raw as number) > MAX_ERRNO) invalid(path, `must be an errno number from 0 to ${MAX_ERRNO}`);
  return raw as number;
}

function action(raw: unknown, errnoRet: unknown, path: string, errnoPath: string): number {
  const make = typeof raw === 'string' && Object.hasOwn(ACTIONS, raw) ? ACTIONS[raw] : undefined;
  if (!make) {
    const hint = raw === 'SCMP_ACT_NOTIFY' ? ' (SCMP_ACT_NOTIFY needs a listener, which skerry does not support)' : '';
    invalid(path, `has an unknown action ${JSON.stringify(raw)}${hint}; expected one of ${Object.keys(ACTIONS).join(', ')}`);
  }
  return make(errnoValue(errnoRet, errnoPath)) >>> 0;
}

/** A 64-bit operand: JSON numbers above 2^53 lose precision, so bigints are accepted too. */
function operand(raw: unknown, path: string): bigint {
  if (raw === undefined || raw === null) return 0n;
  if (typeof raw === 'bigint' && raw >= 0n && raw < 1n << 64n) return raw;
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return BigInt(raw);
  // 0xffffffffffffffff written as a JSON number parses as exactly 2^64: take it as meant.
  if (raw === 2 ** 64) return (1n << 64n) - 1n;
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw < 2 ** 64) return BigInt(raw);
  return invalid(path, `must be an unsigned 64-bit integer (got ${String(raw)})`);
}

function condition(raw: unknown, path: string): ArgCondition {
  const arg = record(raw, path);
  const index = arg.index;
  if (!Number.isInteger(index) || (index as number) < 0 || (index as number) > 5) invalid(`${path}.index`, 'must be an argument index from 0 to 5');
  const op = typeof arg.op === 'string' && Object.hasOwn(OPS, arg.op) ? OPS[arg.op] : undefined;
  if (!op) invalid(`${path}.op`, `has an unknown operator ${JSON.stringify(arg.op)}; expected one of ${Object.keys(OPS).join(', ')}`);
  return { index: index as number, op, value: operand(arg.value, `${path}.value`), valueTwo: operand(arg.valueTwo, `${path}.valueTwo`) };
}

function rule(raw: unknown, path: string): ProfileRule {
  const entry = record(raw, path);
  const names = strings(entry.names, `${path}.names`);
  const args = entry.args === undefined || entry.args === null ? [] : entry.args;
  if (!Array.isArray(args)) invalid(`${path}.args`, 'must be an array');
  return {
    names,
    action: action(entry.action, entry.errnoRet, `${path}.action`, `${path}.errnoRet`),
    conditions: args.map((a, i) => condition(a, `${path}.args[${i}]`)),
    path,
  };
}

function flagBits(names: string[]): number {
  return names.reduce((bits, name, i) => {
    const bit = Object.hasOwn(FLAGS, name) ? FLAGS[name] : undefined;
    if (bit === undefined) invalid(`${ROOT}.flags[${i}]`, `has an unknown flag ${JSON.stringify(name)}; expected one of ${Object.keys(FLAGS).join(', ')}`);
    return bits | bit;
  }, 0);
}

/** Checks a `linux.seccomp` object (e.g. parsed from config.json) and resolves its names. */
export function parseProfile(raw: unknown): Profile {
  const spec = record(raw, ROOT);
  const architectures = strings(spec.architectures, `${ROOT}.architectures`);
  architectures.forEach((a, i) => ARCHITECTURES.has(a) || invalid(`${ROOT}.architectures[${i}]`, `has an unknown architecture ${JSON.stringify(a)}`));
  const syscalls = spec.syscalls === undefined || spec.syscalls === null ? [] : spec.syscalls;
  if (!Array.isArray(syscalls)) invalid(`${ROOT}.syscalls`, 'must be an array');
  return {
    defaultAction: action(spec.defaultAction, spec.defaultErrnoRet, `${ROOT}.defaultAction`, `${ROOT}.defaultErrnoRet`),
    architectures,
    flags: flagBits(strings(spec.flags, `${ROOT}.flags`)),
    rules: syscalls.map((s, i) => rule(s, `${ROOT}.syscalls[${i}]`)),
  };
}
