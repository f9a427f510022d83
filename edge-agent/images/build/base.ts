// The image a build starts FROM: its manifest, config and unpacked layers, all already in
// the store (skerry builds offline; import or build the base first). Its layers are
// looked at only to know which paths exist, the way overlayfs would show them: the top
// layer that has a path decides, and an overlay whiteout (a 0:0 character device) hides it.
import fs from 'node:fs';
import path from 'node:path';
import { oci } from '../../../common/index.ts';
import type { ImageRecord, ImageStore } from '../store/types.ts';

export interface BaseImage {
  name: string;
  record: ImageRecord;
  manifest: oci.ImageManifest;
  config: oci.ImageConfig;
  kind(name: string): 'directory' | 'other' | undefined;
}

const OCI_LAYER: Record<string, string> = {
  [oci.MEDIA.dockerLayer]: oci.MEDIA.ociLayer,
  [oci.MEDIA.dockerLayerGzip]: oci.MEDIA.ociLayerGzip,
  [oci.MEDIA.dockerForeignLayerGzip]: oci.MEDIA.ociLayerNondistributableGzip,
};

/** A base layer in the new OCI manifest: Docker's media types name the same bytes. */
export function asOciLayer(layer: oci.Descriptor): oci.Descriptor {
  return { mediaType: OCI_LAYER[layer.mediaType] ?? layer.mediaType, digest: layer.digest, size: layer.size, ...(layer.urls && { urls: layer.urls }), ...(layer.annotations && { annotations: layer.annotations }) };
}

function isWhiteout(stat: fs.Stats): boolean {
  return stat.isCharacterDevice() && stat.rdev === 0;
}

/**
 * `name` in one layer directory, component by component: a symlink on the way is not
 * followed (it could point anywhere on the host) and counts as "something is there".
 */
function lookup(dir: string, name: string): 'directory' | 'other' | 'whiteout' | 'absent' {
  let current = dir;
  const parts = name.split('/').filter(Boolean);
  for (const [i, part] of parts.entries()) {
    current = path.join(current, part);
    const stat = fs.lstatSync(current, { throwIfNoEntry: false });
    if (!stat) return 'absent';
    if (isWhiteout(stat)) return 'whiteout';
    if (i === parts.length - 1) return stat.isDirectory() ? 'directory' : 'other';
    if (!stat.isDirectory()) return 'other';
  }
  return 'directory';
}

export function loadBase(store: ImageStore, ref: string): BaseImage {
  const record = store.get(ref);
  const manifest = oci.parseImageManifest(store.content.read(record.manifestDigest), record.manifestMediaType);
  const config = oci.parseImageConfig(store.content.read(manifest.config.digest));
  const dirs = record.diffIds.map((d) => store.layerPath(d)).reverse();
  return {
    name: ref,
    record,
    manifest,
    config,
    kind(name) {
      for (const dir of dirs) {
        const found = lookup(dir, name);
        if (found === 'absent') continue;
        return found === 'whiteout' ? undefined : found;
      }
      return undefined;
    },
  };
}
