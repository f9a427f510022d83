// The C heap of the long-running verbs (server, agent); why and what it saves: ADR 013.
import { execSelf } from '../../native/index.ts';

/** glibc's default is 8 arenas per core; with 2 the server kept ≈50 MiB less with 10 agents. */
export const MALLOC_ARENAS = '2';

/** The verbs that run for days; the short ones (get, apply, …) are not worth an exec. */
const DAEMON_VERBS = new Set(['server', 'agent']);

/**
 * Whether a process with these arguments and environment should exec itself to get
 * MALLOC_ARENA_MAX: glibc reads it only at exec. One already set wins, so an operator can
 * still choose; help output is not worth an exec. (Under musl the variable means nothing and
 * the one exec is wasted; the addon is built against glibc here.)
 */
export function needsArenaLimit(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (env.MALLOC_ARENA_MAX !== undefined && env.MALLOC_ARENA_MAX !== '') return false;
  const [verb, ...rest] = argv;
  return verb !== undefined && DAEMON_VERBS.has(verb) && !rest.some((a) => a === '--help' || a === '-h');
}

/**
 * Execs this process again (same pid, stdio, Node flags and arguments) with MALLOC_ARENA_MAX
 * set, when needsArenaLimit says so. A failed exec costs memory, not function: it is written
 * to stderr (the logger is not up yet) and the verb goes on.
 */
export function ensureMallocArenaLimit(): void {
  if (!needsArenaLimit(process.argv.slice(2), process.env)) return;
  try {
    execSelf(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], { ...process.env, MALLOC_ARENA_MAX: MALLOC_ARENAS });
  } catch (error) {
    process.stderr.write(`skerry: could not exec again with MALLOC_ARENA_MAX=${MALLOC_ARENAS} (${(error as Error).message}); going on with more memory\n`);
  }
}
