import { skerryVersion, versionInfo } from '../../version.ts';
import { parseFlags, type Verb } from '../verb.ts';

const usage = `Usage: skerry version [-o json]

Prints the skerry release and the Kubernetes API version it serves.
`;

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { output: { type: 'string', short: 'o' } });
  if (values.help) return process.stdout.write(usage), 0;
  const info = versionInfo();
  if (values.output === 'json') process.stdout.write(`${JSON.stringify({ skerry: skerryVersion, kubernetes: info }, null, 2)}\n`);
  else process.stdout.write(`skerry version ${skerryVersion} (${info.gitCommit})\nKubernetes API ${info.gitVersion}\n`);
  return 0;
}

export const versionVerb: Verb = { name: 'version', summary: 'print the version', usage, run };
