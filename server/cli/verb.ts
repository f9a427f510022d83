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
