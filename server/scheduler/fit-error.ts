/**
 * The FailedScheduling message as kube-scheduler's FitError renders it: a sorted histogram of
 * the nodes' reasons, then the preemption attempt's own verdict per node. skerry does not preempt
 * (pods share one priority), so a node rejected for a resolvable reason reports that no victims
 * were found, and the others that preemption would not help. The final ".." is kube's too: the
 * preemption message ends in "." and is wrapped in the same " %v." separator.
 */
import type { FilterStatus } from './filters.ts';
import type { PreFilterFailure } from './volumes.ts';

const NOT_HELPFUL = 'Preemption is not helpful for scheduling';
const NO_VICTIMS = 'No preemption victims found for incoming pod';

/** Go's sort.Strings over "<count> <reason>": byte order, so "10 x" sorts before "2 y". */
function histogram(reasons: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => `${count} ${reason}`).sort().join(', ');
}

function available(total: number, detail: string): string {
  return `0/${total} nodes are available:${detail ? ` ${detail}.` : ''}`;
}

export function fitErrorMessage(total: number, failures: readonly FilterStatus[], preFilter?: PreFilterFailure): string {
  const detail = preFilter ? preFilter.message : histogram(failures.flatMap((f) => f.reasons));
  const verdicts = preFilter
    ? Array.from({ length: total }, () => (preFilter.resolvable ? NO_VICTIMS : NOT_HELPFUL))
    : failures.map((f) => (f.resolvable ? NO_VICTIMS : NOT_HELPFUL));
  return `${available(total, detail)} preemption: ${available(total, histogram(verdicts))}.`;
}

export const NO_NODES_MESSAGE = 'no nodes available to schedule pods';
