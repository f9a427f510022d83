// What decides the shared part of the table: how many service ports use each pick chain and
// each endpoint address (its hairpin pair). Kept per compiled state and carried from one
// state to the next through the ports that changed, so a delta never walks all services.
import type { ServicePortRule, ServiceRules } from './compile.ts';
import { picksOf, type Pick } from './plan.ts';

export interface SharedUse {
  picks: Map<string, { pick: Pick; users: number }>;
  ips: Map<string, number>;
}

/** Counts before a delta, for the keys it touched: what existed in the kernel before. */
export interface Touched {
  picks: Map<string, number>;
  ips: Map<string, number>;
}

const kept = new WeakMap<ServiceRules, SharedUse>();

/** Adds (+1) or removes (-1) one port's use; with `touched`, first records each key's count before. */
export function countUse(use: SharedUse, rule: ServicePortRule, sign: 1 | -1, touched?: Touched): void {
  for (const pick of picksOf(rule)) {
    const entry = use.picks.get(pick.name) ?? { pick, users: 0 };
    if (touched && !touched.picks.has(pick.name)) touched.picks.set(pick.name, entry.users);
    entry.users += sign;
    use.picks.set(pick.name, entry);
  }
  for (const { ip } of rule.endpoints) {
    const users = use.ips.get(ip) ?? 0;
    if (touched && !touched.ips.has(ip)) touched.ips.set(ip, users);
    use.ips.set(ip, users + sign);
  }
}

/** The use of a state, counted over all its ports. */
export function useOf(rules: ServiceRules): SharedUse {
  const use: SharedUse = { picks: new Map(), ips: new Map() };
  for (const port of rules.ports) countUse(use, port, 1);
  return use;
}

export function keepUse(rules: ServiceRules, use: SharedUse): void {
  kept.set(rules, use);
}

/**
 * The use of `rules` for changing into the next state: the one kept for it (moved out, as
 * it is about to be changed in place), or counted afresh.
 */
export function takeUse(rules: ServiceRules): SharedUse {
  const use = kept.get(rules);
  kept.delete(rules);
  return use ?? useOf(rules);
}
