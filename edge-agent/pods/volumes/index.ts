// A pod's volumes on the host, and their bind mounts into a container. emptyDir on disk
// lives under the data dir (it outlives agent restarts and reboots, as the kubelet's does);
// medium Memory is a tmpfs; configMap/secret/downwardAPI/projected are rendered under the
// pods root with the atomic writer on every sync, so a changed object shows up in place.
import fs from 'node:fs';
import path from 'node:path';
import { runChildSteps, type OciMount } from '../../../native/index.ts';
import { hasOwnFilesystem } from '../host/mounts.ts';
import type { PodPaths } from '../record.ts';
import type { ObjectSource } from '../spec/env.ts';
import { MountError, PodError } from '../spec/errors.ts';
import { expand } from '../spec/expansion.ts';
import type { NodeFacts } from '../spec/fields.ts';
import { quantityValue } from '../spec/resources.ts';
import type { KubeContainer, Pod, Volume } from '../types.ts';
import { writeAtomically } from './atomic-writer.ts';
import { volumeFiles } from './projection.ts';

export interface PreparedVolume {
  hostPath: string;
  /** Object volumes are read-only in the container whatever the mount says. */
  readOnly: boolean;
}

const KIND_DIR: Record<string, string> = { configMap: 'configmap', secret: 'secret', downwardAPI: 'downward-api', projected: 'projected' };

function emptyDir(volume: Volume, paths: PodPaths): string {
  if (volume.emptyDir!.medium === 'Memory') {
    const dir = path.join(paths.run, 'volumes', 'empty-dir', volume.name);
    fs.mkdirSync(dir, { recursive: true, mode: 0o777 });
    if (!hasOwnFilesystem(dir)) {
      const size = quantityValue(volume.emptyDir!.sizeLimit);
      const data = `mode=1777${size ? `,size=${Math.ceil(size)}` : ''}`;
      runChildSteps([{ kind: 'mount', label: `mount tmpfs on ${dir}`, source: 'tmpfs', target: dir, fstype: 'tmpfs', flags: 0, data }]);
    }
    return dir;
  }
  const dir = path.join(paths.state, 'empty-dir', volume.name);
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o777);
  return dir;
}

const TYPE_CHECKS: Record<string, [(s: fs.Stats) => boolean, string]> = {
  Directory: [(s) => s.isDirectory(), 'is not a directory'],
  File: [(s) => s.isFile(), 'is not a file'],
  Socket: [(s) => s.isSocket(), 'is not a socket file'],
  CharDevice: [(s) => s.isCharacterDevice(), 'is not a character device'],
  BlockDevice: [(s) => s.isBlockDevice(), 'is not a block device'],
};

function hostPath(volume: Volume): string {
  const { path: p, type = '' } = volume.hostPath!;
  if (!path.isAbsolute(p)) throw new MountError(volume.name, `hostPath ${JSON.stringify(p)} must be absolute`);
  if (type === 'DirectoryOrCreate' && !fs.existsSync(p)) fs.mkdirSync(p, { recursive: true, mode: 0o755 });
  if (type === 'FileOrCreate' && !fs.existsSync(p)) fs.writeFileSync(p, '', { mode: 0o644 });
  const check = TYPE_CHECKS[type.replace(/OrCreate$/, '')];
  if (check) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(p);
    } catch {
      stat = undefined;
    }
    if (!stat || !check[0](stat)) throw new MountError(volume.name, `hostPath type check failed: ${p} ${check[1]}`);
  } else if (type !== '') throw new MountError(volume.name, `hostPath type ${JSON.stringify(type)} is not known`);
  return p;
}

function setUpOne(volume: Volume, pod: Pod, paths: PodPaths, objects: ObjectSource, facts: NodeFacts, claims: ReadonlyMap<string, string>): PreparedVolume {
  const claimed = claims.get(volume.name);
  if (volume.persistentVolumeClaim) {
    if (!claimed) throw new MountError(volume.name, `persistentvolumeclaim "${volume.persistentVolumeClaim.claimName}" is not mounted on this node`);
    return { hostPath: claimed, readOnly: volume.persistentVolumeClaim.readOnly === true };
  }
  if (volume.emptyDir) return { hostPath: emptyDir(volume, paths), readOnly: false };
  if (volume.hostPath) return { hostPath: hostPath(volume), readOnly: false };
  const files = volumeFiles(volume, pod, objects, facts);
  const kind = Object.keys(KIND_DIR).find((k) => volume[k] !== undefined);
  if (!files || !kind) {
    const type = Object.keys(volume).find((k) => k !== 'name') ?? 'unknown';
    throw new MountError(volume.name, `volume type ${type} is not supported by skerry yet`);
  }
  const dir = path.join(paths.run, 'volumes', KIND_DIR[kind]!, volume.name);
  writeAtomically(dir, files);
  return { hostPath: dir, readOnly: true };
}

/**
 * Sets up (or refreshes) every volume of the pod; the first that fails throws a MountError.
 * `claims` holds the host directories of its persistentVolumeClaim volumes, mounted already.
 */
export function setUpVolumes(pod: Pod, paths: PodPaths, objects: ObjectSource, facts: NodeFacts, claims: ReadonlyMap<string, string> = new Map()): Map<string, PreparedVolume> {
  const prepared = new Map<string, PreparedVolume>();
  for (const volume of pod.spec.volumes ?? []) {
    try {
      prepared.set(volume.name, setUpOne(volume, pod, paths, objects, facts, claims));
    } catch (error) {
      // A host failure (a tmpfs refused, a full disk) is a mount failure of that volume too.
      throw error instanceof MountError ? error : new MountError(volume.name, (error as Error).message);
    }
  }
  return prepared;
}

/**
 * The host path a subPath names, inside the volume: no absolute path or '..', and after
 * resolving symlinks (a configMap key is one) still inside the volume. A container could
 * swap a component for a symlink afterwards; the bind is made by the runtime right away.
 */
function subPathSource(volume: PreparedVolume, subPath: string, container: string): string {
  const parts = subPath.split('/');
  if (path.isAbsolute(subPath) || parts.includes('..')) throw new PodError('CreateContainerConfigError', `subPath ${JSON.stringify(subPath)} of container ${container} must be a relative path without '..'`);
  const joined = path.join(volume.hostPath, subPath);
  if (!fs.existsSync(joined) && !volume.readOnly) fs.mkdirSync(joined, { recursive: true, mode: 0o755 });
  const real = fs.realpathSync(joined);
  const base = fs.realpathSync(volume.hostPath);
  if (real !== base && !real.startsWith(`${base}/`)) throw new PodError('CreateContainerConfigError', `subPath ${JSON.stringify(subPath)} of container ${container} leaves its volume`);
  return real;
}

/** The container's volumeMounts as OCI bind mounts. */
export function volumeMounts(container: KubeContainer, volumes: ReadonlyMap<string, PreparedVolume>, env: ReadonlyMap<string, string>): OciMount[] {
  return (container.volumeMounts ?? []).map((m) => {
    const volume = volumes.get(m.name);
    if (!volume) throw new PodError('CreateContainerConfigError', `cannot find volume "${m.name}" to mount into container "${container.name}"`);
    const subPath = m.subPath || (m.subPathExpr ? expand(m.subPathExpr, env) : '');
    const source = subPath ? subPathSource(volume, subPath, container.name) : volume.hostPath;
    const readOnly = m.readOnly === true || volume.readOnly;
    return { destination: m.mountPath, type: 'bind', source, options: ['rbind', 'rprivate', ...(readOnly ? ['ro'] : [])] };
  });
}
