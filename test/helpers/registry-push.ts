// Images for the registry tests, made here (no internet): an OCI image layout on disk built
// with tar-stream and gzip — a base layer holding Debian's static busybox and an app layer —
// and Debian's real skopeo to push and pull it.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import tar from 'tar-stream';

export interface LayerEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink';
  data?: Buffer;
  linkname?: string;
  mode?: number;
}

export interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  bytes: Buffer;
}

export interface OciImage {
  dir: string;
  tag: string;
  manifest: Blob;
  config: Blob;
  layers: Blob[];
}

const MTIME = new Date('2024-01-01T00:00:00Z');

export const sha256 = (data: Buffer | string) => `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;

/** A tar of `entries`, with fixed times so the same entries give the same digest. */
export async function tarOf(entries: LayerEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const header = { name: e.name, type, mtime: MTIME, uid: 0, gid: 0, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644) };
    if (type === 'symlink') pack.entry({ ...header, linkname: e.linkname! });
    else if (type === 'directory') pack.entry(header);
    else pack.entry({ ...header, size: e.data!.length }, e.data!);
  }
  pack.finalize();
  return done;
}

export function busyboxLayerEntries(): LayerEntry[] {
  return [
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', data: fs.readFileSync('/bin/busybox'), mode: 0o755 },
    { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', data: Buffer.from('NAME="skerry test"\nID=skerry\n') },
  ];
}

function blob(mediaType: string, bytes: Buffer): Blob {
  return { mediaType, digest: sha256(bytes), size: bytes.length, bytes };
}

/** Writes an OCI image layout at `dir` holding one image tagged `tag`, from gzip'd layers. */
export async function writeOciLayout(dir: string, tag: string, layerEntries: LayerEntry[][]): Promise<OciImage> {
  const tars = await Promise.all(layerEntries.map(tarOf));
  // gzip'd layers stay as they are on push: skopeo compresses plain ones, changing digests.
  const layers = tars.map((t) => blob('application/vnd.oci.image.layer.v1.tar+gzip', zlib.gzipSync(t, { level: 6 })));
  const config = blob('application/vnd.oci.image.config.v1+json', Buffer.from(JSON.stringify({
    created: MTIME.toISOString(), architecture: 'amd64', os: 'linux',
    config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh'], Labels: { tag } },
    rootfs: { type: 'layers', diff_ids: tars.map((t) => sha256(t)) },
  })));
  const manifest = blob('application/vnd.oci.image.manifest.v1+json', Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: descriptor(config), layers: layers.map(descriptor),
  })));
  for (const b of [...layers, config, manifest]) {
    fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'blobs', 'sha256', b.digest.slice(7)), b.bytes);
  }
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const index = { schemaVersion: 2, manifests: [{ ...descriptor(manifest), annotations: { 'org.opencontainers.image.ref.name': tag } }] };
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index));
  return { dir, tag, manifest, config, layers };
}

export function descriptor(b: Blob): { mediaType: string; digest: string; size: number } {
  return { mediaType: b.mediaType, digest: b.digest, size: b.size };
}

/** Reads blob `digest` of the OCI layout at `dir`. */
export function layoutBlob(dir: string, digest: string): Buffer {
  return fs.readFileSync(path.join(dir, 'blobs', digest.replace(':', '/')));
}

export interface SkopeoResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs Debian's skopeo. Its blob-info cache (which remembers where a blob was seen, and so
 * drives cross-repository mounts) lives in /var/lib/containers for root: the run gets a
 * private mount namespace with `stateDir` bound over /var/lib, so nothing outside the
 * test's temp dirs is written and the cache lasts exactly as long as the test.
 */
export function skopeo(args: string[], stateDir: string): Promise<SkopeoResult> {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot
    ? ['unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$0" /var/lib && exec skopeo --insecure-policy "$@"', stateDir, ...args]]
    : ['skopeo', ['--insecure-policy', ...args]];
  const env = asRoot ? process.env : { ...process.env, XDG_DATA_HOME: stateDir, HOME: stateDir };
  return new Promise((resolve) => {
    execFile(file, argv as string[], { env, timeout: 120_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
