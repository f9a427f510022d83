/**
 * The scheduler's assume cache for claims (kube's AssumeCache): the node chosen for a claim's
 * first consumer is seen by the next decisions at once, before the selected-node annotation is
 * written and watched back, so two pods sharing a new claim cannot go to different nodes.
 */
import { SELECTED_NODE, type KubeObject } from '../api/index.ts';

export interface ClaimAssumptions {
  assume(claim: KubeObject, node: string): void;
  forget(claim: KubeObject): void;
  /** Drops an assumption once the watched claim carries a choice or is bound (or went away). */
  observe(claim: KubeObject | undefined, old: KubeObject | undefined): void;
  /** The cached claim, with the assumed annotation if its own is not there yet. */
  apply(claim: KubeObject | undefined): KubeObject | undefined;
}

const settled = (claim: KubeObject) => Boolean(claim.metadata.annotations?.[SELECTED_NODE] || (claim.spec as { volumeName?: string } | undefined)?.volumeName);

export function createClaimAssumptions(): ClaimAssumptions {
  const assumed = new Map<string, string>();
  return {
    assume: (claim, node) => void assumed.set(claim.metadata.uid ?? '', node),
    forget: (claim) => void assumed.delete(claim.metadata.uid ?? ''),
    observe(claim, old) {
      if (!claim) assumed.delete(old?.metadata.uid ?? '');
      else if (settled(claim)) assumed.delete(claim.metadata.uid ?? '');
    },
    apply(claim) {
      const node = claim && assumed.get(claim.metadata.uid ?? '');
      if (!claim || !node || settled(claim)) return claim;
      return { ...claim, metadata: { ...claim.metadata, annotations: { ...(claim.metadata.annotations ?? {}), [SELECTED_NODE]: node } } };
    },
  };
}
