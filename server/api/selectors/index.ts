/**
 * Label and field selectors as kube-apiserver parses and applies them (`?labelSelector=`,
 * `?fieldSelector=`, and the LabelSelector of workload specs), with Kubernetes' error messages.
 * Every failure is a SelectorError, which the API answers as 400 BadRequest.
 */
export { SelectorError } from './errors.ts';
export { parseLabelSelector } from './label-parser.ts';
export { labelSelectorFromObject, labelSelectorFromSet, selectorToString } from './label-selector-object.ts';
export type { Matcher } from './matcher.ts';
export type { Labels, Operator, Requirement } from './requirement.ts';
export { parseFieldSelector, type FieldMatcher, type FieldRequirement } from './field-selector.ts';
export { escapeValue as escapeFieldValue } from './field-terms.ts';
