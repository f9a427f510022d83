import { verbGroup } from '../verb.ts';
import { deleteVerb } from './runtime/delete.ts';
import { execVerb } from './runtime/exec.ts';
import { killVerb } from './runtime/kill.ts';
import { listVerb } from './runtime/list.ts';
import { runVerb } from './runtime/run.ts';
import { specVerb } from './runtime/spec.ts';
import { stateVerb } from './runtime/state.ts';

const subVerbs = [runVerb, execVerb, stateVerb, killVerb, deleteVerb, listVerb, specVerb];

export const runtimeVerb = verbGroup(
  'runtime',
  'run OCI bundles (run, exec, state, kill, delete, list, spec)',
  "Runs OCI bundles with skerry's own isolation, like crun and runc (state in /run/skerry/runtime).",
  subVerbs,
);
