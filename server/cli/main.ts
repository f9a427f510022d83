// First, so that it runs before the rest of the bundle is evaluated: it may exec the process again.
import './process-memory-first.ts';
import { isSkerryError } from '../../common/index.ts';
import type { Verb } from './verb.ts';
import { checkConfigVerb } from './verbs/check-config.ts';
import { agentVerb } from './verbs/agent.ts';
import { applyVerb } from './verbs/apply.ts';
import { deleteVerb } from './verbs/delete.ts';
import { describeVerb } from './verbs/describe.ts';
import { getVerb } from './verbs/get.ts';
import { logsVerb } from './verbs/logs.ts';
import { execVerb } from './verbs/exec.ts';
import { rolloutVerb } from './verbs/rollout.ts';
import { scaleVerb } from './verbs/scale.ts';
import { imagesVerb } from './verbs/images.ts';
import { kubeconfigVerb } from './verbs/kubeconfig.ts';
import { runtimeVerb } from './verbs/runtime.ts';
import { serverVerb } from './verbs/server.ts';
import { tokenVerb } from './verbs/token.ts';
import { versionVerb } from './verbs/version.ts';

/** The verbs of the skerry executable; each lives in its own file under verbs/. */
const verbs: Verb[] = [serverVerb, agentVerb, kubeconfigVerb, tokenVerb, applyVerb, getVerb, describeVerb, logsVerb, execVerb, deleteVerb, scaleVerb, rolloutVerb, imagesVerb, runtimeVerb, checkConfigVerb, versionVerb];

function overview(): string {
  const width = Math.max(...verbs.map((v) => v.name.length));
  return [
    'Usage: skerry VERB [flags]',
    '',
    'Verbs:',
    ...verbs.map((v) => `  ${v.name.padEnd(width)}  ${v.summary}`),
    '',
    "Run 'skerry VERB --help' for a verb's flags.",
    '',
  ].join('\n');
}

/** Exit codes (DESIGN §11): 0 success, 1 failure with a one-line reason, 2 bad usage. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) return process.stderr.write(overview()), 2;
  if (name === '--help' || name === '-h' || name === 'help') return process.stdout.write(overview()), 0;
  const verb = verbs.find((v) => v.name === (name === '--version' ? 'version' : name));
  if (!verb) {
    process.stderr.write(`skerry: unknown verb ${JSON.stringify(name)}\n${overview()}`);
    return 2;
  }
  try {
    return await verb.run(args);
  } catch (error) {
    const oneLine = String((error as Error).message ?? error).split('\n')[0];
    if (isSkerryError(error, 'USAGE')) {
      process.stderr.write(`skerry ${verb.name}: ${oneLine}\nRun 'skerry ${verb.name} --help' for usage.\n`);
      return 2;
    }
    process.stderr.write(`skerry ${verb.name}: ${oneLine}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`skerry: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
