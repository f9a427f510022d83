import { validateClaimTemplate } from './claims.ts';
import { forbidden, invalid, nonNegative, notSupported, requireField, type Causes } from './errors.ts';
import { asObj, cloneJson, eachObject, jsonEqual, type Obj } from './json.ts';
import { validateObjectMeta } from './metadata.ts';
import { validatePodTemplate } from './podspec.ts';
import { validateStatefulSetStrategy } from './rollout.ts';
import { spec, validateAlwaysRestart, validateSelectorAndTemplateLabels } from './workloads.ts';

/** StatefulSets: stable identities, so almost all of the spec is fixed at creation. */

const RETENTION = ['Retain', 'Delete'];

function claimTemplateNames(errs: Causes, list: unknown[] | undefined, at: string): string[] {
  const names: string[] = [];
  eachObject(errs, list, at, (t) => {
    const name = t.fields('metadata').str('name');
    if (name) names.push(name);
    validateClaimTemplate(errs, t);
  });
  return names;
}

export function validateStatefulSet(errs: Causes, o: Obj): void {
  // Pod names are "<set>-<ordinal>" and double as hostnames, hence a DNS label.
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'label' });
  const s = spec(errs, o);
  if (!s.obj) return requireField(errs, 'spec.selector');
  const policy = s.str('podManagementPolicy') ?? '';
  if (!policy) requireField(errs, s.path('podManagementPolicy'));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') errs.push(invalid(s.path('podManagementPolicy'), policy, "must be 'OrderedReady' or 'Parallel'"));
  validateStatefulSetStrategy(errs, s.fields('updateStrategy'));
  const retention = s.fields('persistentVolumeClaimRetentionPolicy');
  for (const when of ['whenDeleted', 'whenScaled']) {
    if (!retention.obj) break;
    const value = retention.str(when) ?? '';
    if (!RETENTION.includes(value)) errs.push(notSupported(retention.path(when), value, RETENTION));
  }
  nonNegative(errs, s.int('replicas'), s.path('replicas'));
  nonNegative(errs, s.int('minReadySeconds'), s.path('minReadySeconds'));
  nonNegative(errs, s.int('revisionHistoryLimit'), s.path('revisionHistoryLimit'));
  const ordinals = s.fields('ordinals');
  if (ordinals.obj) nonNegative(errs, ordinals.int('start'), s.path('ordinals.start'));
  validateSelectorAndTemplateLabels(errs, s, { word: 'statefulset', requireSelector: true, invalidDetail: '' });
  const claims = claimTemplateNames(errs, s.array('volumeClaimTemplates'), s.path('volumeClaimTemplates'));
  const template = s.fields('template');
  // Mounts may name a claim template: those become the pods' PVC volumes.
  validatePodTemplate(errs, template, claims);
  if (template.obj) validateAlwaysRestart(errs, template, 'StatefulSet');
}

const MUTABLE = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'persistentVolumeClaimRetentionPolicy'];

export function validateStatefulSetUpdate(errs: Causes, o: Obj, old: Obj): void {
  const now = cloneJson(asObj([], o.spec, '') ?? {});
  const before = asObj([], old.spec, '') ?? {};
  for (const k of MUTABLE) now[k] = before[k];
  if (!jsonEqual(now, before)) {
    errs.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
}
