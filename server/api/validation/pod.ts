import { validateImageWhitespace } from './containers.ts';
import { describeDiff } from './diff.ts';
import { forbidden, index, invalid, rangeError, requireField, type Causes } from './errors.ts';
import { go, goStringMap } from './gofmt.ts';
import { asArray, asObj, cloneJson, fields, isObj, jsonEqual, type Fields, type Obj } from './json.ts';
import { validateObjectMeta } from './metadata.ts';
import { validatePodSpec } from './podspec.ts';
import { validateTolerations } from './scheduling.ts';

/** Pods: full spec validation on create; on update only the few mutable fields may change. */

const UPDATABLE =
  "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

export function validatePod(errs: Causes, pod: Obj): void {
  validateObjectMeta(errs, pod.metadata, { namespaced: true, name: 'subdomain' });
  const spec = fields(errs, asObj(errs, pod.spec, 'spec'), 'spec');
  validatePodSpec(errs, spec, { isPod: true });
  validateImageWhitespace(errs, spec.array('containers'), spec.path('containers'));
  validateImageWhitespace(errs, spec.array('initContainers'), spec.path('initContainers'));
}

/** Returns true when the container lists differ in length: nothing else can be compared then. */
function validateContainerUpdates(errs: Causes, next: Fields, old: Fields, list: string): boolean {
  const now = asArray([], next.raw(list), next.path(list)) ?? [];
  const before = asArray([], old.raw(list), old.path(list)) ?? [];
  if (now.length !== before.length) {
    errs.push(forbidden(next.path(list), 'pod updates may not add or remove containers'));
    return true;
  }
  now.forEach((c, i) => {
    const image = isObj(c) && typeof c.image === 'string' ? c.image : '';
    const at = `${index(next.path(list), i)}.image`;
    if (!image) requireField(errs, at);
    if (image.trim() !== image) errs.push(invalid(at, image, 'must not have leading or trailing whitespace'));
  });
  return false;
}

function validateDeadlineUpdate(errs: Causes, next: Fields, old: Fields): boolean {
  const at = next.path('activeDeadlineSeconds');
  const now = next.int('activeDeadlineSeconds', 64);
  const before = old.int('activeDeadlineSeconds', 64);
  if (now === undefined) {
    if (before !== undefined) errs.push(invalid(at, null, 'must not update from a positive integer to nil value'));
    return false;
  }
  if (now < 0 || now > 2147483647) {
    errs.push(invalid(at, now, rangeError(0, 2147483647)));
    return true;
  }
  if (before !== undefined && before < now) {
    errs.push(invalid(at, now, 'must be less than or equal to previous value'));
    return true;
  }
  return false;
}

/** Existing tolerations may only gain siblings or change their tolerationSeconds. */
function validateTolerationUpdate(errs: Causes, next: Fields, old: Fields): void {
  const now = (next.array('tolerations') ?? []).filter(isObj);
  const before = (asArray([], old.raw('tolerations'), '') ?? []).filter(isObj);
  const kept = before.every((o) => now.some((n) => jsonEqual({ ...o, tolerationSeconds: n.tolerationSeconds }, n)));
  if (!kept) return void errs.push(forbidden(next.path('tolerations'), 'existing toleration can not be modified except its tolerationSeconds'));
  validateTolerations(errs, next.raw('tolerations') as unknown[] | undefined, next.path('tolerations'));
}

function validateGateUpdate(errs: Causes, next: Fields, old: Fields): void {
  const before = new Set((asArray([], old.raw('schedulingGates'), '') ?? []).filter(isObj).map((g) => g.name));
  (next.array('schedulingGates') ?? []).forEach((g, i) => {
    const name = isObj(g) ? g.name : undefined;
    if (!before.has(name)) {
      errs.push(forbidden(`${index(next.path('schedulingGates'), i)}.name`, `only deletion is allowed, but found new scheduling gate '${String(name)}'`));
    }
  });
}

/** The new spec with every field a user may change put back to its old value. */
function mungeSpec(errs: Causes, spec: Obj, old: Obj): Obj {
  const munged = cloneJson(spec);
  for (const list of ['containers', 'initContainers']) {
    const now = munged[list];
    const before = old[list];
    if (!Array.isArray(now) || !Array.isArray(before)) continue;
    now.forEach((c, i) => {
      const prev = before[i];
      if (isObj(c) && isObj(prev)) c.image = prev.image;
    });
  }
  for (const name of ['activeDeadlineSeconds', 'tolerations', 'schedulingGates']) munged[name] = old[name];
  const oldGrace = old.terminationGracePeriodSeconds;
  if (typeof oldGrace === 'number' && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;
  const gated = Array.isArray(old.schedulingGates) && old.schedulingGates.length > 0;
  if (gated && !jsonEqual(munged.nodeSelector, old.nodeSelector)) {
    const now = isObj(munged.nodeSelector) ? munged.nodeSelector : {};
    const before = isObj(old.nodeSelector) ? old.nodeSelector : {};
    // Gated pods have not been scheduled, so selectors may still narrow, never widen.
    if (Object.entries(before).some(([k, v]) => now[k] !== v)) {
      errs.push(invalid('spec.nodeSelector', go(goStringMap(now)), 'only additions to spec.nodeSelector are allowed (no mutations or deletions)'));
    }
    munged.nodeSelector = old.nodeSelector;
  }
  return munged;
}

export function validatePodUpdate(errs: Causes, pod: Obj, old: Obj): void {
  const specObj = asObj([], pod.spec, 'spec') ?? {};
  const oldObj = asObj([], old.spec, 'spec') ?? {};
  const next = fields([], specObj, 'spec');
  const prev = fields([], oldObj, 'spec');
  if (validateContainerUpdates(errs, next, prev, 'containers')) return;
  if (validateContainerUpdates(errs, next, prev, 'initContainers')) return;
  if (validateDeadlineUpdate(errs, next, prev)) return;
  validateTolerationUpdate(errs, next, prev);
  validateGateUpdate(errs, next, prev);
  if (jsonEqual(specObj, oldObj)) return;
  const munged = mungeSpec(errs, specObj, oldObj);
  if (!jsonEqual(munged, oldObj)) {
    errs.push(forbidden('spec', `pod updates may not change fields other than ${UPDATABLE}\n${describeDiff(oldObj, munged, 'spec')}`));
  }
}
