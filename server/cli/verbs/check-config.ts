import { checkConfig, formatReport } from '../../../edge-agent/index.ts';
import { SkerryError } from '../../../common/index.ts';
import { parseFlags, type Verb } from '../verb.ts';

const usage = `Usage: skerry check-config [-o text|json]

Tries every kernel and host feature skerry needs and says whether each is present, missing
or degraded. Exits 1 when a required feature is missing, naming what provides it.
`;

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { output: { type: 'string', short: 'o' } });
  if (values.help) return process.stdout.write(usage), 0;
  const format = values.output ?? 'text';
  if (format !== 'text' && format !== 'json') {
    throw new SkerryError('USAGE', `-o ${JSON.stringify(format)} must be text or json`, { field: '--output' });
  }
  const reports = checkConfig();
  process.stdout.write(format === 'json' ? `${JSON.stringify({ features: reports }, null, 2)}\n` : formatReport(reports));
  return reports.some((r) => r.status === 'missing') ? 1 : 0;
}

export const checkConfigVerb: Verb = { name: 'check-config', summary: 'check kernel and host features, like k3s check-config', usage, run };
