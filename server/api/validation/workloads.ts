import { forbidden, IMMUTABLE, invalid, nonNegative, notSupported, requireField, type Causes } from './errors.ts';
import { go, goStringMap } from './gofmt.ts';
import { asObj, fields, jsonEqual, jsonStrictEqual, type Fields, type Obj } from './json.ts';
import { isEmptySelector, readLabelSelector, selectorLiteral, selectorMatches, type Selector } from './labels.ts';
import { validateObjectMeta } from './metadata.ts';
import { validatePodTemplate } from './podspec.ts';
import { validateDaemonSetStrategy, validateDeploymentStrategy } from './rollout.ts';

/** Deployments, ReplicaSets and DaemonSets: a selector, a matching pod template, a rollout strategy. */

export const spec = (errs: Causes, o: Obj): Fields => fields(errs, asObj(errs, o.spec, 'spec'), 'spec');

export function templateLabels(template: Fields): Record<string, string> | undefined {
  const meta = asObj([], template.raw('metadata'), '');
  const labels = asObj([], meta?.labels, '');
  return labels ? Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === 'string')) as Record<string, string> : undefined;
}

export interface SelectorRules {
  /** The word Kubernetes uses in "empty selector is invalid for <word>". */
  word: string;
  /** DaemonSets do not report a missing selector, only the mismatch it causes. */
  requireSelector: boolean;
  /** The message when the selector cannot be turned into a matcher. */
  invalidDetail: string;
}

/** Reads `spec.selector` and checks the template's labels against it; returns the selector. */
export function validateSelectorAndTemplateLabels(errs: Causes, s: Fields, rules: SelectorRules): Selector | undefined {
  const selectorPath = s.path('selector');
  const { selector, valid } = readLabelSelector(errs, s.raw('selector'), selectorPath);
  if (!selector && rules.requireSelector) requireField(errs, selectorPath);
  if (selector && isEmptySelector(selector)) errs.push(invalid(selectorPath, selectorLiteral(selector), `empty selector is invalid for ${rules.word}`));
  if (!valid) {
    errs.push(invalid(selectorPath, selectorLiteral(selector), rules.invalidDetail));
    return selector;
  }
  const template = s.fields('template');
  const labels = templateLabels(template);
  // A missing selector selects nothing, so Kubernetes reports the mismatch as well.
  const matches = selector ? isEmptySelector(selector) || selectorMatches(selector, labels ?? {}) : false;
  if (!matches) errs.push(invalid(`${template.at}.metadata.labels`, go(goStringMap(labels)), '`selector` does not match template `labels`'));
  return selector;
}

/** Templates of long-running workloads must restart their pods forever. */
export function validateAlwaysRestart(errs: Causes, template: Fields, kind: string): void {
  const podSpec = template.fields('spec');
  const restart = podSpec.str('restartPolicy') ?? '';
  if (restart !== 'Always') errs.push(notSupported(podSpec.path('restartPolicy'), restart, ['Always']));
  if (podSpec.has('activeDeadlineSeconds')) errs.push(forbidden(podSpec.path('activeDeadlineSeconds'), `activeDeadlineSeconds in ${kind} is not Supported`));
}

/** Deployments share ReplicaSets' spec rules, down to the words "deployment" and "ReplicaSet" in messages. */
function validateReplicaSetLike(errs: Causes, s: Fields): void {
  nonNegative(errs, s.int('replicas'), s.path('replicas'));
  nonNegative(errs, s.int('minReadySeconds'), s.path('minReadySeconds'));
  validateSelectorAndTemplateLabels(errs, s, { word: 'deployment', requireSelector: true, invalidDetail: 'invalid label selector' });
  const template = s.fields('template');
  validatePodTemplate(errs, template);
  if (template.obj) validateAlwaysRestart(errs, template, 'ReplicaSet');
}

export function validateDeployment(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'subdomain' });
  const s = spec(errs, o);
  if (!s.obj) return requireField(errs, 'spec.selector');
  validateReplicaSetLike(errs, s);
  validateDeploymentStrategy(errs, s.fields('strategy'));
  nonNegative(errs, s.int('revisionHistoryLimit'), s.path('revisionHistoryLimit'));
  const deadline = s.int('progressDeadlineSeconds');
  nonNegative(errs, deadline, s.path('progressDeadlineSeconds'));
  if (deadline !== undefined && deadline <= (s.int('minReadySeconds') ?? 0)) {
    errs.push(invalid(s.path('progressDeadlineSeconds'), deadline, 'must be greater than minReadySeconds'));
  }
}

export function validateReplicaSet(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'subdomain' });
  const s = spec(errs, o);
  if (!s.obj) return requireField(errs, 'spec.selector');
  validateReplicaSetLike(errs, s);
}

export function validateDaemonSet(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'subdomain' });
  const s = spec(errs, o);
  if (!s.obj) return requireField(errs, 'spec.template');
  validateSelectorAndTemplateLabels(errs, s, { word: 'daemonset', requireSelector: false, invalidDetail: 'invalid label selector' });
  const template = s.fields('template');
  validatePodTemplate(errs, template);
  if (template.obj) validateAlwaysRestart(errs, template, 'DaemonSet');
  nonNegative(errs, s.int('minReadySeconds'), s.path('minReadySeconds'));
  validateDaemonSetStrategy(errs, s.fields('updateStrategy'));
  nonNegative(errs, s.int('revisionHistoryLimit'), s.path('revisionHistoryLimit'));
}

/** apps/v1 made selectors immutable: changing one would orphan the existing pods. */
export function validateSelectorUnchanged(errs: Causes, o: Obj, old: Obj): void {
  const now = asObj([], o.spec, '')?.selector;
  const before = asObj([], old.spec, '')?.selector;
  if (jsonEqual(now, before)) return;
  const { selector } = readLabelSelector([], now, '');
  errs.push(invalid('spec.selector', selectorLiteral(selector), IMMUTABLE));
}

export function validateControllerRevision(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'subdomain' });
  if (o.data === undefined || o.data === null) requireField(errs, 'data', 'data is mandatory');
  nonNegative(errs, fields(errs, o, '').int('revision', 64), 'revision');
}

/** A revision is a snapshot: its data never changes. */
export function validateControllerRevisionUpdate(errs: Causes, o: Obj, old: Obj): void {
  if (!jsonStrictEqual(o.data, old.data)) errs.push(invalid('data', go('runtime.RawExtension{...}'), IMMUTABLE));
}
