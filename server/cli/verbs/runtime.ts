import { SkerryError } from '../../../common/index.ts';
import type { Verb } from '../verb.ts';
import { deleteVerb } from './runtime/delete.ts';
import { execVerb } from './runtime/exec.ts';
import { killVerb } from './runtime/kill.ts';
import { listVerb } from './runtime/list.ts';
import { runVerb } from './runtime/run.ts';
import { specVerb } from './runtime/spec.ts';
import { stateVerb } from './runtime/state.ts';

const subVerbs = [runVerb, execVerb, stateVerb, killVerb, deleteVerb, listVerb, specVerb];

const usage = `Usage: skerry runtime VERB [flags]

Runs OCI bundles with skerry's own isolation, like crun and runc (state in /run/skerry/runtime).

Verbs:
${subVerbs.map((v) => `  ${v.name.padEnd(7)} ${v.summary}`).join('\n')}
`;

async function run(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') return process.stdout.write(usage), name === undefined ? 2 : 0;
  const sub = subVerbs.find((v) => v.name === name);
  if (!sub) throw new SkerryError('USAGE', `unknown runtime verb ${JSON.stringify(name)}; one of ${subVerbs.map((v) => v.name).join(', ')}`);
  return sub.run(rest);
}

export const runtimeVerb: Verb = { name: 'runtime', summary: 'run OCI bundles (run, exec, state, kill, delete, list, spec)', usage, run };
