// Faults on a host's link: a partition (port down, or its frames dropped by nft on the
// underlay bridge) and netem-like impairment through its wire. Drops live in the underlay's
// own netns, so the nodes' nft tables (the ones under test) are never touched.
import type { Impairment } from './types.ts';
import type { WireRule } from './wire.ts';

export const DROP_TABLE = 'skerry-lab';

/** The underlay's drop table for these ports, replaced whole; no ports: just deleted. */
export function dropRuleset(ports: string[]): string {
  const reset = `table bridge ${DROP_TABLE}\ndelete table bridge ${DROP_TABLE}\n`;
  if (ports.length === 0) return reset;
  const set = `{ ${ports.map((p) => JSON.stringify(p)).join(', ')} }`;
  return `${reset}table bridge ${DROP_TABLE} {
  chain forward { type filter hook forward priority -300; policy accept; iifname ${set} drop; oifname ${set} drop; }
  chain input { type filter hook input priority -300; policy accept; iifname ${set} drop; }
  chain output { type filter hook output priority -300; policy accept; oifname ${set} drop; }
}
`;
}

/** The wire rules per direction for an impairment; a bad field is named. */
export function wireRules(impairment: Impairment): Array<{ direction: 'up' | 'down'; rule: WireRule }> {
  const field = (name: keyof Impairment, max = Infinity): number => {
    const value = impairment[name] ?? 0;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) throw new Error(`impair: ${name} ${JSON.stringify(value)} is not a number between 0 and ${max}`);
    return value;
  };
  const rule = { delay: field('delayMs'), jitter: field('jitterMs'), loss: field('lossPercent', 100), rate: field('rateKbit') };
  const direction = impairment.direction ?? 'both';
  if (direction !== 'up' && direction !== 'down' && direction !== 'both') throw new Error(`impair: direction ${JSON.stringify(direction)} is not 'up', 'down' or 'both'`);
  return (direction === 'both' ? (['up', 'down'] as const) : [direction]).map((d) => ({ direction: d, rule }));
}
