import { child, IMMUTABLE, invalid, key, nonNegative, notSupported, required, requireField, type Causes } from './errors.ts';
import { go, goStringMap } from './gofmt.ts';
import { asObj, cloneJson, fields, isObj, jsonEqual, type Fields, type Obj } from './json.ts';
import { readLabelSelector, selectorLiteral, selectorMatches } from './labels.ts';
import { validateObjectMeta } from './metadata.ts';
import { validatePodTemplate } from './podspec.ts';
import { spec, templateLabels, validateSelectorUnchanged } from './workloads.ts';

/** Jobs: run-to-completion pods, with a selector the server generates from the Job's uid. */

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const COMPLETION_MODES = ['NonIndexed', 'Indexed'];

function validateJobSpec(errs: Causes, s: Fields): void {
  for (const n of ['parallelism', 'completions', 'backoffLimit', 'ttlSecondsAfterFinished']) nonNegative(errs, s.int(n), s.path(n));
  nonNegative(errs, s.int('activeDeadlineSeconds', 64), s.path('activeDeadlineSeconds'));
  const mode = s.str('completionMode');
  if (mode !== undefined && !COMPLETION_MODES.includes(mode)) errs.push(notSupported(s.path('completionMode'), mode, COMPLETION_MODES));
  if (mode === 'Indexed' && !s.has('completions')) errs.push(required(s.path('completions'), 'when completion mode is Indexed'));
  s.bool('suspend');
  s.bool('manualSelector');
  const template = s.fields('template');
  validatePodTemplate(errs, template);
  const restart = template.fields('spec').str('restartPolicy') ?? '';
  if (template.obj && restart !== 'OnFailure' && restart !== 'Never') {
    errs.push(required(child(template.at, 'spec.restartPolicy'), 'valid values: "OnFailure", "Never"'));
  }
}

/** ValidateHasLabel: the template must carry `label` with the expected value. */
function validateHasLabel(errs: Causes, template: Fields, label: string, expected: string): void {
  const labels = templateLabels(template);
  const at = key(`${template.at}.metadata.labels`, label);
  if (!labels || !(label in labels)) errs.push(required(at, `must be '${expected}'`));
  else if (labels[label] !== expected) errs.push(invalid(at, go(goStringMap(labels)), `must be '${expected}'`));
}

/** Unless the user chose `manualSelector`, the selector and pod labels must be the generated ones. */
function validateGeneratedSelector(errs: Causes, o: Obj, s: Fields): void {
  if (s.bool('manualSelector') === true || !s.has('selector')) return;
  const meta = fields([], asObj([], o.metadata, 'metadata'), 'metadata');
  const uid = meta.str('uid') ?? '';
  const name = meta.str('name') ?? '';
  if (!uid) errs.push(required('metadata.uid'));
  const template = s.fields('template');
  validateHasLabel(errs, template, CONTROLLER_UID_LABEL, uid);
  if (name.length <= 63) validateHasLabel(errs, template, JOB_NAME_LABEL, name);
  const { selector, valid } = readLabelSelector([], s.raw('selector'), s.path('selector'));
  if (selector && valid && !selectorMatches(selector, { [CONTROLLER_UID_LABEL]: uid })) {
    errs.push(invalid(s.path('selector'), selectorLiteral(selector), '`selector` not auto-generated'));
  }
}

export function validateJob(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'subdomain' });
  const s = spec(errs, o);
  if (!s.obj) return requireField(errs, 'spec.template');
  validateGeneratedSelector(errs, o, s);
  validateJobSpec(errs, s);
  const selectorPath = s.path('selector');
  const { selector, valid } = readLabelSelector(errs, s.raw('selector'), selectorPath);
  if (!selector) requireField(errs, selectorPath);
  // A missing selector selects nothing, so Kubernetes reports the mismatch as well.
  if (valid && (!selector || !selectorMatches(selector, templateLabels(s.fields('template')) ?? {}))) {
    errs.push(invalid(`${s.path('template')}.metadata.labels`, go(goStringMap(templateLabels(s.fields('template')))), '`selector` does not match template `labels`'));
  }
}

/** Scheduling directives of a suspended Job that never started may still be retargeted. */
const SCHEDULING_FIELDS = ['nodeSelector', 'tolerations', 'affinity', 'schedulingGates'];

function mutableSchedulingTemplate(template: unknown, old: unknown): unknown {
  if (!isObj(template) || !isObj(old)) return template;
  const munged = cloneJson(template);
  const mungedSpec = isObj(munged.spec) ? munged.spec : {};
  const oldSpec = isObj(old.spec) ? old.spec : {};
  for (const k of SCHEDULING_FIELDS) mungedSpec[k] = oldSpec[k];
  munged.spec = mungedSpec;
  const meta = isObj(munged.metadata) ? munged.metadata : {};
  const oldMeta = isObj(old.metadata) ? old.metadata : {};
  meta.labels = oldMeta.labels;
  meta.annotations = oldMeta.annotations;
  munged.metadata = meta;
  return munged;
}

export function validateJobUpdate(errs: Causes, o: Obj, old: Obj): void {
  const now = asObj([], o.spec, '') ?? {};
  const before = asObj([], old.spec, '') ?? {};
  const elastic = now.completionMode === 'Indexed' && now.completions === now.parallelism && before.completions === before.parallelism;
  if (!elastic && !jsonEqual(now.completions, before.completions)) {
    errs.push(invalid('spec.completions', typeof now.completions === 'number' ? now.completions : null, IMMUTABLE));
  }
  validateSelectorUnchanged(errs, o, old);
  const status = asObj([], old.status, '') ?? {};
  const suspendedUnstarted = before.suspend === true && !status.startTime;
  const template = suspendedUnstarted ? mutableSchedulingTemplate(now.template, before.template) : now.template;
  if (!jsonEqual(template, before.template)) errs.push(invalid('spec.template', go('core.PodTemplateSpec{...}'), IMMUTABLE));
  for (const name of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex']) {
    if (!jsonEqual(now[name], before[name])) errs.push(invalid(`spec.${name}`, typeof now[name] === 'string' ? (now[name] as string) : go('{...}'), IMMUTABLE));
  }
}
