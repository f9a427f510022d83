// An OCI image layout (image-spec image-layout.md): oci-layout, index.json and
// blobs/<alg>/<hex>. Each index.json entry is an image manifest or an index; from an index
// the platform's manifest is chosen. Every blob an image needs is made present and
// verified before its plan is returned, so a commit afterwards cannot find one missing.
import { oci, SkerryError } from '../../../common/index.ts';
import type { ContentStore } from '../../../storage/content/index.ts';
import { within, withinAsync } from './errors.ts';
import { ociEntryName, type NamingOptions } from './names.ts';
import type { ImagePlan } from './plan.ts';
import type { ArchiveSource } from './source.ts';

/** Indexes may nest (an index of indexes); more than this is a loop or an attack. */
const MAX_INDEX_DEPTH = 4;
const MANIFEST_MAX_BYTES = 4 << 20;

interface Context {
  content: ContentStore;
  source: ArchiveSource;
  platform: oci.Platform;
}

function checkLayoutFile(source: ArchiveSource): void {
  const bytes = source.meta('oci-layout');
  if (!bytes) return; // required by the spec, but Docker's and older tools' archives lack it sometimes
  const version = within(`${source.label}: oci-layout`, () => {
    try {
      return (JSON.parse(bytes.toString()) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
    } catch (error) {
      throw new SkerryError('IMAGE_INVALID', `is not JSON: ${(error as Error).message}`);
    }
  });
  if (typeof version !== 'string' || !version.startsWith('1.')) {
    throw new SkerryError('IMAGE_INVALID', `${source.label}: oci-layout: imageLayoutVersion ${JSON.stringify(version)} is not 1.x`, { field: 'imageLayoutVersion' });
  }
}

async function readBlob(ctx: Context, descriptor: oci.Descriptor, field: string): Promise<Buffer> {
  await ctx.source.blob(descriptor, field);
  return ctx.content.read(descriptor.digest, MANIFEST_MAX_BYTES);
}

/** Makes a manifest's config and layers present; the config must list one diff id per layer. */
async function resolveManifest(ctx: Context, descriptor: oci.Descriptor, field: string): Promise<string> {
  const bytes = await readBlob(ctx, descriptor, field);
  const where = `manifest ${descriptor.digest} (${field})`;
  const manifest = within(where, () => oci.parseImageManifest(bytes, descriptor.mediaType));
  const configBytes = await readBlob(ctx, manifest.config, `${where} config`);
  const parsed = within(`config ${manifest.config.digest} of ${where}`, () => oci.parseImageConfig(configBytes));
  if (parsed.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new SkerryError('IMAGE_INVALID', `${where} has ${manifest.layers.length} layers but its config lists ${parsed.rootfs.diff_ids.length} rootfs.diff_ids`, { digest: descriptor.digest });
  }
  for (const [i, layer] of manifest.layers.entries()) await ctx.source.blob(layer, `${where} layers[${i}]`);
  return descriptor.digest;
}

/** An index entry → the manifest to run and the index it was chosen from. */
async function resolveEntry(ctx: Context, descriptor: oci.Descriptor, field: string, depth = 0): Promise<Omit<ImagePlan, 'names'>> {
  const bytes = await readBlob(ctx, descriptor, field);
  const kind = within(field, () => oci.manifestKind(bytes, descriptor.mediaType));
  if (kind === 'manifest') return { manifestDigest: await resolveManifest(ctx, descriptor, field) };
  if (depth >= MAX_INDEX_DEPTH) throw new SkerryError('IMAGE_INVALID', `${field}: indexes nest more than ${MAX_INDEX_DEPTH} deep`, { field });
  const where = `index ${descriptor.digest} (${field})`;
  const index = within(where, () => oci.parseImageIndex(bytes, descriptor.mediaType));
  const chosen = oci.choosePlatform(index.manifests, ctx.platform, where);
  const inner = await resolveEntry(ctx, chosen, `${where} manifest for ${oci.formatPlatform(ctx.platform)}`, depth + 1);
  return { manifestDigest: inner.manifestDigest, indexDigest: inner.indexDigest ?? descriptor.digest };
}

/**
 * index.json entries of one name: several with platforms (a layout written per platform,
 * without a nested index) are a choice; a single one is taken as it is.
 */
function chooseEntries(entries: oci.Descriptor[], platform: oci.Platform, what: string): oci.Descriptor[] {
  if (entries.length === 1 || !entries.some((e) => e.platform)) return entries;
  return [oci.choosePlatform(entries, platform, what)];
}

export async function planOciLayout(content: ContentStore, source: ArchiveSource, platform: oci.Platform, naming: NamingOptions): Promise<ImagePlan[]> {
  checkLayoutFile(source);
  const indexFile = `${source.label}: index.json`;
  const bytes = source.meta('index.json');
  if (!bytes) throw new SkerryError('IMAGE_INVALID', `${source.label} has an oci-layout file but no index.json`, { file: 'index.json' });
  const index = within(indexFile, () => oci.parseImageIndex(bytes));
  if (index.manifests.length === 0) throw new SkerryError('IMAGE_INVALID', `${indexFile}: manifests is empty, the layout holds no image`, { field: 'manifests' });
  const groups = new Map<string, { name?: string; entries: { descriptor: oci.Descriptor; field: string }[] }>();
  index.manifests.forEach((descriptor, i) => {
    const field = `index.json manifests[${i}]`;
    const name = within(`${source.label}: ${field}`, () => ociEntryName(descriptor.annotations, naming, field));
    const key = name ?? `#${descriptor.digest}`;
    const group = groups.get(key) ?? { ...(name !== undefined && { name }), entries: [] };
    group.entries.push({ descriptor, field });
    groups.set(key, group);
  });
  const ctx: Context = { content, source, platform };
  const plans: ImagePlan[] = [];
  for (const group of groups.values()) {
    const chosen = chooseEntries(group.entries.map((e) => e.descriptor), platform, `${indexFile} entries for ${group.name ?? 'an unnamed image'}`);
    for (const descriptor of chosen) {
      const { field } = group.entries.find((e) => e.descriptor === descriptor)!;
      const resolved = await withinAsync(source.label, () => resolveEntry(ctx, descriptor, field));
      plans.push({ ...resolved, names: group.name ? [group.name] : [] });
    }
  }
  return plans;
}
