import { duplicate, forbidden, index, invalid, type Causes } from './errors.ts';
import { go, goQuote, goStringSlice } from './gofmt.ts';
import { parseCidr, validateCidr } from './ip.ts';
import { asObj, eachObject, fields, jsonEqual, type Obj } from './json.ts';
import { validateLabelName } from './labels.ts';
import { validateObjectMeta } from './metadata.ts';
import { labelValueErrors, qualifiedNameErrors } from './names.ts';
import { readResourceList, validateQuantityValue } from './resources.ts';
import { validateTaintEffect } from './scheduling.ts';
import { spec } from './workloads.ts';

/** Cluster-scoped infrastructure kinds: Namespaces and Nodes. */

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateNamespace(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: false, name: 'label' });
  const s = spec(errs, o);
  // Kubernetes reports namespace finalizers against the list, not the element.
  for (const f of s.strings('finalizers') ?? []) {
    for (const msg of qualifiedNameErrors(f)) errs.push(invalid(s.path('finalizers'), f, msg));
    if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      errs.push(invalid(s.path('finalizers'), f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
}

function validateTaints(errs: Causes, list: unknown[] | undefined): void {
  // Kubernetes reports node taints under `metadata.taints`.
  const at = 'metadata.taints';
  const seen = new Set<string>();
  eachObject(errs, list, at, (t, i) => {
    const keyName = t.str('key') ?? '';
    const value = t.str('value') ?? '';
    const effect = t.str('effect') ?? '';
    validateLabelName(errs, keyName, t.path('key'));
    const msgs = labelValueErrors(value);
    if (msgs.length) errs.push(invalid(t.path('value'), value, msgs.join(';')));
    validateTaintEffect(errs, effect, t.path('effect'), false);
    const id = `${effect}\u0000${keyName}`;
    if (seen.has(id)) {
      const literal = go(`core.Taint{Key:${goQuote(keyName)}, Value:${goQuote(value)}, Effect:${goQuote(effect)}, TimeAdded:<nil>}`);
      errs.push({ ...duplicate(index(at, i), literal), message: `${duplicate(index(at, i), literal).message}: taints must be unique by key and effect pair` });
    }
    seen.add(id);
  });
}

function validatePodCidrs(errs: Causes, cidrs: string[]): void {
  const at = 'spec.podCIDRs';
  const valid = cidrs.every((c, i) => validateCidr(errs, c, index(at, i)));
  if (cidrs.length <= 1) return;
  const families = cidrs.map((c) => parseCidr(c)?.family);
  if (valid && (cidrs.length > 2 || families[0] === families[1])) {
    errs.push(invalid(at, go(goStringSlice(cidrs)), 'may specify no more than one CIDR for each IP family'));
  }
  cidrs.forEach((c, i) => {
    if (cidrs.indexOf(c) !== i) errs.push(duplicate(index(at, i), c));
  });
}

function validateNodeResources(errs: Causes, o: Obj): void {
  const status = fields(errs, asObj(errs, o.status, 'status'), 'status');
  for (const list of ['capacity', 'allocatable']) {
    // These paths use dots, not the [key] form, in Kubernetes.
    for (const [name, q] of readResourceList(errs, status.raw(list), status.path(list))) validateQuantityValue(errs, name, q, `status.${list}.${name}`);
  }
}

export function validateNode(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: false, name: 'subdomain' });
  const s = spec(errs, o);
  validateTaints(errs, s.array('taints'));
  validatePodCidrs(errs, s.strings('podCIDRs') ?? []);
  s.bool('unschedulable');
  s.str('providerID');
  validateNodeResources(errs, o);
}

export function validateNodeUpdate(errs: Causes, o: Obj, old: Obj): void {
  const now = spec([], o);
  const before = spec([], old);
  const oldCidrs = before.strings('podCIDRs') ?? [];
  if (oldCidrs.length && !jsonEqual(now.strings('podCIDRs') ?? [], oldCidrs)) {
    errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  const oldProvider = before.str('providerID') ?? '';
  if (oldProvider && oldProvider !== (now.str('providerID') ?? '')) {
    errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  if ((now.str('externalID') ?? '') !== (before.str('externalID') ?? '')) errs.push(forbidden('spec.externalID', 'may not be updated'));
  const seen: unknown[] = [];
  const status = fields([], asObj([], o.status, ''), 'status');
  eachObject([], status.array('addresses'), 'status.addresses', (a, i) => {
    if (seen.some((s) => jsonEqual(s, a.obj))) {
      errs.push(duplicate(index('status.addresses', i), go(`core.NodeAddress{Type:${goQuote(a.str('type') ?? '')}, Address:${goQuote(a.str('address') ?? '')}}`)));
    }
    seen.push(a.obj);
  });
}
