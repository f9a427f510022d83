// docker-archive (`docker save`, `skopeo copy … docker-archive:`): manifest.json lists
// [{Config, RepoTags, Layers}] by file path. It has no registry manifest, so one is made:
// Docker schema2 with the config and layer files as blobs. Layers are normally plain tars,
// so a layer file's digest is its diff id, which the config must agree with; a gzip'd
// layer (some tools write them) is described as such and its diff id is checked when it
// is unpacked.
import { componentLogger, oci, SkerryError } from '../../../common/index.ts';
import type { ContentStore } from '../../../storage/content/index.ts';
import { within, withinAsync } from './errors.ts';
import { dockerArchiveNames, type NamingOptions } from './names.ts';
import type { ImagePlan } from './plan.ts';
import type { ArchiveSource } from './source.ts';

const log = componentLogger('images');

interface ArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

function parseManifestJson(bytes: Buffer, where: string): ArchiveEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString());
  } catch (error) {
    throw new SkerryError('IMAGE_INVALID', `${where} is not JSON: ${(error as Error).message}`, { file: 'manifest.json' });
  }
  if (!Array.isArray(json) || json.length === 0) throw new SkerryError('IMAGE_INVALID', `${where} must be a non-empty array of {Config, RepoTags, Layers}`, { file: 'manifest.json' });
  json.forEach((entry: Record<string, unknown> | null, i) => {
    const field = `manifest.json[${i}]`;
    if (!entry || typeof entry !== 'object') throw new SkerryError('IMAGE_INVALID', `${where}: ${field} must be an object`, { field });
    if (typeof entry.Config !== 'string' || !entry.Config) throw new SkerryError('IMAGE_INVALID', `${where}: ${field}.Config must be a file name`, { field: `${field}.Config` });
    if (!Array.isArray(entry.Layers) || entry.Layers.some((l) => typeof l !== 'string')) {
      throw new SkerryError('IMAGE_INVALID', `${where}: ${field}.Layers must be an array of file names`, { field: `${field}.Layers` });
    }
  });
  return json as ArchiveEntry[];
}

async function layerDescriptors(source: ArchiveSource, entry: ArchiveEntry, diffIds: string[], field: string): Promise<oci.Descriptor[]> {
  const layers: oci.Descriptor[] = [];
  for (const [i, name] of entry.Layers.entries()) {
    const stored = await source.file(name, `${field}.Layers[${i}]`);
    if (!stored.gzip && stored.digest !== diffIds[i]) {
      throw new SkerryError('DIGEST_MISMATCH', `${field}.Layers[${i}] (${name}) hashes to ${stored.digest} but the config's rootfs.diff_ids[${i}] is ${diffIds[i]}; nothing was imported`,
        { field: `${field}.Layers[${i}]`, digest: stored.digest });
    }
    layers.push({ mediaType: stored.gzip ? oci.MEDIA.dockerLayerGzip : oci.MEDIA.dockerLayer, digest: stored.digest, size: stored.size });
  }
  return layers;
}

async function planEntry(content: ContentStore, source: ArchiveSource, entry: ArchiveEntry, field: string, platform: oci.Platform, naming: NamingOptions): Promise<ImagePlan> {
  const names = dockerArchiveNames(entry.RepoTags, naming, field);
  const configFile = await source.file(entry.Config, `${field}.Config`);
  const config = within(`${field}.Config (${entry.Config})`, () => oci.parseImageConfig(content.read(configFile.digest)));
  if (config.rootfs.diff_ids.length !== entry.Layers.length) {
    throw new SkerryError('IMAGE_INVALID', `${field} lists ${entry.Layers.length} Layers but its Config ${entry.Config} has ${config.rootfs.diff_ids.length} rootfs.diff_ids`, { field });
  }
  if (config.os !== platform.os || config.architecture !== platform.architecture) {
    log.warn({ image: names[0], platform: oci.formatPlatform(config), want: oci.formatPlatform(platform) }, 'imported image is for another platform');
  }
  const manifest = {
    schemaVersion: 2,
    mediaType: oci.MEDIA.dockerManifest,
    config: { mediaType: oci.MEDIA.dockerConfig, digest: configFile.digest, size: configFile.size },
    layers: await layerDescriptors(source, entry, config.rootfs.diff_ids, field),
  };
  // Last, once every file is in and checked: a manifest in the store means a whole image.
  const manifestDigest = await content.put(Buffer.from(JSON.stringify(manifest)));
  return { names, manifestDigest };
}

export async function planDockerArchive(content: ContentStore, source: ArchiveSource, platform: oci.Platform, naming: NamingOptions): Promise<ImagePlan[]> {
  const where = `${source.label}: manifest.json`;
  const entries = parseManifestJson(source.meta('manifest.json')!, where);
  const plans: ImagePlan[] = [];
  for (const [i, entry] of entries.entries()) {
    plans.push(await withinAsync(source.label, () => planEntry(content, source, entry, `manifest.json[${i}]`, platform, naming)));
  }
  return plans;
}
