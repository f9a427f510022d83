import fs from 'node:fs';
import path from 'node:path';
import { SkerryError } from '../../../../common/index.ts';
import { defaultSpec } from '../../../../native/index.ts';
import { parseFlags } from '../../verb.ts';
import type { SubVerb } from './common.ts';

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { bundle: { type: 'string', short: 'b' } }, true);
  if (values.help) return process.stdout.write(usage), 0;
  const file = path.join(path.resolve((values.bundle as string | undefined) ?? '.'), 'config.json');
  if (fs.existsSync(file)) throw new SkerryError('USAGE', `${file} already exists`);
  fs.writeFileSync(file, `${JSON.stringify(defaultSpec(positionals.length > 0 ? positionals : undefined), null, 2)}\n`);
  return 0;
}

const usage = `Usage: skerry runtime spec [--bundle DIR] [-- ARGS...]

Writes a config.json with skerry's defaults (Docker's capabilities, masked paths and seccomp
profile) into DIR, running ARGS (default: sh). The same file runs under crun and runc.
`;

export const specVerb: SubVerb = { name: 'spec', summary: 'write a default config.json', usage, run };
