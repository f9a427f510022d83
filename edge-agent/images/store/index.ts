// The public face of the node's image store: <data-dir>/images/{content,layers,containers,
// images.json}. Blobs as fetched (verified), layers unpacked once by diff id at pull or
// import time (pre-staging: a pod start never waits on unpacking), and container root
// filesystems as overlays of them.
import fs from 'node:fs';
import path from 'node:path';
import { componentLogger, oci, SkerryError } from '../../../common/index.ts';
import { makeDurableDir, openContentStore } from '../../../storage/content/index.ts';
import { findImage, normaliseName } from './find.ts';
import { openLayers } from './layers.ts';
import { openRecords } from './records.ts';
import { openRootfs } from './rootfs.ts';
import type { CommitOptions, ImageRecord, ImageStore } from './types.ts';

export type { CommitOptions, ImageRecord, ImageStore, PreparedRootfs } from './types.ts';

const log = componentLogger('images');
/**
 * How stale an image's lastUsed may be before a container start rewrites it. lastUsed only
 * orders image GC (least recently used first), and each rewrite of images.json costs two
 * fsyncs with the event loop blocked: once per container, 100 pods starting together spent
 * ≈ 0.2 s of the agent's time on it.
 */
const LAST_USED_RESOLUTION_MS = 60_000;

interface Resolved {
  manifest: oci.ImageManifest;
  config: oci.ImageConfig;
  mediaType: string;
}

export function openImageStore(dataDir: string): ImageStore {
  const root = path.join(dataDir, 'images');
  makeDurableDir(root);
  const content = openContentStore(path.join(root, 'content'));
  const layers = openLayers(root);
  const records = openRecords(root);
  const rootfs = openRootfs(root);

  function resolve(manifestDigest: string): Resolved {
    const bytes = content.read(manifestDigest);
    const manifest = oci.parseImageManifest(bytes);
    const config = oci.parseImageConfig(content.read(manifest.config.digest));
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new SkerryError('IMAGE_INVALID', `manifest ${manifestDigest} has ${manifest.layers.length} layers but its config lists ${config.rootfs.diff_ids.length} diff_ids`, { digest: manifestDigest });
    }
    for (const layer of manifest.layers) {
      if (!content.has(layer.digest)) throw new SkerryError('BLOB_NOT_FOUND', `layer ${layer.digest} of manifest ${manifestDigest} is not in the store`, { digest: layer.digest });
    }
    return { manifest, config, mediaType: manifest.mediaType };
  }

  const get = (ref: string): ImageRecord => {
    const found = findImage(records.read(), ref);
    if (!found) throw new SkerryError('IMAGE_NOT_FOUND', `${ref} is not on this node (skerry images ls lists what is)`, { reference: ref });
    return found;
  };

  const usedDigests = () => new Set(rootfs.usage().values());

  const store: ImageStore = {
    root,
    content,
    async commit(options: CommitOptions) {
      const name = options.name === undefined ? undefined : normaliseName(options.name);
      const { manifest, config, mediaType } = resolve(options.manifestDigest);
      let unpackedSize = 0;
      for (const [i, layer] of manifest.layers.entries()) {
        unpackedSize += (await layers.ensure(content, layer, config.rootfs.diff_ids[i]!)).bytes;
      }
      const now = new Date().toISOString();
      const size = (content.size(options.manifestDigest) ?? 0) + manifest.config.size + manifest.layers.reduce((sum, l) => sum + l.size, 0);
      const record = await records.update((images) => {
        // A name moves to the new image, as a docker tag does.
        const others = images.map((i) => ({ ...i, names: i.names.filter((n) => n !== name) }));
        const existing = others.find((i) => i.manifestDigest === options.manifestDigest);
        const next: ImageRecord = {
          names: [...new Set([...(existing?.names ?? []), ...(name ? [name] : [])])],
          manifestDigest: options.manifestDigest,
          manifestMediaType: mediaType,
          ...((options.indexDigest ?? existing?.indexDigest) && { indexDigest: options.indexDigest ?? existing?.indexDigest }),
          configDigest: manifest.config.digest,
          layers: manifest.layers.map((l) => l.digest),
          diffIds: config.rootfs.diff_ids,
          size,
          unpackedSize,
          created: existing?.created ?? config.created ?? now,
          lastUsed: existing?.lastUsed ?? now,
        };
        // An image that lost its last name stays, dangling, until removed or collected.
        const kept = others.filter((i) => i.manifestDigest !== options.manifestDigest);
        return { images: [...kept, next], result: next };
      });
      log.info({ name, manifest: options.manifestDigest, layers: manifest.layers.length }, 'image ready');
      return record;
    },
    list: () => records.read(),
    find: (ref) => findImage(records.read(), ref),
    get,
    async remove(ref, options = {}) {
      const byName = !/^(sha256:)?[0-9a-f]{6,64}$/.test(ref) && !ref.includes('@');
      const target = get(ref);
      const users = [...rootfs.usage()].filter(([, digest]) => digest === target.manifestDigest).map(([id]) => id);
      const result = await records.update((images) => {
        const untagged = byName ? [normaliseName(ref)] : target.names;
        const remaining = target.names.filter((n) => !untagged.includes(n));
        if (remaining.length === 0 && users.length > 0 && !options.force) {
          throw new SkerryError('IMAGE_IN_USE', `${ref} is used by container${users.length > 1 ? 's' : ''} ${users.join(', ')}`, { reference: ref, containers: users });
        }
        const rest = images.filter((i) => i.manifestDigest !== target.manifestDigest);
        if (remaining.length > 0 || users.length > 0) return { images: [...rest, { ...target, names: remaining }], result: { untagged, deleted: [] as string[] } };
        return { images: rest, result: { untagged, deleted: [target.manifestDigest] } };
      });
      if (result.deleted.length) await store.collectGarbage();
      return result;
    },
    layerPath: (diffId) => layers.path(diffId),
    async prepareRootfs(containerId, ref) {
      const image = get(ref);
      const missing = image.diffIds.filter((d) => !layers.has(d));
      if (missing.length) throw new SkerryError('IMAGE_INVALID', `${ref}: layers ${missing.join(', ')} are not unpacked; import or pull the image again`, { reference: ref });
      const mounted = await rootfs.prepare(containerId, image.manifestDigest, image.diffIds.map((d) => layers.path(d)));
      if (!(Date.now() - Date.parse(image.lastUsed) < LAST_USED_RESOLUTION_MS)) {
        await records.update((images) => ({
          images: images.map((i) => (i.manifestDigest === image.manifestDigest ? { ...i, lastUsed: new Date().toISOString() } : i)),
          result: undefined,
        }));
      }
      return { path: mounted, image };
    },
    releaseRootfs: (containerId) => rootfs.release(containerId),
    usage: () => rootfs.usage(),
    async collectGarbage() {
      const images = records.read();
      const keepBlobs = new Set(images.flatMap((i) => [i.manifestDigest, i.configDigest, ...i.layers, ...(i.indexDigest ? [i.indexDigest] : [])]));
      const keepLayers = new Set(images.flatMap((i) => i.diffIds));
      let bytes = 0;
      let blobs = 0;
      for (const blob of content.list()) {
        if (keepBlobs.has(blob.digest)) continue;
        if (content.delete(blob.digest)) blobs++, (bytes += blob.size);
      }
      let removedLayers = layers.removeTemps();
      for (const diffId of layers.list()) {
        if (keepLayers.has(diffId)) continue;
        bytes += layers.meta(diffId)?.bytes ?? 0;
        await layers.remove(diffId);
        removedLayers++;
      }
      if (blobs || removedLayers) log.info({ blobs, layers: removedLayers, bytes }, 'collected unreferenced image data');
      return { blobs, layers: removedLayers, bytes };
    },
    async collectByDiskUsage({ highPercent, lowPercent }) {
      if (!(lowPercent >= 0 && lowPercent < highPercent && highPercent <= 100)) {
        throw new SkerryError('CONFIG_INVALID', `image GC thresholds need 0 <= low (${lowPercent}) < high (${highPercent}) <= 100`, { field: 'imageGC' });
      }
      const usedPercent = () => {
        const s = fs.statfsSync(root);
        return (100 * (s.blocks - s.bfree)) / s.blocks;
      };
      const removed: string[] = [];
      if (usedPercent() <= highPercent) return { removed, usedPercent: usedPercent() };
      const inUse = usedDigests();
      const candidates = records.read().filter((i) => !inUse.has(i.manifestDigest)).sort((a, b) => a.lastUsed.localeCompare(b.lastUsed));
      for (const image of candidates) {
        if (usedPercent() <= lowPercent) break;
        await records.update((images) => ({ images: images.filter((i) => i.manifestDigest !== image.manifestDigest), result: undefined }));
        await store.collectGarbage();
        removed.push(image.names[0] ?? image.manifestDigest);
        log.info({ image: image.names[0] ?? image.manifestDigest, lastUsed: image.lastUsed }, 'image GC removed an unused image');
      }
      return { removed, usedPercent: usedPercent() };
    },
  };
  return store;
}
