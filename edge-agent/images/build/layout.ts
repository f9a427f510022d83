// --output DIR: the built image also as an OCI image layout (image-spec image-layout.md),
// for skopeo, other runtimes or another node's `skerry images import`. index.json names it
// with org.opencontainers.image.ref.name = the tag (what `skopeo … oci:DIR:TAG` looks up)
// and io.containerd.image.name = the full name. An existing layout is added to: an entry
// with the same tag is replaced, the others stay.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { oci, SkerryError } from '../../../common/index.ts';
import { writeFileDurably, type ContentStore } from '../../../storage/content/index.ts';

export const REF_NAME = oci.ANNOTATION.refName;
export const CONTAINERD_NAME = oci.ANNOTATION.containerdName;

async function copyBlob(content: ContentStore, dir: string, digest: string): Promise<void> {
  const file = path.join(dir, 'blobs', ...digest.split(':'));
  if (fs.statSync(file, { throwIfNoEntry: false })?.size === content.size(digest)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  await pipeline(content.createReadStream(digest), fs.createWriteStream(temp, { mode: 0o644 }));
  fs.renameSync(temp, file);
}

function readIndex(dir: string): oci.ImageIndex | undefined {
  const file = path.join(dir, 'index.json');
  if (!fs.existsSync(file)) {
    const entries = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    if (entries.length > 0) throw new SkerryError('BUILD_INVALID', `--output ${dir} is neither empty nor an OCI image layout (it has no index.json); give a new or empty directory`, { dir });
    return undefined;
  }
  return oci.parseImageIndex(fs.readFileSync(file));
}

export interface LayoutImage {
  manifest: oci.Descriptor;
  /** Every blob the manifest reaches: config and layers. */
  blobs: string[];
  /** Normalised reference: docker.io/library/busybox:1.36. */
  name: string;
}

export async function writeLayout(content: ContentStore, dir: string, image: LayoutImage): Promise<void> {
  const existing = readIndex(dir);
  fs.mkdirSync(dir, { recursive: true });
  for (const digest of [...image.blobs, image.manifest.digest]) await copyBlob(content, dir, digest);
  const tag = oci.parseReference(image.name).tag ?? 'latest';
  const entry = { ...image.manifest, annotations: { [CONTAINERD_NAME]: image.name, [REF_NAME]: tag } };
  const others = (existing?.manifests ?? []).filter((m) => m.annotations?.[REF_NAME] !== tag);
  const index = { schemaVersion: 2, mediaType: oci.MEDIA.ociIndex, manifests: [...others, entry] };
  writeFileDurably(path.join(dir, 'oci-layout'), `${JSON.stringify({ imageLayoutVersion: '1.0.0' })}\n`, 0o644);
  writeFileDurably(path.join(dir, 'index.json'), `${JSON.stringify(index)}\n`, 0o644);
}
