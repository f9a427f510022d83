import { importImage, openImageStore } from '../../../../edge-agent/index.ts';
import { parseFlags } from '../../verb.ts';
import { DATA_DIR_FLAG, dataDirOf, onePositional, type SubVerb } from './common.ts';

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...DATA_DIR_FLAG, name: { type: 'string' }, platform: { type: 'string' } }, true);
  if (values.help) return process.stdout.write(usage), 0;
  const file = onePositional(positionals, 'PATH');
  const store = openImageStore(dataDirOf(values));
  const images = await importImage(store, file, {
    ...(values.name !== undefined && { name: values.name as string }),
    ...(values.platform !== undefined && { platform: values.platform as string }),
  });
  for (const image of images) process.stdout.write(`${image.names.join(', ') || '<none>'}: ${image.manifestDigest}\n`);
  return 0;
}

const usage = `Usage: skerry images import [--data-dir DIR] [--name REPO] [--platform OS/ARCH[/VARIANT]] PATH

Imports the images of an OCI image layout (a directory or a tar, e.g. skopeo's oci-archive) or
a docker-archive tar (docker save, skopeo docker-archive:), gzip'd or not, and unpacks their
layers. Every blob is verified; nothing is recorded unless all of it is. --name gives the
repository for images the archive names only by tag.
`;

export const importVerb: SubVerb = { name: 'import', summary: 'import an OCI layout or docker-archive', usage, run };
