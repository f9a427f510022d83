// Programs `inet skerry` in the node's (or the given) network namespace: the whole table the
// first time, afterwards only the delta from the state last applied. When a delta fails the
// caller cannot know what the kernel holds: it should apply again with `previous` undefined,
// which rebuilds the table atomically.
import type { ServiceRules } from './compile.ts';
import { TABLE } from './plan.ts';
import { runNft } from './nft.ts';
import { deltaScript, fullScript } from './script.ts';

export interface NetnsOption {
  /** A network namespace file (e.g. /run/netns/NAME); default: the caller's own namespace. */
  netns?: string;
}

export interface ApplyResult {
  /** True when the whole table was replaced. */
  full: boolean;
  /** nft commands sent; 0 when nothing changed (and nft was not run). */
  commands: number;
}

/** Makes the kernel hold `next`: one nft transaction, the whole table when `previous` is undefined, else the delta. */
export async function applyServices(previous: ServiceRules | undefined, next: ServiceRules, options: NetnsOption = {}): Promise<ApplyResult> {
  const script = previous ? deltaScript(previous, next) : fullScript(next);
  if (script.length > 0) await runNft(script, options.netns);
  return { full: !previous, commands: script.length };
}

/** Deletes `inet skerry` (no error when it is not there). */
export async function removeServices(options: NetnsOption = {}): Promise<void> {
  await runNft([`add table ${TABLE}`, `delete table ${TABLE}`], options.netns);
}
