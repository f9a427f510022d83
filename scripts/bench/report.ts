import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where results land: docs/bench/<bench>.json and .md. */
export const RESULTS_DIR = fileURLToPath(new URL('../../docs/bench/', import.meta.url));

export interface BenchContext {
  /** A fresh directory for the bench's files; removed afterwards. */
  dir: string;
  /** Shorter runs, for trying the harness out; results are not comparable. */
  quick: boolean;
  /** Progress lines (stderr, so stdout stays the table). */
  progress(message: string): void;
}

export interface Target {
  op: '>=' | '<=';
  value: number;
}

/** One line of a result table; `value` is in `unit`. */
export interface ResultRow {
  id: string;
  metric: string;
  value: number;
  unit: string;
  target?: Target;
  notes?: string;
}

export interface BenchResult {
  rows: ResultRow[];
  /** Scenario parameters, recorded with the results. */
  config: Record<string, unknown>;
  /** Full measurements (distributions, counters) for the JSON file. */
  details: Record<string, unknown>;
  /** Software versions the bench depends on (e.g. SQLite). */
  versions?: Record<string, string>;
}

export interface Bench {
  name: string;
  title: string;
  run(context: BenchContext): Promise<BenchResult>;
}

export type Status = 'PASS' | 'MISS' | '';

export function statusOf(row: ResultRow): Status {
  if (!row.target) return '';
  const ok = row.target.op === '>=' ? row.value >= row.target.value : row.value <= row.target.value;
  return ok ? 'PASS' : 'MISS';
}

export function environment(dir: string): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    dataDir: dir,
    dataDirFilesystem: filesystemOf(dir),
  };
}

/** The mount that holds `dir` (device and type) from /proc/self/mounts; "unknown" off Linux. */
function filesystemOf(dir: string): string {
  try {
    const real = fs.realpathSync(dir);
    let best: { mountPoint: string; text: string } | undefined;
    for (const line of fs.readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
      const [device, mountPoint, type] = line.split(' ');
      if (!device || !mountPoint || !type) continue;
      const inside = real === mountPoint || real.startsWith(mountPoint.endsWith('/') ? mountPoint : `${mountPoint}/`);
      if (inside && (!best || mountPoint.length >= best.mountPoint.length)) best = { mountPoint, text: `${type} on ${device} (${mountPoint})` };
    }
    return best?.text ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Load on the machine, from the load average and Linux pressure stall information: a shared
 * disk or CPU makes durable-write numbers swing, so the report records how busy it was.
 */
export function systemLoad(): string {
  const [one, five] = os.loadavg();
  let io = '';
  try {
    const some = /some avg10=([\d.]+) avg60=([\d.]+)/.exec(fs.readFileSync('/proc/pressure/io', 'utf8'));
    if (some) io = `; I/O pressure ${some[1]}% (10 s), ${some[2]}% (60 s)`;
  } catch {
    // no PSI on this kernel
  }
  return `load average ${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min)${io}`;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  if (unit === 'ms') return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
  if (unit === '%') return `${value.toFixed(0)} %`;
  if (unit === 'x') return `${value.toFixed(2)}x`;
  return `${integer.format(value)} ${unit}`;
}

function formatTarget(row: ResultRow): string {
  if (!row.target) return '';
  return `${row.target.op === '>=' ? '≥' : '≤'} ${formatValue(row.target.value, row.unit)}`;
}

function cells(rows: ResultRow[]): string[][] {
  return rows.map((row) => [row.metric, formatValue(row.value, row.unit), formatTarget(row), statusOf(row), row.notes ?? '']);
}

const HEADER = ['Metric', 'Result', 'Target', 'Status', 'Notes'];

/** A fixed-width table for the terminal. */
export function textTable(rows: ResultRow[]): string {
  const body = cells(rows);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const right = new Set([1, 2]);
  const line = (r: string[]) =>
    r.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function markdownTable(rows: ResultRow[]): string {
  const escape = (c: string) => c.replaceAll('|', '\\|');
  return [
    `| ${HEADER.join(' | ')} |`,
    '|---|--:|--:|:-:|---|',
    ...cells(rows).map((r) => `| ${r.map(escape).join(' | ')} |`),
  ].join('\n');
}

export interface Report {
  bench: string;
  title: string;
  date: string;
  command: string;
  environment: Record<string, string | number>;
  versions: Record<string, string>;
  config: Record<string, unknown>;
  results: Array<ResultRow & { status: Status }>;
  details: Record<string, unknown>;
}

export function buildReport(bench: Bench, result: BenchResult, env: Record<string, string | number>, command: string, date: Date): Report {
  return {
    bench: bench.name,
    title: bench.title,
    date: date.toISOString(),
    command,
    environment: env,
    versions: result.versions ?? {},
    config: result.config,
    results: result.rows.map((row) => ({ ...row, status: statusOf(row) })),
    details: result.details,
  };
}

/** Writes docs/bench/<name>.json and <name>.md; returns their paths. */
export function writeReport(report: Report, dir = RESULTS_DIR): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `${report.bench}.json`);
  const md = path.join(dir, `${report.bench}.md`);
  fs.writeFileSync(json, `${JSON.stringify(report, roundNumbers, 2)}\n`);
  fs.writeFileSync(md, markdown(report));
  return [json, md];
}

function roundNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value;
}

function markdown(report: Report): string {
  const env = report.environment;
  const versions = Object.entries(report.versions).map(([k, v]) => `${k} ${v}`).join(', ');
  const misses = report.results.filter((r) => r.status === 'MISS').length;
  const targets = report.results.filter((r) => r.status !== '').length;
  return `# Benchmark: ${report.title}

Command: \`${report.command}\` (run on ${report.date}); machine-readable results in [\`${report.bench}.json\`](./${report.bench}.json).

- Machine: ${env.cpuModel} × ${env.cpus}, ${env.memoryGiB} GiB, ${env.kernel} (${env.arch})
- Node ${env.node}${versions ? `; ${versions}` : ''}
- Data directory: \`${env.dataDir}\`, ${env.dataDirFilesystem}
- Machine load: before ${env.loadBefore}; after ${env.loadAfter}

${markdownTable(report.results)}

${targets - misses} of ${targets} targets met.
${describeConfig(report.config)}
`;
}

function describeConfig(config: Record<string, unknown>): string {
  const method = config.method;
  return Array.isArray(method) ? `\n## Method\n\n${method.map((m) => `- ${String(m)}`).join('\n')}\n` : '';
}
