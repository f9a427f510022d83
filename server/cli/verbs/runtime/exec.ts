import { SkerryError } from '../../../../common/index.ts';
import { readSpec, type ExecProcess } from '../../../../native/index.ts';
import { parseFlags } from '../../verb.ts';
import { mustOpen, RUNTIME_FLAGS, type SubVerb } from './common.ts';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

const nameOf = (entry: string) => entry.slice(0, entry.indexOf('='));

/** The spec's env with each --env NAME=value added, replacing an entry of the same name. */
export function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  for (const entry of extra) if (entry.indexOf('=') < 1) throw new SkerryError('USAGE', `--env ${JSON.stringify(entry)} must look like NAME=value`, { field: 'env' });
  const replaced = new Set(extra.map(nameOf));
  return [...base.filter((e) => !replaced.has(nameOf(e))), ...extra];
}

/** UID[:GID]; without GID the spec's gid stays, as with `runc exec --user`. */
export function parseUser(text: string, specGid: number): NonNullable<ExecProcess['user']> {
  const m = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!m) throw new SkerryError('USAGE', `--user ${JSON.stringify(text)} must be UID or UID:GID (numbers)`, { field: 'user' });
  return { uid: Number(m[1]), gid: m[2] === undefined ? specGid : Number(m[2]), additionalGids: [] };
}

/**
 * Like `crun exec`: runs CMD in the container's namespaces and cgroups with its security
 * settings, sharing our stdin, stdout and stderr; signals sent to us go to it, and we exit
 * with its code (128+signal if killed).
 */
async function run(args: string[]): Promise<number> {
  const flags = { ...RUNTIME_FLAGS, env: { type: 'string', short: 'e', multiple: true }, cwd: { type: 'string' }, user: { type: 'string', short: 'u' } } as const;
  const { values, positionals } = parseFlags(args, flags, true);
  if (values.help) return process.stdout.write(usage), 0;
  const [id, ...command] = positionals;
  if (id === undefined || command.length === 0) throw new SkerryError('USAGE', 'expected ID -- CMD [ARGS...]');
  const container = mustOpen(id, values.root);
  const spec = readSpec(container.record.bundle).process;
  const proc: ExecProcess = { args: command, env: mergeEnv(spec.env, values.env ?? []) };
  if (values.cwd !== undefined) proc.cwd = values.cwd;
  if (values.user !== undefined) proc.user = parseUser(values.user, spec.user.gid);
  const started = await container.exec(proc);
  let done = false;
  const forward = (signal: NodeJS.Signals) => {
    try {
      if (!done) process.kill(started.pid, signal);
    } catch {
      // it exited between the signal and now; its exit is about to be reported
    }
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  try {
    return (await started.exited).exitCode;
  } finally {
    done = true;
    for (const signal of FORWARDED) process.off(signal, forward);
  }
}

const usage = `Usage: skerry runtime exec [--root DIR] [--env NAME=VALUE]... [--cwd DIR] [--user UID[:GID]] ID -- CMD [ARGS...]

Runs CMD inside running container ID: in all its namespaces and cgroups, with its
capabilities, no_new_privs, seccomp filter and rlimits. CMD shares our stdin, stdout and
stderr, and skerry exits with its exit code (128+signal if killed).

  --env, -e NAME=VALUE  add to (or replace in) the spec's environment; repeatable
  --cwd DIR             working directory inside the container (default: the spec's)
  --user, -u UID[:GID]  run as UID (and GID; default: the spec's gid), with no additional gids
`;

export const execVerb: SubVerb = { name: 'exec', summary: 'run a process inside a running container', usage, run };
