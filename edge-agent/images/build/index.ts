// The public face of image build: `skerry images build DIR -t NAME [-f FILE] [--output DIR]`.
// Edge sites have no internet and no build sandbox, so an image is made from files only:
// a Dockerfile subset (FROM an image in the store or scratch, COPY, ENV, ENTRYPOINT, CMD,
// WORKDIR, USER, EXPOSE, LABEL, STOPSIGNAL) gives one gzip'd layer per COPY, an OCI config
// and manifest, committed to the store under the tag — reproducibly, so the same input
// gives the same digest.
import fs from 'node:fs';
import path from 'node:path';
import { componentLogger, isSkerryError, oci, SkerryError } from '../../../common/index.ts';
import { digestOf } from '../../../storage/content/index.ts';
import type { ImageRecord, ImageStore } from '../store/types.ts';
import { imageBlobs } from './image.ts';
import { handlerFor } from './instructions.ts';
import { writeLayout } from './layout.ts';
import { buildError, parseBuildFile, type BuildFile, type Instruction } from './parse.ts';
import type { BuildState } from './state.ts';

export { parseBuildFile, type BuildFile, type Instruction } from './parse.ts';
export { CONTAINERD_NAME, REF_NAME } from './layout.ts';

const log = componentLogger('images');

export interface BuildOptions {
  /** The image's name, normalised: busybox:1 → docker.io/library/busybox:1. */
  tag: string;
  /** The build file; DIR/Dockerfile by default. */
  file?: string;
  /** Also write the image as an OCI image layout into this directory. */
  outputLayout?: string;
  /** Seconds since the epoch for file times and `created`; SOURCE_DATE_EPOCH or 0 by default. */
  sourceDateEpoch?: number;
}

function buildTime(options: BuildOptions): Date {
  const text = options.sourceDateEpoch ?? process.env.SOURCE_DATE_EPOCH ?? 0;
  const seconds = Number(text);
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new SkerryError('USAGE', `SOURCE_DATE_EPOCH ${JSON.stringify(text)} must be a whole number of seconds`, { field: 'SOURCE_DATE_EPOCH' });
  return new Date(seconds * 1000);
}

function readBuildFile(dir: string, options: BuildOptions): BuildFile {
  const file = options.file ?? path.join(dir, 'Dockerfile');
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new SkerryError('BUILD_INVALID', `build directory ${dir} does not exist or is not a directory`, { dir });
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new SkerryError('BUILD_INVALID', `cannot read the build file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { file });
  }
  return parseBuildFile(text, file);
}

/** Runs one instruction; any failure comes out as BUILD_INVALID naming file:line. */
async function apply(state: BuildState, file: string, instruction: Instruction): Promise<void> {
  const { keyword, args, line } = instruction;
  if (!state.from && keyword !== 'FROM') throw buildError(file, line, `${keyword} before FROM: a build file starts with FROM IMAGE or FROM scratch`);
  const layersBefore = state.layers.length;
  try {
    await handlerFor(keyword)(state, args);
  } catch (error) {
    const reason = isSkerryError(error) ? error.message.replace(/^[^:]+: /, '') : (error as Error).message;
    throw new SkerryError('BUILD_INVALID', `${file}:${line}: ${reason}`, { file, line, keyword }, { cause: error });
  }
  if (keyword !== 'FROM') {
    state.history.push({ created: state.time.toISOString().replace(/\.000Z$/, 'Z'), created_by: `${keyword} ${args}`, comment: 'skerry images build', ...(state.layers.length === layersBefore && { empty_layer: true }) });
  }
}

/** Builds the image DIR describes, commits it to `store` under options.tag and returns its record. */
export async function buildImage(store: ImageStore, dir: string, options: BuildOptions): Promise<ImageRecord> {
  const name = oci.parseReference(options.tag);
  if (name.digest) throw new SkerryError('REFERENCE_INVALID', `-t ${options.tag}: a build is named by a tag, not a digest`, { reference: options.tag });
  const tag = oci.formatReference(name);
  const buildFile = readBuildFile(dir, options);
  const started = performance.now();
  const state: BuildState = {
    store, content: store.content, dir, escape: buildFile.escape, time: buildTime(options), platform: oci.hostPlatform(),
    run: {}, layers: [], diffIds: [], history: [], written: new Map(), cmdSet: false,
  };
  for (const instruction of buildFile.instructions) await apply(state, buildFile.file, instruction);
  if (!state.from) throw new SkerryError('BUILD_INVALID', `${buildFile.file}: has no FROM; start with FROM IMAGE or FROM scratch`, { file: buildFile.file });
  const blobs = imageBlobs(state, digestOf);
  const configDigest = await store.content.put(blobs.config);
  const manifestDigest = await store.content.put(blobs.manifest);
  const record = await store.commit({ name: tag, manifestDigest });
  if (options.outputLayout) {
    const manifest = { mediaType: oci.MEDIA.ociManifest, digest: manifestDigest, size: blobs.manifest.length };
    await writeLayout(store.content, options.outputLayout, { manifest, name: tag, blobs: [configDigest, ...state.layers.map((l) => l.digest)] });
  }
  log.info({ tag, manifest: manifestDigest, layers: state.layers.length, ms: Math.round(performance.now() - started) }, 'built image');
  return record;
}
