import { IMMUTABLE, invalid, required, requireField, type Causes } from './errors.ts';
import { go } from './gofmt.ts';
import { asObj, fields, jsonEqual, type Fields, type Obj } from './json.ts';
import { validateObjectMeta } from './metadata.ts';
import { dns1123SubdomainErrors, qualifiedNameErrors } from './names.ts';

/**
 * Events in both APIs. Kubernetes validates core/v1 Events leniently (old clients write odd ones)
 * and events.k8s.io/v1 Events strictly. The newer API renames fields; causes use the names of the
 * API the client wrote to.
 */

export const EVENTS_API = 'events.k8s.io/v1';

interface EventView {
  strict: boolean;
  names: Record<'involvedObject' | 'message' | 'reportingController' | 'source' | 'firstTimestamp' | 'lastTimestamp' | 'count', string>;
  top: Fields;
  namespace: string;
  involvedNamespace: string;
}

function view(errs: Causes, o: Obj): EventView {
  const strict = o.apiVersion === EVENTS_API;
  const names = strict
    ? { involvedObject: 'regarding', message: 'note', reportingController: 'reportingController', source: 'deprecatedSource', firstTimestamp: 'deprecatedFirstTimestamp', lastTimestamp: 'deprecatedLastTimestamp', count: 'deprecatedCount' }
    : { involvedObject: 'involvedObject', message: 'message', reportingController: 'reportingComponent', source: 'source', firstTimestamp: 'firstTimestamp', lastTimestamp: 'lastTimestamp', count: 'count' };
  const top = fields(errs, o, '');
  const meta = fields(errs, asObj(errs, o.metadata, 'metadata'), 'metadata');
  return { strict, names, top, namespace: meta.str('namespace') ?? '', involvedNamespace: top.fields(names.involvedObject).str('namespace') ?? '' };
}

function checkLength(errs: Causes, value: string, at: string, limit: number): void {
  if (value.length > limit) errs.push(invalid(at, '', `can have at most ${limit} characters`));
}

/** The checks every Event gets, whichever API wrote it. */
function validateLegacy(errs: Causes, v: EventView): void {
  const { top, names } = v;
  const mismatch = () => errs.push(invalid(`${names.involvedObject}.namespace`, v.involvedNamespace, 'does not match event.namespace'));
  if (!top.has('eventTime')) {
    // Old-style events may live in "default" while describing a cluster-scoped object.
    if (!v.involvedNamespace ? v.namespace !== '' && v.namespace !== 'default' : v.namespace !== v.involvedNamespace) mismatch();
  } else {
    if (!v.involvedNamespace && v.namespace !== 'default' && v.namespace !== 'kube-system') mismatch();
    const controller = top.str(names.reportingController) ?? '';
    if (!controller) requireField(errs, names.reportingController);
    for (const msg of qualifiedNameErrors(controller)) errs.push(invalid(names.reportingController, controller, msg));
    const instance = top.str('reportingInstance') ?? '';
    if (!instance) requireField(errs, 'reportingInstance');
    checkLength(errs, instance, 'reportingInstance', 128);
    const action = top.str('action') ?? '';
    if (!action) requireField(errs, 'action');
    checkLength(errs, action, 'action', 128);
    const reason = top.str('reason') ?? '';
    if (!reason) requireField(errs, 'reason');
    checkLength(errs, reason, 'reason', 128);
    checkLength(errs, top.str(names.message) ?? '', names.message, 1024);
  }
  for (const msg of dns1123SubdomainErrors(v.namespace)) errs.push(invalid('namespace', v.namespace, msg));
}

function validateSeries(errs: Causes, top: Fields): void {
  const series = top.fields('series');
  if (!series.obj) return;
  if ((series.int('count') ?? 0) < 2) errs.push(invalid('series.count', '', 'should be at least 2'));
  if (!series.has('lastObservedTime')) errs.push(required('series.lastObservedTime'));
}

/** events.k8s.io insists on the new shape: eventTime set, deprecated fields unset. */
function validateStrict(errs: Causes, o: Obj, v: EventView): void {
  const { top, names } = v;
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'subdomain' });
  validateSeries(errs, top);
  if (!top.has('eventTime')) requireField(errs, 'eventTime');
  const type = top.str('type') ?? '';
  if (type !== 'Normal' && type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${type}`));
  for (const name of [names.firstTimestamp, names.lastTimestamp, names.count]) {
    if (top.has(name)) errs.push(invalid(name, '', 'needs to be unset'));
  }
  const source = top.fields(names.source);
  if (source.str('component') || source.str('host')) errs.push(invalid(names.source, '', 'needs to be unset'));
}

export function validateEvent(errs: Causes, o: Obj): void {
  const v = view(errs, o);
  if (v.strict) validateStrict(errs, o, v);
  else {
    // Legacy events skip ObjectMeta validation, but the store still needs a name.
    const meta = fields(errs, asObj(errs, o.metadata, 'metadata'), 'metadata');
    if (!(meta.str('name') ?? '')) requireField(errs, 'metadata.name', 'name or generateName is required');
  }
  validateLegacy(errs, v);
}

export function validateEventUpdate(errs: Causes, o: Obj, old: Obj): void {
  const v = view([], o);
  if (!v.strict) return;
  const { names } = v;
  const immutable = [names.involvedObject, 'reason', names.message, names.source, names.firstTimestamp, names.lastTimestamp, names.count, 'type', 'eventTime', 'action', 'related', names.reportingController, 'reportingInstance'];
  for (const name of immutable) {
    if (jsonEqual(o[name], old[name])) continue;
    const value = o[name];
    errs.push(invalid(name, typeof value === 'string' || typeof value === 'number' ? value : go(JSON.stringify(value ?? null)), IMMUTABLE));
  }
}
