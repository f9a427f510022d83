// An archive unpacked as a directory: an OCI image layout (the usual case, what `skopeo copy
// … oci:DIR` and umoci write) or an extracted `docker save`. Only blobs the chosen images
// reference are copied, each verified against its digest, and a copy cut by a crash
// resumes where the content store's ingest stopped.
import fs from 'node:fs';
import path from 'node:path';
import { SkerryError } from '../../../common/index.ts';
import type { ContentStore } from '../../../storage/content/index.ts';
import { checkStored, ingestVerified, storeUnnamed, type StoredFile } from './copy.ts';
import { blobFileOf, memberPath, METADATA_MAX_BYTES, type ArchiveSource } from './source.ts';

function readMeta(file: string): Buffer | undefined {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return undefined;
  if (!stat.isFile()) throw new SkerryError('IMAGE_INVALID', `${file} is not a regular file`, { file });
  if (stat.size > METADATA_MAX_BYTES) throw new SkerryError('IMAGE_INVALID', `${file} is larger than ${METADATA_MAX_BYTES} bytes, too large for a metadata file`, { file });
  return fs.readFileSync(file);
}

/**
 * The real path of `name` inside `root`: manifest.json is input like any other, and a
 * Layers entry of "../../etc/shadow" or a symlink out of the directory is refused.
 */
function insideRoot(root: string, name: string, field: string): string {
  const relative = memberPath(name);
  const refuse = (why: string) => new SkerryError('IMAGE_INVALID', `${field} names ${JSON.stringify(name)}, which ${why}`, { field, file: name });
  if (relative === undefined || relative === '' || name.startsWith('/')) throw refuse('is not a relative path inside the archive');
  let real: string;
  try {
    real = fs.realpathSync(path.join(root, relative));
  } catch {
    throw refuse(`does not exist in ${root}`);
  }
  const realRoot = fs.realpathSync(root);
  if (!real.startsWith(`${realRoot}/`)) throw refuse(`leads outside ${root}`);
  if (!fs.statSync(real).isFile()) throw refuse('is not a regular file');
  return real;
}

export function openDirectorySource(content: ContentStore, root: string): ArchiveSource {
  const copies = new Map<string, Promise<StoredFile>>();
  return {
    label: root,
    meta: (name) => readMeta(path.join(root, name)),
    async blob(descriptor, field) {
      const name = blobFileOf(descriptor.digest);
      const file = path.join(root, name);
      if (fs.existsSync(file)) {
        await ingestVerified(content, descriptor.digest, name, (offset) => fs.createReadStream(file, { start: offset, highWaterMark: 1 << 20 }));
      }
      checkStored(content, descriptor, field, `is not in the layout (no ${name})`);
    },
    async file(name, field) {
      const real = insideRoot(root, name, field);
      let copy = copies.get(real);
      if (!copy) copies.set(real, (copy = storeUnnamed(content, fs.createReadStream(real, { highWaterMark: 1 << 20 }))));
      return copy;
    },
  };
}
