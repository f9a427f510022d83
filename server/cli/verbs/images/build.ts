import { buildImage, openImageStore } from '../../../../edge-agent/index.ts';
import { SkerryError } from '../../../../common/index.ts';
import { parseFlags } from '../../verb.ts';
import { DATA_DIR_FLAG, dataDirOf, onePositional, type SubVerb } from './common.ts';

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    ...DATA_DIR_FLAG, tag: { type: 'string', short: 't' }, file: { type: 'string', short: 'f' }, output: { type: 'string' },
  }, true);
  if (values.help) return process.stdout.write(usage), 0;
  const dir = onePositional(positionals, 'build directory');
  if (values.tag === undefined) throw new SkerryError('USAGE', '-t NAME is required');
  const image = await buildImage(openImageStore(dataDirOf(values)), dir, {
    tag: values.tag as string,
    ...(values.file !== undefined && { file: values.file as string }),
    ...(values.output !== undefined && { outputLayout: values.output as string }),
  });
  process.stdout.write(`${image.names.join(', ')}: ${image.manifestDigest}\n`);
  return 0;
}

const usage = `Usage: skerry images build [--data-dir DIR] -t NAME [-f FILE] [--output LAYOUT_DIR] DIR

Builds an image from DIR with a Dockerfile subset (FROM image-in-store|scratch, COPY, ENV,
ENTRYPOINT, CMD, WORKDIR, USER, EXPOSE, LABEL, STOPSIGNAL; no RUN: nothing is executed). Layers
are reproducible (sorted, mtime SOURCE_DATE_EPOCH or 0). --output also writes an OCI layout.
`;

export const buildVerb: SubVerb = { name: 'build', summary: 'build an image from a directory', usage, run };
