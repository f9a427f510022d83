// Project quotas (ext4 with the project and quota features mounted with prjquota; XFS with
// prjquota): a directory's project ID, and a project's hard block limit and usage. Failures
// throw "<call> <path>: <ERRNO> (<text>)" with errno and code.
import { addon } from '../load.ts';
import type { ProjectQuota } from '../types.ts';

export type { ProjectQuota } from '../types.ts';

/** The project ID of a directory and whether what is made inside inherits it (PROJINHERIT). */
export function getProjectAttr(dir: string): { projectId: number; inherit: boolean } {
  return addon().getProjectAttr(dir);
}

/** Puts a directory in a project, with PROJINHERIT: what is made inside it afterwards belongs too. */
export function setProjectAttr(dir: string, projectId: number): void {
  addon().setProjectAttr(dir, projectId);
}

/**
 * Whether the filesystem holding `path` accounts and enforces project quotas. Throws (ENOSYS,
 * ESRCH, EOPNOTSUPP …) when it has no project quotas at all.
 */
export function projectQuotaState(path: string): { accounting: boolean; enforced: boolean } {
  return addon().projectQuotaState(path);
}

/** The project's hard limit (0: none) and usage on the filesystem holding `path`; zeros when it has none. */
export function getProjectQuota(path: string, projectId: number): ProjectQuota {
  return addon().getProjectQuota(path, projectId) ?? { hardLimitBytes: 0, usedBytes: 0, usedInodes: 0 };
}

/** Sets the project's hard block limit (rounded up to whole KiB; 0 removes it). */
export function setProjectQuota(path: string, projectId: number, hardLimitBytes: number): void {
  addon().setProjectQuota(path, projectId, hardLimitBytes);
}
