// The files of configMap, secret, downwardAPI and projected volumes, computed from the
// node's view (pure): all keys, or the listed items with their paths and modes; a missing
// object or key that is not optional fails the mount with the kubelet's message.
import { MountError } from '../spec/errors.ts';
import type { ObjectSource } from '../spec/env.ts';
import { fieldValue, type NodeFacts } from '../spec/fields.ts';
import type { DownwardFile, KeyData, KeyToPath, Pod, Volume } from '../types.ts';

export interface VolumeFile {
  /** Relative path inside the volume ("key" or "dir/key"). */
  path: string;
  data: Buffer;
  mode: number;
}

const DEFAULT_MODE = 0o644;

interface KeySource {
  kind: 'configMap' | 'secret';
  name: string;
  items?: KeyToPath[];
  optional?: boolean;
}

function keyFiles(volume: string, pod: Pod, objects: ObjectSource, source: KeySource, defaultMode: number): VolumeFile[] {
  const ns = pod.metadata.namespace;
  const data: KeyData | undefined = source.kind === 'configMap' ? objects.configMap(ns, source.name) : objects.secret(ns, source.name);
  if (!data) {
    if (source.optional) return [];
    throw new MountError(volume, `${source.kind === 'configMap' ? 'configmap' : 'secret'} "${source.name}" not found`);
  }
  if (!source.items?.length) return Object.keys(data).sort().map((key) => ({ path: key, data: data[key]!, mode: defaultMode }));
  const files: VolumeFile[] = [];
  for (const item of source.items) {
    const value = data[item.key];
    if (value === undefined) {
      if (source.optional) continue;
      throw new MountError(volume, source.kind === 'configMap' ? `configmap references non-existent config key: ${item.key}` : `references non-existent secret key: ${item.key}`);
    }
    files.push({ path: item.path, data: value, mode: item.mode ?? defaultMode });
  }
  return files;
}

function downwardFiles(volume: string, pod: Pod, items: DownwardFile[] | undefined, facts: NodeFacts, defaultMode: number): VolumeFile[] {
  return (items ?? []).map((item) => {
    if (!item.fieldRef) throw new MountError(volume, `downwardAPI item ${item.path}: only fieldRef is supported by skerry yet`);
    try {
      return { path: item.path, data: Buffer.from(fieldValue(pod, item.fieldRef.fieldPath, facts)), mode: item.mode ?? defaultMode };
    } catch (error) {
      throw new MountError(volume, (error as Error).message);
    }
  });
}

function projectedFiles(volume: Volume, pod: Pod, objects: ObjectSource, facts: NodeFacts): VolumeFile[] {
  const mode = volume.projected!.defaultMode ?? DEFAULT_MODE;
  return (volume.projected!.sources ?? []).flatMap((source) => {
    if (source.configMap) return keyFiles(volume.name, pod, objects, { kind: 'configMap', name: source.configMap.name ?? '', items: source.configMap.items, optional: source.configMap.optional }, mode);
    if (source.secret) return keyFiles(volume.name, pod, objects, { kind: 'secret', name: source.secret.name ?? '', items: source.secret.items, optional: source.secret.optional }, mode);
    if (source.downwardAPI) return downwardFiles(volume.name, pod, source.downwardAPI.items, facts, mode);
    // serviceAccountToken and clusterTrustBundle sources come with the API access of pods.
    return [];
  });
}

/** The files of a volume made from objects, or undefined for other volume types. */
export function volumeFiles(volume: Volume, pod: Pod, objects: ObjectSource, facts: NodeFacts): VolumeFile[] | undefined {
  if (volume.configMap) {
    const c = volume.configMap;
    return keyFiles(volume.name, pod, objects, { kind: 'configMap', name: c.name ?? '', items: c.items, optional: c.optional }, c.defaultMode ?? DEFAULT_MODE);
  }
  if (volume.secret) {
    const s = volume.secret;
    return keyFiles(volume.name, pod, objects, { kind: 'secret', name: s.secretName ?? '', items: s.items, optional: s.optional }, s.defaultMode ?? DEFAULT_MODE);
  }
  if (volume.downwardAPI) return downwardFiles(volume.name, pod, volume.downwardAPI.items, facts, volume.downwardAPI.defaultMode ?? DEFAULT_MODE);
  if (volume.projected) return projectedFiles(volume, pod, objects, facts);
  return undefined;
}
