// The process a container runs: Kubernetes' command/args over the image's Entrypoint/Cmd
// (containerd's rules, after Docker's), with $(VAR) expanded in command and args only.
import { expand } from './expansion.ts';
import { PodError } from './errors.ts';

export interface ImageProcess {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
}

/**
 * command and args given: command + args; command alone: command (the image's Cmd is
 * dropped); args alone: the image's Entrypoint + args; neither: Entrypoint + Cmd. An
 * Entrypoint of [""] means none (Docker's way to clear it).
 */
export function processArgs(container: { command?: string[]; args?: string[] }, image: ImageProcess, env: ReadonlyMap<string, string>): string[] {
  let command = (container.command ?? []).map((c) => expand(c, env));
  let args = (container.args ?? []).map((a) => expand(a, env));
  if (command.length === 0) {
    if (args.length === 0) args = [...(image.Cmd ?? [])];
    const entrypoint = image.Entrypoint ?? [];
    command = entrypoint.length === 1 && entrypoint[0] === '' ? [] : [...entrypoint];
  }
  const argv = [...command, ...args];
  if (argv.length === 0) throw new PodError('CreateContainerError', 'no command specified');
  return argv;
}
