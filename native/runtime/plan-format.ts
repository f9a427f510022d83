// The binary plan skerry-shim executes. The layout is documented once, in
// native/shim/plan.h; this is its writer. Little-endian, as the hosts skerry targets
// (x86-64, arm64) are; on another byte order the shim sees a wrong version and refuses it.
//   header  "SKPL", u32 version, u32 total size, u32 record count
//   record  u32 op, u32 size (padded to 8), u16 num count, u16 str count, u32 0,
//           u64 nums..., { u32 length, bytes, NUL }..., zero padding to 8
// plan.test.ts parses plan.h to prove OP matches SKERRY_PLAN_OPS.

export const PLAN_VERSION = 1;

export const OP = {
  JOIN_NS: 1,
  CLONE: 2,
  ID_MAP: 3,
  LOG: 4,
  STATE_DIR: 5,
  JOIN_PROCESS: 6,
  CGROUP_PROCS: 7,
  AWAIT_AGENT: 8,
  WRITE_FILE: 16,
  UNSHARE: 17,
  MOUNT_HOST: 18,
  ROOT_OPEN: 19,
  MKDIR: 20,
  MKFILE: 21,
  MOUNT_FS: 22,
  MOUNT_BIND: 23,
  MKNOD: 24,
  SYMLINK: 25,
  MASK: 26,
  READONLY: 27,
  PIVOT_ROOT: 28,
  ROOT_READONLY: 29,
  HOSTNAME: 30,
  RLIMIT: 31,
  CAPS_BOUNDING: 32,
  KEEP_CAPS: 33,
  SET_GROUPS: 34,
  SET_GID: 35,
  SET_UID: 36,
  CAPS_SET: 37,
  NO_NEW_PRIVS: 38,
  SECCOMP: 39,
  CHDIR: 40,
  ENV: 41,
  EXEC: 42,
} as const;

export type OpName = keyof typeof OP;

/** Limits the shim enforces (plan.h MAX_RECORDS, MAX_STRS); checked here to fail early. */
const MAX_RECORDS = 1024;
const MAX_STRS = 16384;

export interface PlanRecord {
  op: OpName;
  /** What the step does, for the error message when it fails ("mount proc on /x/proc"). */
  label: string;
  nums?: (number | bigint)[];
  strs?: (string | Buffer)[];
}

/** A plan ready for spawnShim, with the label of every record by index. */
export interface CompiledPlan {
  bytes: Buffer;
  labels: string[];
}

function encodedSize(record: PlanRecord): number {
  const nums = record.nums?.length ?? 0;
  const strs = record.strs ?? [];
  if (nums > 0xffff || strs.length > 0xffff) throw new RangeError(`plan record ${record.label}: too many values`);
  const body = strs.reduce((n, s) => n + 5 + (typeof s === 'string' ? Buffer.byteLength(s) : s.length), 16 + nums * 8);
  return Math.ceil(body / 8) * 8;
}

// Most values are small non-negative integers: two 32-bit writes, no BigInt on the way.
function writeNum(out: Buffer, n: number | bigint, at: number): number {
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) {
    out.writeUInt32LE(n % 0x1_0000_0000, at);
    out.writeUInt32LE(Math.floor(n / 0x1_0000_0000), at + 4);
    return at + 8;
  }
  return out.writeBigUInt64LE(BigInt.asUintN(64, BigInt(n)), at);
}

/** Writes one record at `at` of a zeroed buffer (the padding and NULs stay zero). */
function encodeRecord(out: Buffer, at: number, record: PlanRecord, size: number): void {
  const nums = record.nums ?? [];
  const strs = record.strs ?? [];
  out.writeUInt32LE(OP[record.op], at);
  out.writeUInt32LE(size, at + 4);
  out.writeUInt16LE(nums.length, at + 8);
  out.writeUInt16LE(strs.length, at + 10);
  let p = at + 16;
  for (const n of nums) p = writeNum(out, n, p);
  for (const s of strs) {
    const length = typeof s === 'string' ? out.write(s, p + 4, 'utf8') : s.copy(out, p + 4);
    out.writeUInt32LE(length, p);
    p += 4 + length + 1;
  }
}

/** Records encoded back to back, without the plan header: a piece plans are joined from. */
export interface EncodedRecords {
  bytes: Buffer;
  labels: string[];
  /** Strings the shim keeps a slot for: every record's, plus one per record. */
  strs: number;
}

/**
 * Encodes records into one buffer: sizes first, then every record written in place (a
 * buffer per record joined at the end cost more than building the records themselves).
 */
export function encodeRecords(records: PlanRecord[]): EncodedRecords {
  const sizes = records.map(encodedSize);
  const bytes = Buffer.alloc(sizes.reduce((n, size) => n + size, 0));
  let at = 0;
  records.forEach((record, i) => {
    encodeRecord(bytes, at, record, sizes[i]!);
    at += sizes[i]!;
  });
  const strs = records.reduce((n, r) => n + (r.strs?.length ?? 0) + 1, 0);
  return { bytes, labels: records.map((r) => r.label), strs };
}

/** A plan from encoded pieces, in order; the shim reports failures by record index. */
export function joinPlan(parts: EncodedRecords[]): CompiledPlan {
  const labels = parts.flatMap((p) => p.labels);
  if (labels.length > MAX_RECORDS) throw new RangeError(`plan has ${labels.length} records, the shim takes at most ${MAX_RECORDS}`);
  const strCount = parts.reduce((n, p) => n + p.strs, 0);
  if (strCount > MAX_STRS) throw new RangeError(`plan has ${strCount} strings, the shim takes at most ${MAX_STRS}`);
  const header = Buffer.alloc(16);
  const total = parts.reduce((n, p) => n + p.bytes.length, 16);
  header.write('SKPL', 0, 'latin1');
  header.writeUInt32LE(PLAN_VERSION, 4);
  header.writeUInt32LE(total, 8);
  header.writeUInt32LE(labels.length, 12);
  return { bytes: Buffer.concat([header, ...parts.map((p) => p.bytes)], total), labels };
}

/** Serialises records in order; the shim reports failures by their index. */
export function encodePlan(records: PlanRecord[]): CompiledPlan {
  if (records.length > MAX_RECORDS) throw new RangeError(`plan has ${records.length} records, the shim takes at most ${MAX_RECORDS}`);
  return joinPlan([encodeRecords(records)]);
}
