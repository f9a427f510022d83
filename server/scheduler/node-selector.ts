/**
 * Node selector terms as component-helpers/scheduling/corev1/nodeaffinity matches them: terms
 * are ORed, the requirements inside a term ANDed, and a term without requirements matches nothing.
 */
import type { KubeObject } from '../api/index.ts';

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface NodeSelector {
  nodeSelectorTerms?: NodeSelectorTerm[];
}

type Labels = Record<string, string>;

// Go's strconv.ParseInt: an optional sign and decimal digits, nothing else.
const INTEGER = /^[+-]?\d+$/;

function compareInteger(label: string | undefined, bound: string | undefined, wantGreater: boolean): boolean {
  if (label === undefined || bound === undefined || !INTEGER.test(label) || !INTEGER.test(bound)) return false;
  const [a, b] = [BigInt(label), BigInt(bound)];
  return wantGreater ? a > b : a < b;
}

function requirementMatches(requirement: NodeSelectorRequirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
  const value = has ? labels[requirement.key] : undefined;
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return has && values.includes(value!);
    case 'NotIn':
      return !has || !values.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
      return values.length === 1 && compareInteger(value, values[0], true);
    case 'Lt':
      return values.length === 1 && compareInteger(value, values[0], false);
    default:
      return false;
  }
}

/** matchFields supports only metadata.name with In/NotIn, as Kubernetes validation allows. */
function fieldMatches(requirement: NodeSelectorRequirement, node: KubeObject): boolean {
  if (requirement.key !== 'metadata.name') return false;
  if (requirement.operator !== 'In' && requirement.operator !== 'NotIn') return false;
  return requirementMatches(requirement, { 'metadata.name': node.metadata.name ?? '' });
}

export function termMatches(term: NodeSelectorTerm | undefined, node: KubeObject): boolean {
  const expressions = term?.matchExpressions ?? [];
  const fields = term?.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return expressions.every((r) => requirementMatches(r, labels)) && fields.every((r) => fieldMatches(r, node));
}

export function nodeSelectorMatches(selector: NodeSelector, node: KubeObject): boolean {
  return (selector.nodeSelectorTerms ?? []).some((term) => termMatches(term, node));
}
