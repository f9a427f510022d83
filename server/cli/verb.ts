import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SkerryError } from '../../common/index.ts';

/** One CLI verb: its help, and a run that returns the exit code. */
export interface Verb {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a verb's flags strictly; anything unknown or malformed is a USAGE error (exit 2)
 * that names the flag.
 */
export function parseFlags<O extends Options>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals, strict: true });
  } catch (error) {
    throw new SkerryError('USAGE', (error as Error).message.replace(/\. To specify a positional.*$/s, ''), {}, { cause: error });
  }
}

/** A verb made of sub-verbs (skerry runtime run, skerry images pull): its usage and dispatch. */
export function verbGroup(name: string, summary: string, intro: string, subVerbs: Verb[]): Verb {
  const usage = `Usage: skerry ${name} VERB [flags]\n\n${intro}\n\nVerbs:\n${subVerbs.map((v) => `  ${v.name.padEnd(7)} ${v.summary}`).join('\n')}\n`;
  async function run(args: string[]): Promise<number> {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h') return process.stdout.write(usage), sub === undefined ? 2 : 0;
    const found = subVerbs.find((v) => v.name === sub);
    if (!found) throw new SkerryError('USAGE', `unknown ${name} verb ${JSON.stringify(sub)}; one of ${subVerbs.map((v) => v.name).join(', ')}`);
    return found.run(rest);
  }
  return { name, summary, usage, run };
}
