// One small handler per Dockerfile instruction, behind a table. Handlers throw
// BUILD_INVALID with the reason; the runner puts file:line in front. Instructions that
// would need to run something, fetch something or a second stage are refused with why.
import path from 'node:path';
import { isSkerryError, oci, SkerryError } from '../../../common/index.ts';
import { asOciLayer, loadBase } from './base.ts';
import { addLayer, copyInstruction, kindInImage } from './copy.ts';
import { directoryEntries } from './entries.ts';
import { jsonForm } from './parse.ts';
import { envOf, setEnv, workdirOf, type BuildState } from './state.ts';
import { expandWord, expandWords, keyValues, splitWords } from './words.ts';

type Handler = (state: BuildState, args: string) => void | Promise<void>;

export const SUPPORTED = ['FROM', 'COPY', 'ENV', 'ENTRYPOINT', 'CMD', 'WORKDIR', 'USER', 'EXPOSE', 'LABEL', 'STOPSIGNAL'];

function refuse(detail: string): SkerryError {
  return new SkerryError('BUILD_INVALID', detail);
}

function single(state: BuildState, args: string, what: string): string {
  const words = expandWords(args, envOf(state), state.escape);
  if (words.length !== 1 || !words[0]) throw refuse(`${what} takes exactly one value (got ${JSON.stringify(args)})`);
  return words[0];
}

function from(state: BuildState, args: string): void {
  if (state.from) throw refuse('a second FROM starts a multi-stage build, which skerry images build does not do');
  const words = splitWords(args, state.escape);
  if (words.some((w) => w.startsWith('--'))) throw refuse(`FROM options (${words.filter((w) => w.startsWith('--')).join(' ')}) are not supported`);
  const [image, as, stage, ...extra] = words;
  if (!image || (as !== undefined && (as.toUpperCase() !== 'AS' || !stage)) || extra.length) throw refuse('FROM takes an image (or scratch), optionally followed by AS NAME');
  if (image === 'scratch') {
    state.from = 'scratch';
    return;
  }
  try {
    const base = loadBase(state.store, image);
    state.from = base;
    state.platform = { os: base.config.os, architecture: base.config.architecture, ...(base.config.variant && { variant: base.config.variant }) };
    state.run = { ...(base.config.config ?? {}) } as BuildState['run'];
    state.layers = base.manifest.layers.map(asOciLayer);
    state.diffIds = [...base.config.rootfs.diff_ids];
    state.history = Array.isArray(base.config.history) ? [...(base.config.history as BuildState['history'])] : [];
  } catch (error) {
    if (!isSkerryError(error, 'IMAGE_NOT_FOUND')) throw error;
    throw refuse(`FROM ${image}: ${oci.formatReference(oci.parseReference(image))} is not in the image store; skerry builds offline, so import or build the base image first`);
  }
}

function env(state: BuildState, args: string): void {
  const first = splitWords(args, state.escape)[0] ?? '';
  const vars = envOf(state);
  if (!first.includes('=')) {
    // The legacy form, ENV KEY VALUE: the value is the rest of the line.
    const match = /^(\S+)\s+([\s\S]+)$/.exec(args);
    if (!match) throw refuse('ENV needs KEY=VALUE (or the legacy KEY VALUE)');
    setEnv(state, match[1]!, expandWord(match[2]!, vars, state.escape));
    return;
  }
  // All of one ENV's values see the variables as they were before it, as in Docker.
  for (const [key, value] of keyValues(args, vars, state.escape)) setEnv(state, key, value);
}

function label(state: BuildState, args: string): void {
  const pairs = keyValues(args, envOf(state), state.escape);
  if (pairs.length === 0) throw refuse('LABEL needs at least one KEY=VALUE');
  state.run.Labels = { ...(state.run.Labels ?? {}), ...Object.fromEntries(pairs) };
}

/** CMD and ENTRYPOINT: the JSON form as it is; the shell form runs under /bin/sh -c. */
function command(args: string, what: string): string[] {
  const exec = jsonForm(args);
  if (exec) return exec;
  if (args.startsWith('[')) throw refuse(`${what} looks like the JSON form but is not a JSON array of strings: ${args}`);
  if (!args) throw refuse(`${what} needs a command`);
  return ['/bin/sh', '-c', args];
}

function cmd(state: BuildState, args: string): void {
  state.run.Cmd = command(args, 'CMD');
  state.cmdSet = true;
}

function entrypoint(state: BuildState, args: string): void {
  state.run.Entrypoint = command(args, 'ENTRYPOINT');
  // Docker drops a CMD inherited from the base: it was meant for the old entrypoint.
  if (!state.cmdSet) state.run.Cmd = null;
}

/** WORKDIR also creates the directory when the image lacks it (a small layer), as Docker does. */
async function workdir(state: BuildState, args: string): Promise<void> {
  const dir = expandWord(args, envOf(state), state.escape);
  if (!dir) throw refuse('WORKDIR needs a directory');
  state.run.WorkingDir = path.posix.resolve(workdirOf(state), dir);
  const entries = directoryEntries(state.run.WorkingDir, { baseKind: (name) => kindInImage(state, name) });
  if (entries.length > 0) await addLayer(state, entries);
}

function user(state: BuildState, args: string): void {
  const value = single(state, args, 'USER');
  if (!/^[^:\s]+(:[^:\s]+)?$/.test(value)) throw refuse(`USER ${value}: give USER or USER:GROUP`);
  state.run.User = value;
}

function expose(state: BuildState, args: string): void {
  const ports = expandWords(args, envOf(state), state.escape);
  if (ports.length === 0) throw refuse('EXPOSE needs at least one port');
  const exposed = { ...(state.run.ExposedPorts ?? {}) };
  for (const text of ports) {
    const match = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(text);
    const low = Number(match?.[1]);
    const high = match?.[2] === undefined ? low : Number(match[2]);
    if (!match || low < 1 || high > 65535 || high < low) throw refuse(`EXPOSE ${text}: give PORT[/tcp|udp|sctp] or a range LOW-HIGH, ports 1-65535`);
    for (let port = low; port <= high; port++) exposed[`${port}/${(match[3] ?? 'tcp').toLowerCase()}`] = {};
  }
  state.run.ExposedPorts = exposed;
}

function stopsignal(state: BuildState, args: string): void {
  const value = single(state, args, 'STOPSIGNAL');
  if (!/^(SIG[A-Z0-9+-]+|\d+)$/.test(value)) throw refuse(`STOPSIGNAL ${value}: give a signal name such as SIGTERM or a number`);
  state.run.StopSignal = value;
}

function refused(why: string): Handler {
  return () => {
    throw refuse(why);
  };
}

export const HANDLERS: Record<string, Handler> = {
  FROM: from,
  COPY: copyInstruction,
  ENV: env,
  LABEL: label,
  CMD: cmd,
  ENTRYPOINT: entrypoint,
  WORKDIR: workdir,
  USER: user,
  EXPOSE: expose,
  STOPSIGNAL: stopsignal,
  RUN: refused('RUN is not supported: skerry builds images without running anything (no internet, no build sandbox); prepare the files in the build directory and COPY them'),
  ADD: refused('ADD is not supported: skerry does not fetch URLs or unpack archives while building; use COPY for files from the build directory'),
};

export function handlerFor(keyword: string): Handler {
  return HANDLERS[keyword] ?? refused(`${keyword} is not supported by skerry images build (it supports ${SUPPORTED.join(', ')}; RUN and ADD are refused)`);
}
