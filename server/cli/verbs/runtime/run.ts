import path from 'node:path';
import { runContainer } from '../../../../native/index.ts';
import { parseFlags } from '../../verb.ts';
import { containerIdFrom, RUNTIME_FLAGS, type SubVerb } from './common.ts';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/**
 * Like `crun run`: the container shares our stdin, stdout and stderr, signals sent to us go
 * to it, and we exit with its code once it is gone and deleted. With --detach it keeps
 * running, logging to --log (CRI format) or <state dir>/container.log.
 */
async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...RUNTIME_FLAGS, bundle: { type: 'string', short: 'b' }, detach: { type: 'boolean', short: 'd' }, log: { type: 'string' } }, true);
  if (values.help) return process.stdout.write(usage), 0;
  const id = containerIdFrom(positionals);
  const root = values.root as string | undefined;
  const bundle = path.resolve((values.bundle as string | undefined) ?? '.');
  const detach = values.detach === true;
  const logPath = detach ? path.resolve((values.log as string | undefined) ?? path.join(root ?? '/run/skerry/runtime', id, 'container.log')) : undefined;
  const container = await runContainer({ id, bundle, root, logPath });
  if (detach) return 0;
  const forward = (signal: NodeJS.Signals) => container.running() && container.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  const exit = await container.wait();
  for (const signal of FORWARDED) process.off(signal, forward);
  await container.delete();
  return exit.exitCode ?? 255;
}

const usage = `Usage: skerry runtime run [--bundle DIR] [--root DIR] [--detach [--log FILE]] ID

Runs the OCI bundle in DIR (default: the current directory) as container ID, in the
foreground like \`crun run\`, and exits with the container's exit code (128+signal if killed).
`;

export const runVerb: SubVerb = { name: 'run', summary: 'run a bundle in the foreground (or --detach)', usage, run };
