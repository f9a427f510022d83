import type { FeatureReport } from './types.ts';

/** The report as people read it, grouped like `k3s check-config`, with remedies at the end. */
export function formatReport(reports: FeatureReport[]): string {
  const lines: string[] = [];
  let group = '';
  for (const report of reports) {
    if (report.group !== group) {
      group = report.group;
      lines.push('', `${group}:`);
    }
    lines.push(`- ${report.name}: ${report.status} (${report.detail})`);
  }
  const count = (status: string) => reports.filter((r) => r.status === status).length;
  lines.push('', `${count('present')} present, ${count('degraded')} degraded, ${count('missing')} missing`);
  for (const status of ['missing', 'degraded'] as const) {
    const affected = reports.filter((r) => r.status === status);
    if (affected.length === 0) continue;
    lines.push('', `${status === 'missing' ? 'Missing' : 'Degraded'}:`);
    for (const r of affected) lines.push(`- ${r.name}: ${r.remedy}`);
  }
  return lines.join('\n').trimStart() + '\n';
}
