import type { ContentStore } from '../../../storage/content/index.ts';

/** One image the node has: fetched whole, verified, its layers unpacked (pre-staged). */
export interface ImageRecord {
  /** Normalised names pointing at it (docker.io/library/busybox:1), possibly none. */
  names: string[];
  /** The platform manifest run from. */
  manifestDigest: string;
  manifestMediaType: string;
  /** The index or manifest list it was chosen from, if any. */
  indexDigest?: string;
  configDigest: string;
  /** Layer blob digests (as stored), bottom first. */
  layers: string[];
  /** Uncompressed layer digests (config rootfs.diff_ids), bottom first: the unpacked dirs. */
  diffIds: string[];
  /** Blob bytes (manifest + config + layers as stored). */
  size: number;
  /** Bytes the unpacked layers hold. */
  unpackedSize: number;
  created: string;
  /** When a container last started from it: image GC removes the least recently used first. */
  lastUsed: string;
}

export interface CommitOptions {
  /** A normalised reference to point at the image; undefined keeps it nameless (by digest). */
  name?: string;
  manifestDigest: string;
  indexDigest?: string;
}

/** A container's root filesystem: an overlay of its image's layers and its own upper dir. */
export interface PreparedRootfs {
  /** The mount point: pass it as the runtime's rootfsPath. */
  path: string;
  image: ImageRecord;
}

export interface ImageStore {
  readonly root: string;
  /** Blobs: manifests, configs, layers as fetched. */
  readonly content: ContentStore;
  /**
   * Records an image whose manifest, config and layer blobs are in `content`, unpacking
   * every layer not unpacked yet (verified against the config's diff_ids). Nothing is
   * recorded unless all of it succeeded.
   */
  commit(options: CommitOptions): Promise<ImageRecord>;
  list(): ImageRecord[];
  /** By name (normalised here), "name@digest", or manifest digest (or a unique prefix of its hex). */
  find(ref: string): ImageRecord | undefined;
  get(ref: string): ImageRecord;
  /** Removes a name; the image goes when no name is left and no container uses it. */
  remove(ref: string, options?: { force?: boolean }): Promise<{ untagged: string[]; deleted: string[] }>;
  /** Directory of an unpacked layer by diff id. */
  layerPath(diffId: string): string;
  prepareRootfs(containerId: string, ref: string): Promise<PreparedRootfs>;
  releaseRootfs(containerId: string): Promise<void>;
  /** Container ids using images now. */
  usage(): Map<string, string>;
  /** Deletes blobs and layers no image references, and leftovers of crashed writers. */
  collectGarbage(): Promise<{ blobs: number; layers: number; bytes: number }>;
  /**
   * Kubernetes image GC: when the filesystem holding the store is above highPercent used,
   * removes unused images, least recently used first, until it is below lowPercent.
   */
  collectByDiskUsage(options: { highPercent: number; lowPercent: number }): Promise<{ removed: string[]; usedPercent: number }>;
}
