// The CNI spec versions this runner speaks, and how results move between their shapes.
// 0.3.x and 0.4.0 results carry `version` ("4"/"6") on each IP; 1.0 dropped it. Results are
// kept in the 1.0 shape and given to plugins in the shape of the chain's version.
import type { CniResult } from './types.ts';

export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

function parts(version: string): number[] {
  return version.split('.').map(Number);
}

/** Whether `version` is `floor` or later. */
export function atLeast(version: string, floor: string): boolean {
  const [a, b] = [parts(version), parts(floor)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** CHECK, and prevResult on DEL, came with 0.4.0. */
export const hasCheck = (version: string) => atLeast(version, '0.4.0');

/** The result as a plugin of a chain at `version` expects it in prevResult. */
export function resultForVersion(result: CniResult, version: string): Record<string, unknown> {
  const shaped: Record<string, unknown> = { ...result, cniVersion: version };
  if (!atLeast(version, '1.0.0') && result.ips) {
    shaped.ips = result.ips.map((ip) => ({ version: ip.address.includes(':') ? '6' : '4', ...ip }));
  }
  return shaped;
}
