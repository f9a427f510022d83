// Most of a container's plan depends only on its spec and rootfs: the mounts, /dev, the
// masked paths and the whole process half (capabilities, the seccomp filter, the
// environment). Those pieces are encoded once per spec object and joined with the few
// records that name the container (its state dir, log and cgroups). Building and encoding
// the ~90 records of a default plan took most of a millisecond per start; a start runs
// each piece of code once, mostly before the JIT has had a reason to optimise it.
import { encodeRecords, type EncodedRecords, type PlanRecord } from './plan-format.ts';
import type { OciSpec } from './spec.ts';

// Keys per spec are rootfs paths and HOME values: a handful. This only bounds a misuse.
const MAX_PIECES_PER_SPEC = 64;
const pieces = new WeakMap<OciSpec, Map<string, EncodedRecords>>();
const bufferIds = new WeakMap<Buffer, number>();
let nextBufferId = 1;

/** Records that belong to one container alone, encoded for this plan only. */
export function fresh(records: PlanRecord[]): EncodedRecords {
  return encodeRecords(records);
}

/**
 * build()'s records, encoded once for the spec object and `key` (which must name every
 * other input of build). Only a frozen spec, as readSharedSpec returns, is cached: anyone
 * else's may still be changed by its owner.
 */
export function cached(spec: OciSpec, key: string, build: () => PlanRecord[]): EncodedRecords {
  if (!Object.isFrozen(spec)) return encodeRecords(build());
  let bySpec = pieces.get(spec);
  if (!bySpec) pieces.set(spec, (bySpec = new Map()));
  let piece = bySpec.get(key);
  if (!piece) {
    piece = encodeRecords(build());
    if (bySpec.size >= MAX_PIECES_PER_SPEC) bySpec.clear();
    bySpec.set(key, piece);
  }
  return piece;
}

/** A key part for a buffer (a seccomp program): the same object, the same id. */
export function bufferKey(buffer: Buffer | undefined): string {
  if (!buffer) return '-';
  let id = bufferIds.get(buffer);
  if (id === undefined) bufferIds.set(buffer, (id = nextBufferId++));
  return String(id);
}
