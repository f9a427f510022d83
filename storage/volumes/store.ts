// The node-local volume store: one preallocated ext4 image per volume, loop-mounted, with a
// durable record apart from the data (docs/adr/012-local-volumes.md).
//   <root>/records/<name>.json   what the node promised (the truth for list and Missing)
//   <root>/images/<name>.img     the data; <name>.img.partial while provisioning
//   <root>/mounts/<name>/        where the image is mounted; pods bind-mount this directory
import fs from 'node:fs';
import path from 'node:path';
import { componentLogger, type Logger } from '../../common/index.ts';
import { fsyncDir, makeDurableDir } from '../content/index.ts';
import { type VolumePaths, mountedDevice, mountVolume, unmountVolume } from './attach.ts';
import { isVolumeError, step, VolumeError } from './errors.ts';
import { inspectVolume, volumeUsage, type VolumeCondition, type VolumeUsage } from './health.ts';
import { loopsOf } from './loop.ts';
import { checkCapacity, checkName, describeBytes, fileStem } from './names.ts';
import { RecordBook, type VolumeRecord } from './records.ts';
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
  return new LoopVolumeStore(options.root, options.logger ?? componentLogger('volumes'));
}

class LoopVolumeStore implements VolumeStore {
  readonly root: string;
  private readonly records: RecordBook;
  private readonly imageDir: string;
  private readonly mountDir: string;
  /** Per-volume promise chains: operations on one volume never interleave. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** The last mount failure per volume (Damaged until a mount succeeds). */
  private readonly mountFailures = new Map<string, string>();

  constructor(root: string, private readonly log: Logger) {
    makeDurableDir(root);
    // sysfs shows loop backing files with symlinks resolved, so paths are compared resolved
    this.root = fs.realpathSync(root);
    this.records = new RecordBook(path.join(this.root, 'records'));
    this.imageDir = path.join(this.root, 'images');
    this.mountDir = path.join(this.root, 'mounts');
    makeDurableDir(this.imageDir);
    fs.mkdirSync(this.mountDir, { recursive: true, mode: 0o700 });
  }

  async provision(name: string, capacityBytes: number): Promise<LocalVolume> {
    checkName(name);
    checkCapacity(name, capacityBytes);
    return this.serial(name, () => this.provisionNow(name, capacityBytes));
  }

  async mount(name: string): Promise<string> {
    return this.serial(checkName(name), async () => {
      const v = this.present(name).paths;
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
      return volumeUsage(paths, record.filesystemBytes);
    });
  }

  async inspect(name: string): Promise<VolumeCondition> {
    return this.serial(checkName(name), () => {
      this.required(name);
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
    const record: VolumeRecord = { version: 1, name, capacityBytes: capacity, filesystemBytes, createdAt: new Date().toISOString() };
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
    const record: VolumeRecord = { version: 1, name: v.name, capacityBytes: capacity, filesystemBytes, createdAt: new Date().toISOString() };
    await step(v.name, `writing the record ${this.records.file(v.name)}`, () => this.records.write(record));
    return this.volume(record);
  }

  private async removeNow(name: string): Promise<void> {
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

  /** The record and paths of a volume whose image is there; else NOT_FOUND or MISSING. */
  private present(name: string): { record: VolumeRecord; paths: VolumePaths } {
    const record = this.required(name);
    const paths = this.paths(name);
    if (!fs.existsSync(paths.image)) {
      throw new VolumeError('VOLUME_MISSING', name, `the record ${this.records.file(name)} is there but the image ${paths.image} is gone; not making a new empty one`);
    }
    return { record, paths };
  }

  private volume(record: VolumeRecord): LocalVolume {
    const { image, mountPath } = this.paths(record.name);
    return { name: record.name, capacityBytes: record.capacityBytes, createdAt: record.createdAt, imagePath: image, mountPath };
  }
}
