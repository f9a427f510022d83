import { addon } from './load.ts';
import type { ChildOutcome, ChildStep, ResourceLimit } from './types.ts';

export type { ChildOutcome, ChildStep, KernelConstant, ResourceLimit, ShimProcess, StdioFds, SystemCallError } from './types.ts';

/** Flags for `unshare` and `mount` steps, as the kernel headers define them. */
export function kernelConstants() {
  return addon().constants;
}

/**
 * Forks a child that makes the given system calls and exits (or execs the last step), and
 * waits for it. Throws the first failing step's error, with errno and the step's label.
 */
export function runChildSteps(steps: ChildStep[]): ChildOutcome {
  return addon().runChildSteps(steps);
}

/** runChildSteps with the fork and the wait on libuv's thread pool, so the event loop runs on meanwhile. */
export function runChildStepsAsync(steps: ChildStep[]): Promise<ChildOutcome> {
  return addon().runChildStepsAsync(steps);
}

/** Throws unless pidfd_open(2) works here. */
export function probePidfd(): void {
  addon().probePidfd();
}

/** The soft and hard limits this process inherited; Infinity means unlimited. */
export function resourceLimits(): Record<string, ResourceLimit> {
  return addon().getRlimits();
}

/** Makes this process the reaper of orphans below it (PR_SET_CHILD_SUBREAPER). */
export function becomeChildSubreaper(): void {
  addon().becomeChildSubreaper();
}

/**
 * Fixes the C heap's mmap threshold: blocks of at least `bytes` are mmapped and go back to the
 * kernel when freed (see malloc-tuning.cc). false where the C library has no such knob.
 */
export function setMallocMmapThreshold(bytes: number): boolean {
  return addon().setMallocMmapThreshold(bytes);
}

/** Reaps one exited child (or adopted orphan) without blocking; undefined while it runs. */
export function reapChild(pid: number): { exitCode: number | null; signal: number | null } | undefined {
  return addon().reap(pid) ?? undefined;
}

/** Loads the addon now, so a missing build is reported before any work starts. */
export function loadAddon(): void {
  addon();
}
export { hierarchyFor, readCgroupLayout, type CgroupHierarchy, type CgroupLayout } from './cgroups/layout.ts';
export { readSpec, validateSpec, type OciSpec, type OciMount, type OciNamespace, type NamespaceType } from './runtime/spec.ts';
export { compilePlan, type CapabilityMasks, type CompiledPlan, type PlanOptions } from './runtime/plan.ts';
export { findShim, startContainer, type ExitStatus, type StartedContainer, type StartOptions } from './runtime/spawn.ts';
export { runContainer, openContainer, listContainers, type Container, type ContainerExit, type RunOptions } from './runtime/container.ts';
export { execInContainer, type ExecOptions, type ExecProcess, type ExecutedProcess } from './runtime/exec.ts';
export { compileExecPlan, type ExecPlanOptions } from './runtime/plan-exec.ts';
export { DEFAULT_RUNTIME_ROOT } from './runtime/state.ts';
export { readImageEtcFile } from './runtime/passwd.ts';
export { defaultSpec } from './runtime/default-spec.ts';
export { createContainerCgroup, findContainerCgroup, listContainerCgroups, type CgroupStats, type ContainerCgroup } from './cgroups/index.ts';
export { getXattr, makeCharDevice, makeNode, mountOverlay, setXattr, unmount } from './fs/index.ts';
export { createFileDigest, type FileDigest } from './fs/digest.ts';
export { startDigestFeed, type DigestFeed } from './fs/digest-feed.ts';
export { startFileWriterThread, type FileWriterThread } from './fs/file-writer.ts';
export { getProjectAttr, getProjectQuota, projectQuotaState, setProjectAttr, setProjectQuota, type ProjectQuota } from './fs/quota.ts';
export { connectInNetns } from './net/index.ts';
export { deleteLink, linkAddresses, linkInfo, runNetlink, type Link, type LinkAddress, type NetlinkStep, type NetlinkStepResult, type Route } from './net/index.ts';
