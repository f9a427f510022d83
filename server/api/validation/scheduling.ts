import { duplicate, forbidden, index, invalid, notSupported, required, requireField, type Causes } from './errors.ts';
import { eachObject, type Fields } from './json.ts';
import { readLabelSelector, validateLabelName } from './labels.ts';
import { dns1123LabelErrors, dns1123SubdomainErrors, labelValueErrors } from './names.ts';

/** Where a pod may run: tolerations, affinity, topology spread and scheduling gates. */

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTaintEffect(errs: Causes, effect: string, at: string, allowEmpty: boolean): void {
  if (!allowEmpty && !effect) return requireField(errs, at);
  if (!TAINT_EFFECTS.includes(effect)) errs.push(notSupported(at, effect, TAINT_EFFECTS));
}

export function validateTolerations(errs: Causes, list: unknown[] | undefined, at: string): void {
  eachObject(errs, list, at, (t) => {
    const key = t.str('key') ?? '';
    const operator = t.str('operator') ?? '';
    const value = t.str('value') ?? '';
    const effect = t.str('effect') ?? '';
    if (key) validateLabelName(errs, key, t.path('key'));
    if (!key && operator !== 'Exists') {
      errs.push(invalid(t.path('operator'), operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.has('tolerationSeconds') && effect !== 'NoExecute') {
      errs.push(invalid(t.path('effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === 'Equal' || operator === '') {
      const msgs = labelValueErrors(value);
      // Kubernetes reports a bad value against `operator`.
      if (msgs.length) errs.push(invalid(t.path('operator'), value, msgs.join(';')));
    } else if (operator === 'Exists') {
      if (value) errs.push(invalid(t.path('operator'), value, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(t.path('operator'), operator, ['Equal', 'Exists']));
    }
    if (effect) validateTaintEffect(errs, effect, t.path('effect'), true);
    t.int('tolerationSeconds', 64);
  });
}

function validateNodeSelectorRequirement(errs: Causes, r: Fields, checkValues: boolean): void {
  const operator = r.str('operator') ?? '';
  const values = r.strings('values') ?? [];
  if (operator === 'In' || operator === 'NotIn') {
    if (!values.length) errs.push(required(r.path('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (operator === 'Exists' || operator === 'DoesNotExist') {
    if (values.length) errs.push(forbidden(r.path('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else if (operator === 'Gt' || operator === 'Lt') {
    if (values.length !== 1) errs.push(required(r.path('values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
  } else {
    errs.push(invalid(r.path('operator'), operator, 'not a valid selector operator'));
  }
  validateLabelName(errs, r.str('key') ?? '', r.path('key'));
  if (!checkValues) return;
  values.forEach((v, i) => {
    for (const msg of labelValueErrors(v)) errs.push(invalid(index(r.path('values'), i), v, msg));
  });
}

function validateNodeSelectorTerm(errs: Causes, term: Fields, checkValues: boolean): void {
  eachObject(errs, term.array('matchExpressions'), term.path('matchExpressions'), (r) => validateNodeSelectorRequirement(errs, r, checkValues));
  eachObject(errs, term.array('matchFields'), term.path('matchFields'), (r) => {
    const operator = r.str('operator') ?? '';
    const values = r.strings('values') ?? [];
    if (operator !== 'In' && operator !== 'NotIn') errs.push(invalid(r.path('operator'), operator, 'not a valid selector operator'));
    else if (values.length !== 1) errs.push(required(r.path('values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
    const key = r.str('key') ?? '';
    if (key !== 'metadata.name') return void errs.push(invalid(r.path('key'), key, 'not a valid field selector key'));
    values.forEach((v, i) => {
      for (const msg of dns1123SubdomainErrors(v)) errs.push(invalid(index(r.path('values'), i), v, msg));
    });
  });
}

/** A required NodeSelector (node affinity, PersistentVolume node affinity). */
export function validateNodeSelector(errs: Causes, sel: Fields): void {
  const terms = sel.array('nodeSelectorTerms');
  if (!terms || terms.length === 0) return void errs.push(required(sel.path('nodeSelectorTerms'), 'must have at least one node selector term'));
  eachObject(errs, terms, sel.path('nodeSelectorTerms'), (term) => validateNodeSelectorTerm(errs, term, true));
}

function validateWeight(errs: Causes, item: Fields): void {
  const weight = item.int('weight') ?? 0;
  if (weight <= 0 || weight > 100) errs.push(invalid(item.path('weight'), weight, 'must be in the range 1-100'));
}

function validatePodAffinityTerm(errs: Causes, term: Fields): void {
  readLabelSelector(errs, term.raw('labelSelector'), term.path('labelSelector'));
  readLabelSelector(errs, term.raw('namespaceSelector'), term.path('namespaceSelector'));
  for (const ns of term.strings('namespaces') ?? []) {
    for (const msg of dns1123LabelErrors(ns)) errs.push(invalid(term.path('namespace'), ns, msg));
  }
  const topologyKey = term.str('topologyKey') ?? '';
  if (!topologyKey) errs.push(required(term.path('topologyKey'), 'can not be empty'));
  validateLabelName(errs, topologyKey, term.path('topologyKey'));
}

function validatePodAffinity(errs: Causes, a: Fields): void {
  const requiredPath = 'requiredDuringSchedulingIgnoredDuringExecution';
  const preferredPath = 'preferredDuringSchedulingIgnoredDuringExecution';
  eachObject(errs, a.array(requiredPath), a.path(requiredPath), (term) => validatePodAffinityTerm(errs, term));
  eachObject(errs, a.array(preferredPath), a.path(preferredPath), (w) => {
    validateWeight(errs, w);
    validatePodAffinityTerm(errs, w.fields('podAffinityTerm'));
  });
}

export function validateAffinity(errs: Causes, affinity: Fields): void {
  if (!affinity.obj) return;
  const node = affinity.fields('nodeAffinity');
  if (node.obj) {
    const requiredSel = node.fields('requiredDuringSchedulingIgnoredDuringExecution');
    if (requiredSel.obj) validateNodeSelector(errs, requiredSel);
    const preferredPath = 'preferredDuringSchedulingIgnoredDuringExecution';
    eachObject(errs, node.array(preferredPath), node.path(preferredPath), (p) => {
      validateWeight(errs, p);
      // Preferred terms may name label values no node has yet.
      validateNodeSelectorTerm(errs, p.fields('preference'), false);
    });
  }
  for (const k of ['podAffinity', 'podAntiAffinity']) {
    const a = affinity.fields(k);
    if (a.obj) validatePodAffinity(errs, a);
  }
}

export function validateTopologySpread(errs: Causes, list: unknown[] | undefined, at: string): void {
  const seen = new Set<string>();
  eachObject(errs, list, at, (c) => {
    const maxSkew = c.int('maxSkew') ?? 0;
    if (maxSkew <= 0) errs.push(invalid(c.path('maxSkew'), maxSkew, 'must be greater than zero'));
    const topologyKey = c.str('topologyKey') ?? '';
    if (!topologyKey) errs.push(required(c.path('topologyKey'), 'can not be empty'));
    const when = c.str('whenUnsatisfiable') ?? '';
    if (when !== 'DoNotSchedule' && when !== 'ScheduleAnyway') errs.push(notSupported(c.path('whenUnsatisfiable'), when, ['DoNotSchedule', 'ScheduleAnyway']));
    const pair = `{${topologyKey}, ${when}}`;
    if (seen.has(pair)) errs.push(duplicate(c.path('{topologyKey, whenUnsatisfiable}'), pair));
    seen.add(pair);
    const minDomains = c.int('minDomains');
    if (minDomains !== undefined) {
      if (minDomains <= 0) errs.push(invalid(c.path('minDomains'), minDomains, 'must be greater than zero'));
      if (when !== 'DoNotSchedule') {
        errs.push(invalid(c.path('minDomains'), minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${when}`));
      }
    }
    for (const policy of ['nodeAffinityPolicy', 'nodeTaintsPolicy']) {
      const value = c.str(policy);
      if (value !== undefined && value !== 'Honor' && value !== 'Ignore') errs.push(notSupported(c.path(policy), value, ['Honor', 'Ignore']));
    }
    readLabelSelector(errs, c.raw('labelSelector'), c.path('labelSelector'));
  });
}

export function validateSchedulingGates(errs: Causes, list: unknown[] | undefined, at: string): void {
  const seen = new Set<string>();
  eachObject(errs, list, at, (g, i) => {
    const name = g.str('name') ?? '';
    validateLabelName(errs, name, index(at, i));
    if (seen.has(name)) errs.push(duplicate(index(at, i), name));
    seen.add(name);
  });
}
