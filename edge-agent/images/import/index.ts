// The public face of image import: `skerry images import PATH` for an OCI image layout
// (directory or tar) and a docker-archive tar. The format is detected from what the
// archive holds; every blob is copied into the content store and verified first, and the
// images are committed (layers unpacked, names recorded) only once all of it is in.
import fs from 'node:fs';
import { componentLogger, oci, SkerryError } from '../../../common/index.ts';
import type { ImageRecord, ImageStore } from '../store/types.ts';
import { openDirectorySource } from './directory-source.ts';
import { planDockerArchive } from './docker-archive.ts';
import { normalise, repositoryFromPath } from './names.ts';
import { planOciLayout } from './oci-layout.ts';
import { mergePlans, type ImagePlan } from './plan.ts';
import type { ArchiveSource } from './source.ts';
import { readTarArchive } from './tar-source.ts';

export { CONTAINERD_NAME, REF_NAME } from './names.ts';

const log = componentLogger('images');

export interface ImportOptions {
  /** The platform to take from a multi-platform index: "linux/arm64" or a Platform; the host's by default. */
  platform?: oci.Platform | string;
  /**
   * A repository (or full reference) for images the archive does not name fully: an OCI
   * layout whose ref.name is a bare tag, or an archive without any names.
   */
  name?: string;
}

export type ArchiveFormat = 'oci-layout' | 'docker-archive';

async function openSource(store: ImageStore, file: string): Promise<ArchiveSource> {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new SkerryError('IMAGE_NOT_FOUND', `${file} does not exist`, { file });
  if (stat.isDirectory()) return openDirectorySource(store.content, file);
  if (stat.isFile()) return readTarArchive(store.content, file);
  throw new SkerryError('IMAGE_INVALID', `${file} is neither a directory nor a file`, { file });
}

/** Docker ≥ 25 writes both an OCI layout and manifest.json: the layout says more (platforms, names). */
export function detectFormat(source: ArchiveSource): ArchiveFormat {
  if (source.meta('index.json') || source.meta('oci-layout')) return 'oci-layout';
  if (source.meta('manifest.json')) return 'docker-archive';
  throw new SkerryError('IMAGE_INVALID',
    `${source.label} is neither an OCI image layout (no oci-layout or index.json) nor a docker-archive (no manifest.json)`, { file: source.label });
}

async function commitAll(store: ImageStore, plans: ImagePlan[]): Promise<ImageRecord[]> {
  const records: ImageRecord[] = [];
  for (const plan of plans) {
    let record: ImageRecord | undefined;
    const names: (string | undefined)[] = plan.names.length > 0 ? plan.names : [undefined];
    for (const name of names) {
      record = await store.commit({ manifestDigest: plan.manifestDigest, ...(name && { name }), ...(plan.indexDigest && { indexDigest: plan.indexDigest }) });
    }
    records.push(record!);
  }
  return records;
}

/**
 * Imports every image in the archive at `file` and returns their records. Nothing is
 * committed when any blob is missing, mislabelled or of an unsupported type.
 */
export async function importImage(store: ImageStore, file: string, options: ImportOptions = {}): Promise<ImageRecord[]> {
  const platform = typeof options.platform === 'string' ? oci.parsePlatform(options.platform) : options.platform ?? oci.hostPlatform();
  if (options.name !== undefined) normalise(options.name, '--name');
  const started = performance.now();
  const source = await openSource(store, file);
  const format = detectFormat(source);
  const naming = { ...(options.name !== undefined && { name: options.name }), pathRepository: repositoryFromPath(file) };
  const plans = format === 'oci-layout'
    ? await planOciLayout(store.content, source, platform, naming)
    : await planDockerArchive(store.content, source, platform, naming);
  const records = await commitAll(store, mergePlans(plans));
  log.info({ file, format, images: records.map((r) => ({ names: r.names, manifest: r.manifestDigest })), ms: Math.round(performance.now() - started) }, 'imported images');
  return records;
}
