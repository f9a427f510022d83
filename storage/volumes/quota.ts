// The project-quota backend: a volume is a plain directory under the store's root with a
// project ID of its own (PROJINHERIT, so everything made inside belongs to it) and a hard
// block limit of the capacity. Chosen at provisioning when the root's filesystem enforces
// project quotas (ext4 with the project and quota features mounted with prjquota, XFS with
// prjquota); the volume keeps it for life (docs/adr/012-local-volumes.md).
//   <root>/dirs/<stem>/      the volume: pods bind-mount this directory; no mount of its own
//   <root>/staging/<stem>/   a directory being made (moved into dirs/ once tagged and limited)
//   <root>/trash/<stem>/     a directory being deleted (moved out of dirs/ first)
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../common/index.ts';
import { getProjectAttr, getProjectQuota, projectQuotaState, setProjectAttr, setProjectQuota } from '../../native/fs/quota.ts';
import { fsyncDir, makeDurableDir } from '../content/index.ts';
import { step, VolumeError } from './errors.ts';
import type { VolumeCondition, VolumeUsage } from './health.ts';
import { describeBytes, fileStem } from './names.ts';
import type { VolumeRecord } from './records.ts';

/**
 * Project IDs are BASE + 24 bits of the name's SHA-256, moved on past IDs another record holds
 * or the filesystem already counts anything for. Hosts number their own projects from 1
 * (/etc/projid), Kubernetes' emptyDir quotas from 2^20+1: 2^30 and up is out of their way.
 */
export const PROJECT_ID_BASE = 0x4000_0000;
const PROJECT_ID_SPAN = 1 << 24;
const PROJECT_ID_TRIES = 256;
const KIB = 1024;

/** What a probe of a store root found: project quotas enforced there, or why not. */
export type QuotaSupport = { supported: true; detail: string } | { supported: false; reason: string };

/**
 * Whether volumes under `root` can be project-quota directories: its filesystem must enforce
 * project quotas (Q_XGETQSTATV says so; ext4 mounted without prjquota only accounts) and
 * take a project ID on a directory (FS_IOC_FSGETXATTR). Never throws.
 */
export function projectQuotaSupport(root: string): QuotaSupport {
  try {
    const state = projectQuotaState(root);
    if (!state.enforced) {
      return { supported: false, reason: `project quotas are ${state.accounting ? 'accounted but not enforced' : 'off'} on the filesystem of ${root} (not mounted with prjquota)` };
    }
    getProjectAttr(root);
    return { supported: true, detail: `project quotas enforced on the filesystem of ${root}` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOSYS' || code === 'ESRCH' || code === 'EOPNOTSUPP' || code === 'ENOTTY' ? 'the filesystem has no project quotas' : 'project quotas cannot be probed';
    return { supported: false, reason: `${why} (${(error as Error).message})` };
  }
}

export interface QuotaVolume {
  name: string;
  dir: string;
  projectId: number;
  /** The hard limit the volume should have: the capacity rounded up to whole KiB. */
  limitBytes: number;
}

export function limitFor(capacity: number): number {
  return Math.ceil(capacity / KIB) * KIB;
}

export class QuotaBackend {
  readonly dirs: string;
  private readonly staging: string;
  private readonly trash: string;
  /** Project IDs picked for provisionings not yet recorded. */
  private readonly reserved = new Set<number>();

  constructor(readonly root: string, private readonly log: Logger) {
    this.dirs = path.join(root, 'dirs');
    this.staging = path.join(root, 'staging');
    this.trash = path.join(root, 'trash');
  }

  dirOf(name: string): string {
    return path.join(this.dirs, fileStem(name));
  }

  volume(record: VolumeRecord): QuotaVolume {
    return { name: record.name, dir: this.dirOf(record.name), projectId: record.projectId!, limitBytes: limitFor(record.capacityBytes) };
  }

  /**
   * Makes the directory in staging/, tags it with a fresh project ID, sets the limit, and
   * moves it into dirs/ (a crash leaves a staging directory, thrown away by the next try).
   * Returns the project ID and the limit; the caller writes the record.
   */
  async create(name: string, capacity: number, taken: Set<number>): Promise<{ projectId: number; limitBytes: number }> {
    this.makeDirs();
    const staged = path.join(this.staging, fileStem(name));
    const projectId = await step(name, 'picking a project ID', () => this.pickProjectId(name, taken));
    const limitBytes = limitFor(capacity);
    try {
      await step(name, `making ${staged}`, async () => {
        await fs.promises.rm(staged, { recursive: true, force: true });
        await fs.promises.mkdir(staged, { mode: 0o700 });
        // as local-path and the loop volumes: a container running as any user can write
        await fs.promises.chmod(staged, 0o777);
      });
      await step(name, `putting ${staged} in project ${projectId}`, () => setProjectAttr(staged, projectId));
      await step(name, `limiting project ${projectId} to ${describeBytes(limitBytes)}`, () => setProjectQuota(this.root, projectId, limitBytes));
      await step(name, `moving ${staged} into place`, async () => {
        await fs.promises.rename(staged, this.dirOf(name));
        fsyncDir(this.dirs);
      });
    } catch (error) {
      await fs.promises.rm(staged, { recursive: true, force: true }).catch((cleanup: unknown) => this.log.error({ volume: name, err: cleanup }, 'cleaning up a failed provisioning'));
      throw error;
    } finally {
      this.reserved.delete(projectId);
    }
    return { projectId, limitBytes };
  }

  /**
   * A directory in dirs/ without a record: a provisioning that crashed after moving it into
   * place, or a record lost. Its data is kept; its project ID too when no other record has
   * it, else it gets a fresh one. The limit is set again.
   */
  async adopt(name: string, capacity: number, taken: Set<number>): Promise<{ projectId: number; limitBytes: number }> {
    const dir = this.dirOf(name);
    const attr = await step(name, `reading the project of ${dir}`, () => getProjectAttr(dir));
    const keep = attr.inherit && attr.projectId >= PROJECT_ID_BASE && !taken.has(attr.projectId);
    const projectId = keep ? attr.projectId : await step(name, 'picking a project ID', () => this.pickProjectId(name, taken));
    const limitBytes = limitFor(capacity);
    try {
      if (!keep) {
        this.log.warn({ volume: name, dir, was: attr.projectId, projectId }, 'adopted directory gets a new project ID; files made before keep the old one');
        await step(name, `putting ${dir} in project ${projectId}`, () => setProjectAttr(dir, projectId));
      }
      await step(name, `limiting project ${projectId} to ${describeBytes(limitBytes)}`, () => setProjectQuota(this.root, projectId, limitBytes));
    } finally {
      this.reserved.delete(projectId);
    }
    return { projectId, limitBytes };
  }

  /**
   * Checks what a mount relies on and puts back a lost or changed limit (the record is the
   * truth). A directory in another project, or quotas no longer enforced, is VOLUME_DAMAGED:
   * the capacity would not hold.
   */
  async prepare(v: QuotaVolume): Promise<void> {
    const problem = this.problem(v, false);
    if (problem) throw new VolumeError('VOLUME_DAMAGED', v.name, problem);
    const quota = await step(v.name, `reading the quota of project ${v.projectId}`, () => getProjectQuota(this.root, v.projectId));
    if (quota.hardLimitBytes !== v.limitBytes) {
      this.log.warn({ volume: v.name, projectId: v.projectId, found: quota.hardLimitBytes, limitBytes: v.limitBytes }, 'project quota limit was not the capacity: setting it again');
      await step(v.name, `limiting project ${v.projectId} to ${describeBytes(v.limitBytes)}`, () => setProjectQuota(this.root, v.projectId, v.limitBytes));
    }
  }

  /** Missing: the directory is gone. Damaged: wrong project, quotas off, wrong limit, unreadable. */
  inspect(v: QuotaVolume): VolumeCondition {
    try {
      const stat = fs.statSync(v.dir);
      if (!stat.isDirectory()) return { state: 'Damaged', message: `${v.dir} is not a directory` };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'Missing', message: `The directory ${v.dir} is gone` };
      return { state: 'Damaged', message: `The directory ${v.dir} cannot be read: ${(error as Error).message}` };
    }
    const problem = this.problem(v, true);
    return problem ? { state: 'Damaged', message: problem } : { state: 'Ready' };
  }

  /** What is wrong with the volume's project ID, the filesystem's enforcement and (`limit`) its limit. */
  private problem(v: QuotaVolume, limit: boolean): string | undefined {
    try {
      const attr = getProjectAttr(v.dir);
      if (attr.projectId !== v.projectId || !attr.inherit) {
        return `${v.dir} is in project ${attr.projectId}${attr.inherit ? '' : ' without PROJINHERIT'}, not project ${v.projectId}: its capacity is not enforced`;
      }
      const state = projectQuotaState(this.root);
      if (!state.enforced) return `project quotas are not enforced on the filesystem of ${this.root} (mounted without prjquota?): the capacity does not hold`;
      if (!limit) return undefined;
      const quota = getProjectQuota(this.root, v.projectId);
      if (quota.hardLimitBytes !== v.limitBytes) {
        return `project ${v.projectId} is limited to ${quota.hardLimitBytes === 0 ? 'nothing' : describeBytes(quota.hardLimitBytes)}, not ${describeBytes(v.limitBytes)}; mounting sets it again`;
      }
      return undefined;
    } catch (error) {
      return `The project quota of ${v.dir} cannot be read: ${(error as Error).message}`;
    }
  }

  async usage(v: QuotaVolume): Promise<VolumeUsage> {
    const quota = await step(v.name, `reading the quota of project ${v.projectId}`, () => getProjectQuota(this.root, v.projectId));
    const capacity = quota.hardLimitBytes || v.limitBytes;
    return { capacityBytes: capacity, usedBytes: quota.usedBytes, availableBytes: Math.max(0, capacity - quota.usedBytes) };
  }

  /** Raises the limit, online: the kernel needs CAP_SYS_ADMIN for it, not CAP_SYS_RESOURCE. */
  async expand(v: QuotaVolume, capacity: number): Promise<number> {
    const limitBytes = limitFor(capacity);
    await step(v.name, `limiting project ${v.projectId} to ${describeBytes(limitBytes)}`, () => setProjectQuota(this.root, v.projectId, limitBytes));
    return limitBytes;
  }

  /**
   * Moves the directory to trash/ (so a crash half-way through never leaves a half-deleted
   * directory that looks whole), deletes it, then drops the project's limit.
   */
  async remove(name: string, projectId: number | undefined): Promise<void> {
    const dir = this.dirOf(name);
    const trashed = path.join(this.trash, fileStem(name));
    await step(name, `deleting ${dir}`, async () => {
      if (fs.existsSync(dir)) {
        this.makeDirs();
        await fs.promises.rm(trashed, { recursive: true, force: true });
        await fs.promises.rename(dir, trashed);
        fsyncDir(this.dirs);
      }
      await fs.promises.rm(trashed, { recursive: true, force: true });
      await fs.promises.rm(path.join(this.staging, fileStem(name)), { recursive: true, force: true });
    });
    if (projectId === undefined) return;
    await this.clearLimit(name, projectId);
  }

  /** The project ID a directory without a record carries, when it is one of ours. */
  projectOfDir(name: string): number | undefined {
    try {
      const attr = getProjectAttr(this.dirOf(name));
      return attr.projectId >= PROJECT_ID_BASE ? attr.projectId : undefined;
    } catch {
      return undefined;
    }
  }

  private async clearLimit(name: string, projectId: number): Promise<void> {
    await step(name, `clearing the limit of project ${projectId}`, () => {
      try {
        setProjectQuota(this.root, projectId, 0);
      } catch (error) {
        // quotas switched off since: there is no limit to clear
        if (!['ENOSYS', 'ESRCH'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      }
    });
  }

  private makeDirs(): void {
    makeDurableDir(this.dirs);
    fs.mkdirSync(this.staging, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.trash, { recursive: true, mode: 0o700 });
  }

  /**
   * BASE + 24 bits of the name's hash, moved on past IDs a record holds, a provisioning in
   * flight has picked, or the filesystem counts space, files or a limit for. Reserved until
   * create() is done with it.
   */
  private pickProjectId(name: string, taken: Set<number>): number {
    const start = createHash('sha256').update(name).digest().readUIntBE(0, 3);
    for (let i = 0; i < PROJECT_ID_TRIES; i++) {
      const id = PROJECT_ID_BASE + ((start + i) % PROJECT_ID_SPAN);
      if (taken.has(id) || this.reserved.has(id)) continue;
      const quota = getProjectQuota(this.root, id);
      if (quota.usedBytes > 0 || quota.usedInodes > 0 || quota.hardLimitBytes > 0) continue;
      this.reserved.add(id);
      return id;
    }
    throw new Error(`no free project ID among ${PROJECT_ID_TRIES} from ${PROJECT_ID_BASE + start}`);
  }
}
