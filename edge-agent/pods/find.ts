// findContainer: which container (and log file) `kubectl logs`/`exec` mean for a pod's
// container name — the newest attempt, or with `previous` the one before it, whose log is
// <restartCount - 1>.log, as the kubelet resolves --previous.
import type { FindResult } from './index.ts';
import { logPathOf } from './record.ts';
import type { PodWorker } from './worker.ts';

type Findable = Pick<PodWorker, 'pod' | 'lastSpec' | 'slots' | 'paths'>;

export function findContainer(workers: Iterable<Findable>, namespace: string, pod: string, container: string, previous = false): FindResult | undefined {
  const candidates = [...workers].filter((w) => w.lastSpec.metadata.namespace === namespace && w.lastSpec.metadata.name === pod);
  // A pod replaced under the same name: the one in the view, not the one still stopping.
  const w = candidates.find((c) => c.pod) ?? candidates[0];
  const slot = w && (w.slots.get(`app:${container}`) ?? w.slots.get(`init:${container}`));
  if (!w || !slot?.record.containerId) return undefined;
  const count = slot.record.restartCount;
  if (previous) return count > 0 ? { logPath: logPathOf(w.paths, container, count - 1) } : undefined;
  return { logPath: logPathOf(w.paths, container, count), ...(slot.handle && { container: slot.handle }) };
}
