// Programs a plan into table `inet skerry-policy`: the difference from the previous plan as one
// nft transaction, then the tracked connections the new plan refuses are cut. Should the
// kernel's table no longer be what `previous` says (someone flushed it), the difference
// cannot apply; the table is then made anew from the plan and the fallback is reported.
import { componentLogger } from '../../common/index.ts';
import { findTool } from '../host/index.ts';
import { cutRefusedConnections } from './conntrack.ts';
import { runNft } from './nft.ts';
import { renderPlan } from './render.ts';
import { deleteScript, diffScript, fullScript } from './transaction.ts';
import type { PolicyPlan } from './types.ts';

const log = componentLogger('network-policy');

export interface ApplyOptions {
  /** A network namespace file (e.g. /run/netns/NAME) to program instead of the current namespace. */
  netns?: string;
}

export interface ApplyResult {
  /** 'full' when the table was made anew, 'incremental' when only differences were sent. */
  mode: 'full' | 'incremental';
  /** Lines of the nft transaction; 0 when nothing changed (and nft was not run). */
  commands: number;
  /** Conntrack entries deleted because the new plan refuses their connections (finished ones matching the same filter included). */
  cutConnections: number;
  /** Why an incremental update failed and the table was made anew instead. */
  fallback?: string;
  /** Why refused connections could not be cut; the plan is in force for new connections all the same. */
  cutFailed?: string;
}

async function program(previous: PolicyPlan | undefined, next: PolicyPlan, netns: string | undefined): Promise<Omit<ApplyResult, 'cutConnections'>> {
  const state = renderPlan(next);
  if (!previous) {
    const script = fullScript(state);
    await runNft(netns, script.join('\n'));
    return { mode: 'full', commands: script.length };
  }
  const script = diffScript(renderPlan(previous), state);
  if (script.length === 0) return { mode: 'incremental', commands: 0 };
  try {
    await runNft(netns, script.join('\n'));
    return { mode: 'incremental', commands: script.length };
  } catch (error) {
    const fallback = error instanceof Error ? error.message : String(error);
    log.warn({ netns, err: fallback }, 'incremental NetworkPolicy update failed; rebuilding the table');
    const full = fullScript(state);
    await runNft(netns, full.join('\n'));
    return { mode: 'full', commands: full.length, fallback };
  }
}

async function cut(previous: PolicyPlan | undefined, next: PolicyPlan, netns: string | undefined): Promise<Pick<ApplyResult, 'cutConnections' | 'cutFailed'>> {
  try {
    if (!findTool('conntrack')) throw new Error('conntrack is not installed (Debian package conntrack)');
    return { cutConnections: await cutRefusedConnections(netns, previous, next) };
  } catch (error) {
    // The new rules are in force; only connections opened before them may keep flowing until they end.
    const cutFailed = error instanceof Error ? error.message : String(error);
    log.warn({ netns, err: cutFailed }, 'could not cut the connections a narrowed NetworkPolicy refuses');
    return { cutConnections: 0, cutFailed };
  }
}

/**
 * Makes the kernel enforce `next`. `previous` is the plan applied last (undefined at start:
 * the table is then replaced whole). Rejects when nft refuses the plan; the kernel then keeps
 * what it had, since a transaction applies entirely or not at all.
 */
export async function applyPolicy(previous: PolicyPlan | undefined, next: PolicyPlan, options: ApplyOptions = {}): Promise<ApplyResult> {
  const started = performance.now();
  const programmed = await program(previous, next, options.netns);
  // After a rebuild nobody knows what the table let in before: every isolated pod is checked.
  const result: ApplyResult = { ...programmed, ...(await cut(programmed.fallback ? undefined : previous, next, options.netns)) };
  log.debug({ netns: options.netns, ...result, ms: Math.round(performance.now() - started) }, 'NetworkPolicy applied');
  return result;
}

/** Removes table `inet skerry-policy` (every pod unisolated); nothing when there is none. */
export async function deletePolicyTable(options: ApplyOptions = {}): Promise<void> {
  await runNft(options.netns, deleteScript().join('\n'));
}
