// OCI image layouts (image-spec image-layout.md) built from file trees, for pushing into a
// test registry with skopeo: each layer is a tar (written with tar-stream, gzip or not) of
// the entries given; one image gives a tagged manifest, several give a tagged image index
// with one manifest per platform (e.g. linux/amd64, linux/arm64, linux/arm/v7).
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

export const BUSYBOX = '/bin/busybox';

const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
};

/** One entry of a layer: a file (inline content or a host file), a directory or a symlink. */
export type LayerEntry =
  | { path: string; type: 'dir'; mode?: number }
  | { path: string; type: 'file'; content: Buffer | string; mode?: number }
  | { path: string; type: 'file'; source: string; mode?: number }
  | { path: string; type: 'symlink'; target: string };

export interface LayerSpec {
  entries: LayerEntry[];
  gzip?: boolean;
}

export interface ImageSpec {
  layers: LayerSpec[];
  platform?: { os: string; architecture: string; variant?: string };
  cmd?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface BuiltImage {
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  diffIds: string[];
}

export interface BuiltLayout {
  dir: string;
  tag: string;
  /** The tagged index, when more than one image was given. */
  index?: Descriptor;
  images: BuiltImage[];
  /** Sum of the sizes of every blob the tag reaches (index, manifests, configs, layers). */
  totalSize: number;
}

/** Entries of a busybox root: /bin/busybox (the host's static binary) and its applet links. */
export function busyboxEntries(): LayerEntry[] {
  const applets = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const dirs = new Set(['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'etc', 'tmp']);
  const entries: LayerEntry[] = [...dirs].map((d) => ({ path: d, type: 'dir' as const }));
  entries.push({ path: 'bin/busybox', type: 'file', source: BUSYBOX, mode: 0o755 });
  for (const applet of applets) {
    if (applet !== 'bin/busybox' && dirs.has(path.dirname(applet))) entries.push({ path: applet, type: 'symlink', target: '/bin/busybox' });
  }
  entries.push({ path: 'etc/passwd', type: 'file', content: 'root:x:0:0:root:/root:/bin/sh\n' });
  return entries;
}

/** A file of `size` random (incompressible) bytes, written to `file` once and then used as a source. */
export function randomSource(file: string, size: number): string {
  const fd = fs.openSync(file, 'w');
  try {
    for (let left = size; left > 0; left -= 1 << 20) fs.writeSync(fd, randomBytes(Math.min(left, 1 << 20)));
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

function writeJson(blobs: string, value: unknown): Descriptor & { bytes: Buffer } {
  const bytes = Buffer.from(JSON.stringify(value));
  const hex = createHash('sha256').update(bytes).digest('hex');
  fs.writeFileSync(path.join(blobs, hex), bytes);
  return { mediaType: '', digest: `sha256:${hex}`, size: bytes.length, bytes };
}

function hashing(hash: ReturnType<typeof createHash>, counter: { n: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      counter.n += chunk.length;
      done(null, chunk);
    },
  });
}

async function writeEntries(pack: tar.Pack, entries: LayerEntry[]): Promise<void> {
  const mtime = new Date(0);
  for (const e of entries) {
    if (e.type === 'dir') {
      pack.entry({ name: `${e.path}/`, type: 'directory', mode: e.mode ?? 0o755, mtime });
    } else if (e.type === 'symlink') {
      pack.entry({ name: e.path, type: 'symlink', linkname: e.target, mode: 0o777, mtime });
    } else if ('content' in e) {
      const content = Buffer.from(e.content);
      pack.entry({ name: e.path, type: 'file', size: content.length, mode: e.mode ?? 0o644, mtime }, content);
    } else {
      const size = fs.statSync(e.source).size;
      const sink = pack.entry({ name: e.path, type: 'file', size, mode: e.mode ?? 0o644, mtime });
      await pipeline(fs.createReadStream(e.source), sink);
    }
  }
  pack.finalize();
}

/** Writes one layer blob; returns its descriptor and diff-id (digest of the uncompressed tar). */
async function writeLayer(blobs: string, spec: LayerSpec): Promise<{ descriptor: Descriptor; diffId: string }> {
  const temp = path.join(blobs, `.layer-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const pack = tar.pack();
  const diff = createHash('sha256');
  const blob = createHash('sha256');
  const raw = { n: 0 };
  const stored = { n: 0 };
  const sink = fs.createWriteStream(temp);
  const piping = spec.gzip
    ? pipeline(pack, hashing(diff, raw), createGzip({ level: 6 }), hashing(blob, stored), sink)
    : pipeline(pack, hashing(diff, raw), hashing(blob, stored), sink);
  await Promise.all([writeEntries(pack, spec.entries), piping]);
  const hex = blob.digest('hex');
  fs.renameSync(temp, path.join(blobs, hex));
  return {
    descriptor: { mediaType: spec.gzip ? MEDIA.layerGzip : MEDIA.layer, digest: `sha256:${hex}`, size: stored.n },
    diffId: `sha256:${diff.digest('hex')}`,
  };
}

async function writeImage(blobs: string, spec: ImageSpec): Promise<BuiltImage> {
  const layers: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const layer of spec.layers) {
    const { descriptor, diffId } = await writeLayer(blobs, layer);
    layers.push(descriptor);
    diffIds.push(diffId);
  }
  const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
  const configJson = {
    ...platform,
    created: '1970-01-01T00:00:00Z',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: spec.cmd ?? ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map(() => ({ created: '1970-01-01T00:00:00Z', created_by: 'test/helpers/oci-layout.ts' })),
  };
  const { bytes: _c, ...config } = { ...writeJson(blobs, configJson), mediaType: MEDIA.config };
  const manifestJson = { schemaVersion: 2, mediaType: MEDIA.manifest, config, layers };
  const { bytes: _m, ...manifest } = { ...writeJson(blobs, manifestJson), mediaType: MEDIA.manifest };
  return { manifest: { ...manifest, platform }, config, layers, diffIds };
}

/**
 * Builds an OCI layout in `dir` holding `tag`: one image → the tag names its manifest; more
 * → the tag names an image index listing each image's manifest with its platform.
 */
export async function buildOciLayout(dir: string, tag: string, images: ImageSpec[]): Promise<BuiltLayout> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const built: BuiltImage[] = [];
  for (const image of images) built.push(await writeImage(blobs, image));
  let top: Descriptor;
  let index: Descriptor | undefined;
  if (built.length === 1) {
    const { platform: _p, ...manifest } = built[0]!.manifest;
    top = manifest;
  } else {
    const json = { schemaVersion: 2, mediaType: MEDIA.index, manifests: built.map((b) => b.manifest) };
    const { bytes: _i, ...written } = { ...writeJson(blobs, json), mediaType: MEDIA.index };
    index = written;
    top = written;
  }
  const refName = { 'org.opencontainers.image.ref.name': tag };
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.index, manifests: [{ ...top, annotations: refName }] }));
  const totalSize = (index?.size ?? 0) + built.reduce((sum, b) => sum + b.manifest.size + b.config.size + b.layers.reduce((s, l) => s + l.size, 0), 0);
  return { dir, tag, ...(index && { index }), images: built, totalSize };
}
