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

function encodeRecord(record: PlanRecord): Buffer {
  const nums = record.nums ?? [];
  const strs = (record.strs ?? []).map((s) => (typeof s === 'string' ? Buffer.from(s) : s));
  if (nums.length > 0xffff || strs.length > 0xffff) throw new RangeError(`plan record ${record.label}: too many values`);
  const body = 16 + nums.length * 8 + strs.reduce((n, s) => n + 5 + s.length, 0);
  const size = Math.ceil(body / 8) * 8;
  const out = Buffer.alloc(size);
  out.writeUInt32LE(OP[record.op], 0);
  out.writeUInt32LE(size, 4);
  out.writeUInt16LE(nums.length, 8);
  out.writeUInt16LE(strs.length, 10);
  let at = 16;
  for (const n of nums) at = out.writeBigUInt64LE(BigInt.asUintN(64, BigInt(n)), at);
  for (const s of strs) {
    at = out.writeUInt32LE(s.length, at);
    at += s.copy(out, at) + 1;
  }
  return out;
}

/** Serialises records in order; the shim reports failures by their index. */
export function encodePlan(records: PlanRecord[]): CompiledPlan {
  if (records.length > MAX_RECORDS) throw new RangeError(`plan has ${records.length} records, the shim takes at most ${MAX_RECORDS}`);
  const strCount = records.reduce((n, r) => n + (r.strs?.length ?? 0) + 1, 0);
  if (strCount > MAX_STRS) throw new RangeError(`plan has ${strCount} strings, the shim takes at most ${MAX_STRS}`);
  const bodies = records.map(encodeRecord);
  const header = Buffer.alloc(16);
  header.write('SKPL', 0, 'latin1');
  header.writeUInt32LE(PLAN_VERSION, 4);
  header.writeUInt32LE(16 + bodies.reduce((n, b) => n + b.length, 0), 8);
  header.writeUInt32LE(records.length, 12);
  return { bytes: Buffer.concat([header, ...bodies]), labels: records.map((r) => r.label) };
}
