// First, so that it runs before the rest of the bundle is evaluated: it may exec the process again.
import './process-memory-first.ts';
import { isSkerryError } from '../../common/index.ts';
import { verbs } from './verbs.ts';

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
  const entry = verbs.find((v) => v.name === (name === '--version' ? 'version' : name));
  if (!entry) {
    process.stderr.write(`skerry: unknown verb ${JSON.stringify(name)}\n${overview()}`);
    return 2;
  }
  const verb = await entry.load();
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
