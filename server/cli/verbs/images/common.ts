import { SkerryError } from '../../../../common/index.ts';

export interface SubVerb {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

/** The agent's data dir (DESIGN §11); the server's in-process agent uses <server dir>/agent. */
export const DEFAULT_AGENT_DATA_DIR = '/var/lib/skerry/agent';

export const DATA_DIR_FLAG = { 'data-dir': { type: 'string' as const } };

export function dataDirOf(values: Record<string, unknown>): string {
  return (values['data-dir'] as string | undefined) ?? DEFAULT_AGENT_DATA_DIR;
}

export function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new SkerryError('USAGE', `expected one ${what}, got ${positionals.length}`);
  return positionals[0]!;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) value /= 1000, unit++;
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)}${units[unit]}`;
}
