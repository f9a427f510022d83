// COPY [--chown=UID:GID] [--chmod=MODE] SRC... DEST: one layer holding the sources, read
// only from the build directory. Names are numeric because skerry does not read the
// image's /etc/passwd at build time.
import path from 'node:path';
import { SkerryError } from '../../../common/index.ts';
import { resolveSources } from './context.ts';
import { copyEntries, type CopyOptions, type LayerEntry } from './entries.ts';
import { writeLayer } from './layer.ts';
import { jsonForm } from './parse.ts';
import { envOf, workdirOf, type BuildState } from './state.ts';
import { expandWord, splitWords } from './words.ts';

interface Flags {
  owner?: { uid: number; gid: number };
  mode?: number;
}

function refuse(detail: string): SkerryError {
  return new SkerryError('BUILD_INVALID', detail);
}

function parseOwner(value: string): { uid: number; gid: number } {
  const match = /^(\d+)(?::(\d+))?$/.exec(value);
  if (!match) throw refuse(`--chown=${value}: give numeric UID:GID (skerry does not look names up in the image's /etc/passwd)`);
  const uid = Number(match[1]);
  const gid = match[2] === undefined ? uid : Number(match[2]);
  if (uid > 0xffffffff || gid > 0xffffffff) throw refuse(`--chown=${value}: ids must be below 2^32`);
  return { uid, gid };
}

/** Leading --flags, then the rest of the arguments. */
function splitFlags(args: string): { flags: Flags; rest: string } {
  const flags: Flags = {};
  let rest = args;
  for (let match = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest); match; match = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest)) {
    const [whole, name, value = ''] = match;
    if (name === 'chown') flags.owner = parseOwner(value);
    else if (name === 'chmod') {
      if (!/^[0-7]{3,4}$/.test(value)) throw refuse(`--chmod=${value}: give an octal mode such as 0755`);
      flags.mode = parseInt(value, 8);
    } else if (name === 'from') throw refuse('--from needs a multi-stage build, which skerry images build does not do; copy from the build directory');
    else if (name !== 'link') throw refuse(`--${name} is not a COPY option skerry supports (--chown, --chmod)`);
    rest = rest.slice(whole!.length);
  }
  return { flags, rest };
}

export async function copyInstruction(state: BuildState, args: string): Promise<void> {
  const { flags, rest } = splitFlags(args);
  const env = envOf(state);
  const raw = jsonForm(rest) ?? splitWords(rest, state.escape);
  const words = raw.map((w) => expandWord(w, env, state.escape));
  if (words.length < 2) throw refuse('COPY needs at least one source and a destination');
  const destText = words.pop()!;
  // "dir/", "." and "dir/." name a directory, as in Docker.
  const asDir = destText.endsWith('/') || destText === '.' || destText.endsWith('/.');
  const dest = `${path.posix.resolve(workdirOf(state), destText)}${asDir ? '/' : ''}`;
  const options: CopyOptions = {
    dest,
    ...(flags.owner && { owner: flags.owner }),
    ...(flags.mode !== undefined && { mode: flags.mode }),
    baseKind: (name) => kindInImage(state, name),
  };
  await addLayer(state, copyEntries(resolveSources(state.dir, words), options));
}

/** What is at `name` so far: this build's layers first, then the base image's. */
export function kindInImage(state: BuildState, name: string): 'directory' | 'other' | undefined {
  const from = state.from;
  return state.written.get(name) ?? (from && from !== 'scratch' ? from.kind(name) : undefined);
}

export async function addLayer(state: BuildState, entries: LayerEntry[]): Promise<void> {
  const layer = await writeLayer(state.content, entries, state.time);
  for (const entry of entries) state.written.set(entry.name, entry.type === 'directory' ? 'directory' : 'other');
  state.layers.push(layer.descriptor);
  state.diffIds.push(layer.diffId);
}
