// Where a pod's things live, and its state file. Volatile things (namespace files, bundles,
// rendered configMap/secret volumes) go under the pods root in /run: a reboot clears them
// and they are made again. What must outlive a reboot (restart counts, last states, disk
// emptyDirs, logs) goes under the data dir.
import fs from 'node:fs';
import path from 'node:path';
import type { PodRecord } from './types.ts';

export interface PodPaths {
  /** <podsRoot>/<uid>: ns/, bundles/, volumes/ (volatile). */
  run: string;
  /** <dataDir>/pod-state/<uid>: state.json and disk-backed emptyDirs. */
  state: string;
  /** <dataDir>/pods/<ns>_<name>_<uid>: <container>/<restartCount>.log. */
  logs: string;
}

const UID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function podPaths(roots: { podsRoot: string; dataDir: string }, pod: { namespace: string; name: string; uid: string }): PodPaths {
  // The uid names directories; the API makes uuids, but the view is input all the same.
  if (!UID.test(pod.uid)) throw new Error(`pod ${pod.namespace}/${pod.name} has an unusable uid ${JSON.stringify(pod.uid)}`);
  return {
    run: path.join(roots.podsRoot, pod.uid),
    state: path.join(roots.dataDir, 'pod-state', pod.uid),
    logs: path.join(roots.dataDir, 'pods', `${pod.namespace}_${pod.name}_${pod.uid}`),
  };
}

export function logPathOf(paths: PodPaths, container: string, restartCount: number): string {
  return path.join(paths.logs, container, `${restartCount}.log`);
}

/** The uids that have a state dir: pods this node ran, maybe before a restart or reboot. */
export function listRecordedUids(dataDir: string): string[] {
  try {
    return fs.readdirSync(path.join(dataDir, 'pod-state')).filter((n) => UID.test(n));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export function readPodRecord(paths: PodPaths): PodRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(path.join(paths.state, 'state.json'), 'utf8')) as PodRecord;
    return record.version === 1 ? record : undefined;
  } catch {
    // Missing, or torn by a crash before the rename: the runtime's records still say what runs.
    return undefined;
  }
}

/** Written to a temp file and renamed, so a crash leaves the old state or the new one. */
export function writePodRecord(paths: PodPaths, record: PodRecord): void {
  fs.mkdirSync(paths.state, { recursive: true, mode: 0o700 });
  const temp = path.join(paths.state, 'state.json.tmp');
  fs.writeFileSync(temp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  fs.renameSync(temp, path.join(paths.state, 'state.json'));
}

export function newPodRecord(pod: { namespace: string; name: string; uid: string }, now: string): PodRecord {
  return { version: 1, uid: pod.uid, namespace: pod.namespace, name: pod.name, seenAt: now, conditions: {}, init: {}, app: {} };
}
