// Compiles the plan of an exec: a process started inside a running container. The shim
// joins every namespace of the container's init (one setns on its pidfd), forks, moves
// the child into the container's cgroups, and the child runs the same process steps an
// init runs (rlimits, capabilities, ids, no_new_privs, seccomp, cwd, env, exec). No
// STATE_DIR record: the exit is reported on the sync socket and never written as the
// container's exit record.
import { CGROUP2_SUPER_MAGIC, CGROUP_SUPER_MAGIC, CLONE_FLAGS, processRecords, type PlanOptions } from './plan.ts';
import { encodePlan, type CompiledPlan, type PlanRecord } from './plan-format.ts';
import type { OciSpec } from './spec.ts';

/** The shim's limit on cgroup.procs files (plan.h MAX_CGROUPS). */
const MAX_CGROUPS = 32;

export interface ExecPlanOptions extends Pick<PlanOptions, 'capabilities' | 'seccompProgram' | 'hostLimits' | 'canRaiseHardLimits'> {
  /** The container init's pid as this process sees it, and its start time (/proc/<pid>/stat field 22). */
  pid: number;
  pidStartTime: number;
  /** 'inherit': the process gets the shim's fds 0-2; else its stdout/stderr go to a CRI log. */
  stdio: 'inherit' | { logPath: string };
  /** The container's cgroup.procs files (native/cgroups procsFiles), joined before any step runs. */
  cgroupProcs?: readonly string[];
}

/**
 * The namespaces to join: every one the spec lists, new or joined by path, since the init
 * is in all of them. The others are the host's, which the shim is in already (and joining
 * one's own user namespace is an error).
 */
function namespaceFlags(spec: OciSpec): { flags: number; names: string[] } {
  const names = spec.linux.namespaces.map((n) => n.type);
  return { flags: names.reduce((f, n) => f | CLONE_FLAGS[n], 0), names };
}

/** `spec.process` is the exec'd process (args, env, cwd, user); the rest is the container's. */
export function compileExecPlan(spec: OciSpec, o: ExecPlanOptions): CompiledPlan {
  const cgroups = o.cgroupProcs ?? [];
  if (cgroups.length > MAX_CGROUPS) throw new RangeError(`exec plan has ${cgroups.length} cgroup.procs files, the shim takes at most ${MAX_CGROUPS}`);
  const ns = namespaceFlags(spec);
  const records: PlanRecord[] = [
    ...(o.stdio !== 'inherit' ? [{ op: 'LOG', label: `open log ${o.stdio.logPath}`, strs: [o.stdio.logPath] } as PlanRecord] : []),
    ...cgroups.map((file): PlanRecord => ({ op: 'CGROUP_PROCS', label: `join cgroup ${file}`, nums: [CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC], strs: [file] })),
    { op: 'JOIN_PROCESS', label: `setns into the namespaces of pid ${o.pid} (${ns.names.join(', ')})`, nums: [o.pid, o.pidStartTime, ns.flags] },
    { op: 'CLONE', label: 'fork the exec process', nums: [0] },
    ...processRecords(spec, o),
  ];
  return encodePlan(records);
}
