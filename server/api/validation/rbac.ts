import { invalid, notSupported, required, requireField, type Causes } from './errors.ts';
import { go, goQuote, goStringSlice } from './gofmt.ts';
import { asObj, eachObject, fields, jsonEqual, type Fields, type Obj } from './json.ts';
import { readLabelSelector } from './labels.ts';
import { validateObjectMeta } from './metadata.ts';
import { dns1123SubdomainErrors, pathSegmentErrors } from './names.ts';

/** Roles, ClusterRoles and their bindings. */

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

function validateRule(errs: Causes, rule: Fields, namespaced: boolean): void {
  if (!(rule.strings('verbs') ?? []).length) errs.push(required(rule.path('verbs'), 'verbs must contain at least one value'));
  const urls = rule.strings('nonResourceURLs') ?? [];
  const apiGroups = rule.strings('apiGroups') ?? [];
  const resources = rule.strings('resources') ?? [];
  const names = rule.strings('resourceNames') ?? [];
  if (urls.length) {
    const literal = go(goStringSlice(urls));
    if (namespaced) errs.push(invalid(rule.path('nonResourceURLs'), literal, 'namespaced rules cannot apply to non-resource URLs'));
    if (apiGroups.length || resources.length || names.length) {
      errs.push(invalid(rule.path('nonResourceURLs'), literal, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return;
  }
  if (!apiGroups.length) errs.push(required(rule.path('apiGroups'), 'resource rules must supply at least one api group'));
  if (!resources.length) errs.push(required(rule.path('resources'), 'resource rules must supply at least one resource'));
}

function validateRules(errs: Causes, o: Obj, namespaced: boolean): void {
  const top = fields(errs, o, '');
  eachObject(errs, top.array('rules'), 'rules', (rule) => validateRule(errs, rule, namespaced));
}

export function validateRole(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'pathSegment' });
  validateRules(errs, o, true);
}

export function validateClusterRole(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: false, name: 'pathSegment' });
  validateRules(errs, o, false);
  const aggregation = fields(errs, o, '').fields('aggregationRule');
  if (!aggregation.obj) return;
  const selectors = aggregation.array('clusterRoleSelectors') ?? [];
  if (!selectors.length) errs.push(required(aggregation.path('clusterRoleSelectors'), 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  selectors.forEach((sel, i) => readLabelSelector(errs, sel, `${aggregation.path('clusterRoleSelectors')}[${i}]`));
}

function validateSubject(errs: Causes, s: Fields, namespaced: boolean): void {
  const name = s.str('name') ?? '';
  const kind = s.str('kind') ?? '';
  const apiGroup = s.str('apiGroup') ?? '';
  if (!name) requireField(errs, s.path('name'));
  if (kind === 'ServiceAccount') {
    for (const msg of name ? dns1123SubdomainErrors(name) : []) errs.push(invalid(s.path('name'), name, msg));
    if (apiGroup) errs.push(notSupported(s.path('apiGroup'), apiGroup, ['']));
    if (!namespaced && !(s.str('namespace') ?? '')) requireField(errs, s.path('namespace'));
  } else if (kind === 'User' || kind === 'Group') {
    if (apiGroup !== RBAC_GROUP) errs.push(notSupported(s.path('apiGroup'), apiGroup, [RBAC_GROUP]));
  } else {
    errs.push(notSupported(s.path('kind'), kind, ['ServiceAccount', 'User', 'Group']));
  }
}

function validateBinding(errs: Causes, o: Obj, namespaced: boolean): void {
  validateObjectMeta(errs, o.metadata, { namespaced, name: 'pathSegment' });
  const top = fields(errs, o, '');
  const ref = top.fields('roleRef');
  const apiGroup = ref.str('apiGroup') ?? '';
  if (apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kind = ref.str('kind') ?? '';
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(kind)) errs.push(notSupported('roleRef.kind', kind, kinds));
  const name = ref.str('name') ?? '';
  if (!name) requireField(errs, 'roleRef.name');
  else for (const msg of pathSegmentErrors(name)) errs.push(invalid('roleRef.name', name, msg));
  eachObject(errs, top.array('subjects'), 'subjects', (s) => validateSubject(errs, s, namespaced));
}

export function validateRoleBinding(errs: Causes, o: Obj): void {
  validateBinding(errs, o, true);
}

export function validateClusterRoleBinding(errs: Causes, o: Obj): void {
  validateBinding(errs, o, false);
}

/** A binding's role is its identity: rebinding means delete and create. */
export function validateBindingUpdate(errs: Causes, o: Obj, old: Obj): void {
  if (jsonEqual(o.roleRef, old.roleRef)) return;
  const ref = fields([], asObj([], o.roleRef, 'roleRef'), 'roleRef');
  const literal = `rbac.RoleRef{APIGroup:${goQuote(ref.str('apiGroup') ?? '')}, Kind:${goQuote(ref.str('kind') ?? '')}, Name:${goQuote(ref.str('name') ?? '')}}`;
  errs.push(invalid('roleRef', go(literal), 'cannot change roleRef'));
}
