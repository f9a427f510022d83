/** A compiled label selector, shaped after apimachinery's labels.Selector. */
import { requirementMatches, requirementToString, type Labels, type Requirement } from './requirement.ts';

export interface Matcher {
  /** Whether an object with these labels is selected (`undefined` = no labels). */
  matches(labels: Labels): boolean;
  /** True when the selector does not restrict the selection (an empty selector). */
  readonly empty: boolean;
  /** False only for the selector that matches nothing (a null structured selector). */
  readonly selectable: boolean;
  /** The ANDed requirements, sorted by key. */
  readonly requirements: readonly Requirement[];
  /**
   * The value the `key` label must have (`=`, `==` or a one-value `in`), for narrowing a list
   * through an index: labels.Selector.RequiresExactMatch.
   */
  requiresExactMatch(key: string): string | undefined;
  /** Canonical form: `app=web,tier in (a,b)`; "" for the empty and the match-nothing selectors. */
  toString(): string;
}

/** Matches objects meeting every requirement; [] makes the empty selector that matches all. */
export function matcherOf(requirements: readonly Requirement[]): Matcher {
  const frozen = Object.freeze([...requirements]);
  return Object.freeze({
    matches: (labels: Labels) => frozen.every((requirement) => requirementMatches(requirement, labels)),
    empty: frozen.length === 0,
    selectable: true,
    requirements: frozen,
    requiresExactMatch: (key: string) => exactValue(frozen, key),
    toString: () => frozen.map(requirementToString).join(','),
  });
}

/** labels.Nothing(): what a null structured selector means. */
export const nothingMatcher: Matcher = Object.freeze({
  matches: () => false,
  empty: false,
  selectable: false,
  requirements: Object.freeze([]),
  requiresExactMatch: () => undefined,
  toString: () => '',
});

// Like Go, only the first requirement on the key counts.
function exactValue(requirements: readonly Requirement[], key: string): string | undefined {
  const requirement = requirements.find((candidate) => candidate.key === key);
  if (requirement === undefined || requirement.values.length !== 1) return undefined;
  const exact = requirement.operator === '=' || requirement.operator === '==' || requirement.operator === 'in';
  return exact ? requirement.values[0] : undefined;
}
