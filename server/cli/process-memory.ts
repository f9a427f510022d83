// The C heap of the long-running verbs (server, agent); why and what it saves: ADR 013.
import { setMallocMmapThreshold } from '../../native/index.ts';

/**
 * Blocks of this size and up are mmapped and go back to the kernel when freed. Above the 1 MiB
 * buffers of image pulls and layer unpacking, so those keep reusing arena memory; below the
 * 16 MiB of a node password's scrypt, which glibc's moving threshold otherwise kept resident.
 */
export const MMAP_THRESHOLD_BYTES = 4 * 1024 * 1024;

/** The verbs that run for days; a short one (get, apply, …) exits before it matters. */
const DAEMON_VERBS = new Set(['server', 'agent']);

export function isDaemonVerb(argv: readonly string[]): boolean {
  const [verb, ...rest] = argv;
  return verb !== undefined && DAEMON_VERBS.has(verb) && !rest.some((a) => a === '--help' || a === '-h');
}

/**
 * Fixes the C heap's mmap threshold for a daemon verb. A failure costs memory, not function:
 * it is written to stderr (the logger is not up yet) and the verb goes on.
 */
export function limitHeapRetention(argv: readonly string[] = process.argv.slice(2)): void {
  if (!isDaemonVerb(argv)) return;
  try {
    setMallocMmapThreshold(MMAP_THRESHOLD_BYTES);
  } catch (error) {
    process.stderr.write(`skerry: could not fix the C heap's mmap threshold (${(error as Error).message}); going on with more memory\n`);
  }
}
