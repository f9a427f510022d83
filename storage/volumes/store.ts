// The node-local volume store: one preallocated ext4 image per volume, loop-mounted, or, where
// the root's filesystem enforces project quotas, one directory with a project quota per
// volume; with a durable record apart from the data (docs/adr/012-local-volumes.md).
//   <root>/records/<name>.json   what the node promised (the truth for list and Missing)
//   <root>/images/<name>.img     loop: the data; <name>.img.partial while provisioning
//   <root>/mounts/<name>/        loop: where the image is mounted; pods bind-mount this directory
//   <root>/dirs/<name>/          quota: the data; pods bind-mount this directory (see quota.ts)
import fs from 'node:fs';
import path from 'node:path';
import { componentLogger, type Logger } from '../../common/index.ts';
import { fsyncDir, makeDurableDir } from '../content/index.ts';
import { type VolumePaths, mountedDevice, mountVolume, unmountVolume } from './attach.ts';
import { isVolumeError, step, VolumeError } from './errors.ts';
import { inspectVolume, volumeUsage, type VolumeCondition, type VolumeUsage } from './health.ts';
import { loopsOf } from './loop.ts';
import { checkCapacity, checkName, describeBytes, fileStem } from './names.ts';
import { QuotaBackend, projectQuotaSupport } from './quota.ts';
import { backendOf, RecordBook, type VolumeRecord } from './records.ts';
import { buildImage, canResizeOnline, discardPartial, growOffline, growOnline } from './sizing.ts';

export interface VolumeStoreOptions {
  /** The store's directory, e.g. <agent data dir>/storage. */
  root: string;
  logger?: Logger;
}

export interface LocalVolume {
  name: string;
  /** The capacity asked for; the filesystem's usable size is at least this. */
  capacityBytes: number;
  createdAt: string;
  /** Where the data is: the image file, or for a project-quota volume its directory. */
  imagePath: string;
  /** The host directory to bind-mount into pods (valid while mounted). */
  mountPath: string;
}

export interface VolumeStore {
  readonly root: string;
  /** Makes the volume; idempotent: an existing one is returned as it is, never formatted again. */
  provision(name: string, capacityBytes: number): Promise<LocalVolume>;
  /** Mounts the volume (idempotent, also after a reboot) and returns the directory for pods. */
  mount(name: string): Promise<string>;
  /** Unmounts the volume; idempotent. */
  unmount(name: string): Promise<void>;
  /** Unmounts and deletes the image and the record; idempotent. */
  remove(name: string): Promise<void>;
  /** Grows the volume, mounted or not; shrinking is VOLUME_SHRINK. */
  expand(name: string, capacityBytes: number): Promise<LocalVolume>;
  usage(name: string): Promise<VolumeUsage>;
  inspect(name: string): Promise<VolumeCondition>;
  /** Every volume with a record, by name. */
  list(): LocalVolume[];
}

export function openVolumeStore(options: VolumeStoreOptions): VolumeStore {
  return new NodeVolumeStore(options.root, options.logger ?? componentLogger('volumes'));
}

class NodeVolumeStore implements VolumeStore {
  readonly root: string;
  private readonly records: RecordBook;
  private readonly imageDir: string;
  private readonly mountDir: string;
  /** Per-volume promise chains: operations on one volume never interleave. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** The last mount failure per volume (Damaged until a mount succeeds). */
  private readonly mountFailures = new Map<string, string>();
  private readonly quota: QuotaBackend;

  constructor(root: string, private readonly log: Logger) {
    makeDurableDir(root);
    // sysfs shows loop backing files with symlinks resolved, so paths are compared resolved
    this.root = fs.realpathSync(root);
    this.records = new RecordBook(path.join(this.root, 'records'));
    this.imageDir = path.join(this.root, 'images');
    this.mountDir = path.join(this.root, 'mounts');
    makeDurableDir(this.imageDir);
    fs.mkdirSync(this.mountDir, { recursive: true, mode: 0o700 });
    this.quota = new QuotaBackend(this.root, log);
  }

  async provision(name: string, capacityBytes: number): Promise<LocalVolume> {
    checkName(name);
    checkCapacity(name, capacityBytes);
    return this.serial(name, () => this.provisionNow(name, capacityBytes));
  }

  async mount(name: string): Promise<string> {
    return this.serial(checkName(name), async () => {
      const { record, paths: v } = this.present(name);
      if (backendOf(record) === 'quota') {
        await this.quota.prepare(this.quota.volume(record));
        return v.mountPath;
      }
      try {
        await mountVolume(v, this.log);
      } catch (error) {
        if (isVolumeError(error, 'VOLUME_DAMAGED')) this.mountFailures.set(name, error.message);
        throw error;
      }
      this.mountFailures.delete(name);
      this.log.info({ volume: name, mountPath: v.mountPath }, 'volume mounted');
      return v.mountPath;
    });
  }

  async unmount(name: string): Promise<void> {
    return this.serial(checkName(name), async () => {
      if (this.quotaRecord(name)) return; // a directory: nothing is mounted
      await unmountVolume(this.paths(name));
      this.log.info({ volume: name }, 'volume unmounted');
    });
  }

  async remove(name: string): Promise<void> {
    return this.serial(checkName(name), () => this.removeNow(name));
  }

  async expand(name: string, capacityBytes: number): Promise<LocalVolume> {
    checkName(name);
    checkCapacity(name, capacityBytes);
    return this.serial(name, () => this.expandNow(name, capacityBytes));
  }

  async usage(name: string): Promise<VolumeUsage> {
    return this.serial(checkName(name), () => {
      const { record, paths } = this.present(name);
      if (backendOf(record) === 'quota') return this.quota.usage(this.quota.volume(record));
      return volumeUsage(paths, record.filesystemBytes);
    });
  }

  async inspect(name: string): Promise<VolumeCondition> {
    return this.serial(checkName(name), () => {
      const record = this.required(name);
      if (backendOf(record) === 'quota') return this.quota.inspect(this.quota.volume(record));
      return inspectVolume(this.paths(name), this.mountFailures.get(name));
    });
  }

  list(): LocalVolume[] {
    return this.records.list().map((record) => this.volume(record));
  }

  private async provisionNow(name: string, capacity: number): Promise<LocalVolume> {
    const existing = this.records.read(name);
    if (existing) return this.volume(this.present(name).record);
    const v = this.paths(name);
    if (fs.existsSync(v.image)) return this.adopt(v, capacity);
    if (fs.existsSync(this.quota.dirOf(name))) return this.adoptDirectory(name, capacity);
    const support = projectQuotaSupport(this.root);
    if (support.supported) return this.provisionDirectory(name, capacity);
    this.log.debug({ volume: name, reason: support.reason }, 'no project quotas: a loop-mounted image');
    const started = Date.now();
    const partial = `${v.image}.partial`;
    let filesystemBytes: number;
    try {
      filesystemBytes = await buildImage(v, partial, capacity, this.log);
      await step(name, `moving ${partial} into place`, async () => {
        await fs.promises.rename(partial, v.image);
        fsyncDir(this.imageDir);
      });
    } catch (error) {
      await discardPartial({ ...v, image: partial }).catch((cleanup: unknown) => this.log.error({ volume: name, err: cleanup }, 'cleaning up a failed provisioning'));
      throw error;
    }
    const record: VolumeRecord = { version: 1, name, capacityBytes: capacity, filesystemBytes, createdAt: new Date().toISOString(), backend: 'loop' };
    await step(name, `writing the record ${this.records.file(name)}`, () => this.records.write(record));
    this.log.info({ volume: name, capacityBytes: capacity, filesystemBytes, ms: Date.now() - started }, 'volume provisioned');
    return this.volume(record);
  }

  /**
   * An image without a record: a provisioning that crashed after moving the image into place,
   * or records lost behind the store's back. PV names are unique, so it is this volume's data:
   * it is kept (grown if need be) and the record written again, never formatted anew.
   */
  private async adopt(v: VolumePaths, capacity: number): Promise<LocalVolume> {
    this.log.warn({ volume: v.name, image: v.image }, 'image without a record: adopting it');
    const filesystemBytes = await growOffline(v, capacity, this.log);
    const record: VolumeRecord = { version: 1, name: v.name, capacityBytes: capacity, filesystemBytes, createdAt: new Date().toISOString(), backend: 'loop' };
    await step(v.name, `writing the record ${this.records.file(v.name)}`, () => this.records.write(record));
    return this.volume(record);
  }

  /** A directory with a project quota (the root's filesystem enforces them). */
  private async provisionDirectory(name: string, capacity: number): Promise<LocalVolume> {
    const started = Date.now();
    const { projectId, limitBytes } = await this.quota.create(name, capacity, this.projectIds());
    const record: VolumeRecord = { version: 1, name, capacityBytes: capacity, filesystemBytes: limitBytes, createdAt: new Date().toISOString(), backend: 'quota', projectId };
    await step(name, `writing the record ${this.records.file(name)}`, () => this.records.write(record));
    this.log.info({ volume: name, capacityBytes: capacity, projectId, ms: Date.now() - started }, 'volume provisioned (project quota)');
    return this.volume(record);
  }

  /** A volume directory without a record: kept with its data, as adopt() keeps an image. */
  private async adoptDirectory(name: string, capacity: number): Promise<LocalVolume> {
    this.log.warn({ volume: name, dir: this.quota.dirOf(name) }, 'volume directory without a record: adopting it');
    const { projectId, limitBytes } = await this.quota.adopt(name, capacity, this.projectIds());
    const record: VolumeRecord = { version: 1, name, capacityBytes: capacity, filesystemBytes: limitBytes, createdAt: new Date().toISOString(), backend: 'quota', projectId };
    await step(name, `writing the record ${this.records.file(name)}`, () => this.records.write(record));
    return this.volume(record);
  }

  /** Project IDs the records hold. */
  private projectIds(): Set<number> {
    return new Set(this.records.list().flatMap((r) => (r.projectId === undefined ? [] : [r.projectId])));
  }

  /** The volume's record when it is a project-quota one; an unreadable record counts as not. */
  private quotaRecord(name: string): VolumeRecord | undefined {
    try {
      const record = this.records.read(name);
      return record && backendOf(record) === 'quota' ? record : undefined;
    } catch {
      return undefined;
    }
  }

  private async removeNow(name: string): Promise<void> {
    const record = this.quotaRecord(name);
    if (record || fs.existsSync(this.quota.dirOf(name))) {
      await this.quota.remove(name, record?.projectId ?? this.quota.projectOfDir(name));
      await step(name, `deleting the record ${this.records.file(name)}`, () => this.records.delete(name));
      this.log.info({ volume: name }, 'volume removed');
      if (record) return;
    }
    const v = this.paths(name);
    await unmountVolume(v);
    const holders = loopsOf(v.image);
    if (holders.length > 0) {
      throw new VolumeError('VOLUME_BUSY', name, `removing: ${holders.join(', ')} still hold the image (mounted in another mount namespace)`);
    }
    await discardPartial({ ...v, image: `${v.image}.partial` });
    await step(name, `deleting ${v.image}`, async () => {
      await fs.promises.rm(v.image, { force: true });
      fsyncDir(this.imageDir);
      await fs.promises.rmdir(v.mountPath).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    });
    await step(name, `deleting the record ${this.records.file(name)}`, () => this.records.delete(name));
    this.mountFailures.delete(name);
    this.log.info({ volume: name }, 'volume removed');
  }

  private async expandNow(name: string, capacity: number): Promise<LocalVolume> {
    const { record, paths: v } = this.present(name);
    if (capacity < record.capacityBytes) {
      throw new VolumeError('VOLUME_SHRINK', name, `capacityBytes ${capacity} is below the current ${describeBytes(record.capacityBytes)}; volumes only grow`);
    }
    if (capacity === record.capacityBytes) return this.volume(record);
    if (backendOf(record) === 'quota') {
      const limitBytes = await this.quota.expand(this.quota.volume(record), capacity);
      const grown: VolumeRecord = { ...record, capacityBytes: capacity, filesystemBytes: limitBytes };
      await step(name, `writing the record ${this.records.file(name)}`, () => this.records.write(grown));
      this.log.info({ volume: name, capacityBytes: capacity, projectId: record.projectId }, 'volume expanded (project quota)');
      return this.volume(grown);
    }
    const device = mountedDevice(v);
    if (device && !canResizeOnline()) {
      throw new VolumeError('VOLUME_BUSY', name, `expanding to ${describeBytes(capacity)} while mounted needs CAP_SYS_RESOURCE (online ext4 resize), which this process lacks; unmount the volume and expand again`);
    }
    const filesystemBytes = device ? await growOnline(v, device, capacity) : await growOffline(v, capacity, this.log);
    const grown: VolumeRecord = { ...record, capacityBytes: capacity, filesystemBytes };
    await step(name, `writing the record ${this.records.file(name)}`, () => this.records.write(grown));
    this.log.info({ volume: name, capacityBytes: capacity, filesystemBytes, online: device !== undefined }, 'volume expanded');
    return this.volume(grown);
  }

  private serial<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    const previous = this.queues.get(name) ?? Promise.resolve();
    const result = previous.then(fn, fn);
    const tail = result.catch(() => undefined);
    this.queues.set(name, tail);
    void tail.then(() => {
      if (this.queues.get(name) === tail) this.queues.delete(name);
    });
    return result;
  }

  private paths(name: string): VolumePaths {
    const stem = fileStem(name);
    return { name, image: path.join(this.imageDir, `${stem}.img`), mountPath: path.join(this.mountDir, stem) };
  }

  private required(name: string): VolumeRecord {
    const record = this.records.read(name);
    if (!record) throw new VolumeError('VOLUME_NOT_FOUND', name, `no record at ${this.records.file(name)}`);
    return record;
  }

  /** The record and paths of a volume whose image (or directory) is there; else NOT_FOUND or MISSING. */
  private present(name: string): { record: VolumeRecord; paths: VolumePaths } {
    const record = this.required(name);
    if (backendOf(record) === 'quota') {
      const dir = this.quota.dirOf(name);
      if (!fs.existsSync(dir)) {
        throw new VolumeError('VOLUME_MISSING', name, `the record ${this.records.file(name)} is there but the directory ${dir} is gone; not making a new empty one`);
      }
      return { record, paths: { name, image: dir, mountPath: dir } };
    }
    const paths = this.paths(name);
    if (!fs.existsSync(paths.image)) {
      throw new VolumeError('VOLUME_MISSING', name, `the record ${this.records.file(name)} is there but the image ${paths.image} is gone; not making a new empty one`);
    }
    return { record, paths };
  }

  private volume(record: VolumeRecord): LocalVolume {
    if (backendOf(record) === 'quota') {
      const dir = this.quota.dirOf(record.name);
      return { name: record.name, capacityBytes: record.capacityBytes, createdAt: record.createdAt, imagePath: dir, mountPath: dir };
    }
    const { image, mountPath } = this.paths(record.name);
    return { name: record.name, capacityBytes: record.capacityBytes, createdAt: record.createdAt, imagePath: image, mountPath };
  }
}
