import type { ResourceType } from '../catalog/index.ts';
import { apiErrors } from '../errors.ts';
import type { Filter } from '../objects/index.ts';
import type { KubeObject } from '../objects/types.ts';
import { parseFieldSelector, parseLabelSelector, SelectorError } from '../selectors/index.ts';

/** `labelSelector` and `fieldSelector` as one predicate, or undefined when both are empty. */
export function filterOf(params: URLSearchParams, type: ResourceType): Filter | undefined {
  const labelText = params.get('labelSelector') ?? '';
  const fieldText = params.get('fieldSelector') ?? '';
  if (!labelText && !fieldText) return undefined;
  try {
    const labels = labelText ? parseLabelSelector(labelText) : undefined;
    const fields = fieldText ? parseFieldSelector(fieldText, type.kind, type.group) : undefined;
    return (object: KubeObject) => (!labels || labels.matches(object.metadata.labels)) && (!fields || fields.matches(object));
  } catch (error) {
    if (error instanceof SelectorError) throw apiErrors.badRequest(error.message);
    throw error;
  }
}

export function integerParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null || text === '') return undefined;
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value)) throw apiErrors.badRequest(`${name}: ${JSON.stringify(text)} is not an integer`);
  return value;
}

export function booleanParam(params: URLSearchParams, name: string): boolean {
  const text = params.get(name);
  return text === 'true' || text === '1';
}

/** `dryRun=All` (the only value Kubernetes accepts); anything else is a 400. */
export function dryRunParam(params: URLSearchParams): boolean {
  const values = params.getAll('dryRun');
  if (values.length === 0) return false;
  if (values.every((v) => v === 'All')) return true;
  throw apiErrors.badRequest(`dryRun: Unsupported value: ${JSON.stringify(values.find((v) => v !== 'All'))}: supported values: "All"`);
}

const FIELD_VALIDATION = ['', 'Ignore', 'Warn', 'Strict'];

export function fieldValidationParam(params: URLSearchParams): string {
  const value = params.get('fieldValidation') ?? '';
  if (!FIELD_VALIDATION.includes(value)) {
    throw apiErrors.badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(value)}: supported values: "Ignore", "Strict", "Warn"`);
  }
  return value;
}

/** `includeObject` of a Table request: what each row carries besides its cells. */
export function includeObjectOf(url: URL): 'None' | 'Metadata' | 'Object' {
  const value = url.searchParams.get('includeObject') ?? 'Metadata';
  if (value !== 'None' && value !== 'Metadata' && value !== 'Object') {
    throw apiErrors.badRequest(`includeObject: Unsupported value: "${value}": supported values: "None", "Metadata", "Object"`);
  }
  return value;
}
