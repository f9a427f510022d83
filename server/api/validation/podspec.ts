import { validateContainers, validateIds, validateInitContainers, validateSeccompProfile, type PodContext } from './containers.ts';
import { child, forbidden, index, invalid, notSupported, rangeError, required, requireField, type Causes } from './errors.ts';
import { go, goStringSlice } from './gofmt.ts';
import { eachObject, type Fields } from './json.ts';
import { validateLabels } from './labels.ts';
import { validateAnnotations } from './metadata.ts';
import { dns1123LabelErrors, dns1123SubdomainErrors, qualifiedNameErrors } from './names.ts';
import { validateIp } from './ip.ts';
import { readResourceList, validateQuantityValue } from './resources.ts';
import { validateAffinity, validateSchedulingGates, validateTolerations, validateTopologySpread } from './scheduling.ts';
import { validateVolumes } from './volumes.ts';

/** PodSpec validation, shared by Pods and every pod template (paths follow the caller's prefix). */

export interface PodSpecOptions {
  /** A real Pod rather than a template: stricter host-network and image-volume rules apply. */
  isPod: boolean;
  /** Extra volume names that mounts may use (a StatefulSet's volumeClaimTemplates). */
  extraVolumes?: string[];
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const MAX_INT32 = 2147483647;

function validateChoice(errs: Causes, value: string, at: string, allowed: string[]): void {
  if (!value) requireField(errs, at);
  else if (!allowed.includes(value)) errs.push(notSupported(at, value, allowed));
}

function validateDnsConfig(errs: Causes, s: Fields, dnsPolicy: string): void {
  const config = s.fields('dnsConfig');
  if (dnsPolicy === 'None') {
    if (!config.obj) return void errs.push(required(config.at, 'must provide `dnsConfig` when `dnsPolicy` is None'));
    if (!(config.strings('nameservers') ?? []).length) {
      return void errs.push(required(config.path('nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
    }
  }
  if (!config.obj) return;
  const nameservers = config.strings('nameservers') ?? [];
  if (nameservers.length > 3) errs.push(invalid(config.path('nameservers'), go(goStringSlice(nameservers)), 'must not have more than 3 nameservers'));
  nameservers.forEach((ns, i) => validateIp(errs, ns, index(config.path('nameservers'), i)));
  const searches = config.strings('searches') ?? [];
  if (searches.length > 32) errs.push(invalid(config.path('searches'), go(goStringSlice(searches)), 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) {
    errs.push(invalid(config.path('searches'), go(goStringSlice(searches)), 'must not have more than 2048 characters (including spaces) in the search list'));
  }
  searches.forEach((search, i) => {
    const trimmed = search.replace(/\.$/, '');
    for (const msg of dns1123SubdomainErrors(trimmed)) errs.push(invalid(index(config.path('searches'), i), trimmed, msg));
  });
  eachObject(errs, config.array('options'), config.path('options'), (o) => {
    if (!(o.str('name') ?? '')) errs.push(required(o.at, 'must not be empty'));
  });
}

function validatePodSecurityContext(errs: Causes, sc: Fields): void {
  if (!sc.obj) return;
  validateIds(errs, sc, ['runAsUser', 'runAsGroup', 'fsGroup']);
  (sc.array('supplementalGroups') ?? []).forEach((g, i) => {
    if (typeof g === 'number' && (g < 0 || g > 4294967295)) errs.push(invalid(index(sc.path('supplementalGroups'), i), g, rangeError(0, 4294967295)));
  });
  const policy = sc.str('fsGroupChangePolicy');
  if (policy !== undefined && policy !== 'Always' && policy !== 'OnRootMismatch') {
    errs.push(notSupported(sc.path('fsGroupChangePolicy'), policy, ['Always', 'OnRootMismatch']));
  }
  validateSeccompProfile(errs, sc.fields('seccompProfile'));
}

function validateNames(errs: Causes, s: Fields): void {
  const subdomainFields = ['serviceAccountName', 'nodeName', 'priorityClassName', 'runtimeClassName'];
  for (const name of subdomainFields) {
    const value = s.str(name);
    if (value === undefined || (value === '' && name !== 'runtimeClassName')) continue;
    for (const msg of dns1123SubdomainErrors(value)) errs.push(invalid(s.path(name), value, msg));
  }
  for (const name of ['hostname', 'subdomain']) {
    const value = s.str(name) ?? '';
    for (const msg of value ? dns1123LabelErrors(value) : []) errs.push(invalid(s.path(name), value, msg));
  }
}

function validateMisc(errs: Causes, s: Fields): void {
  const deadline = s.int('activeDeadlineSeconds', 64);
  if (deadline !== undefined && (deadline < 1 || deadline > MAX_INT32)) {
    errs.push(invalid(s.path('activeDeadlineSeconds'), deadline, rangeError(1, MAX_INT32)));
  }
  eachObject(errs, s.array('imagePullSecrets'), s.path('imagePullSecrets'), (ref) => {
    if (Object.keys(ref.obj ?? {}).some((k) => k !== 'name')) errs.push(invalid(ref.at, go('core.LocalObjectReference{...}'), 'only name may be set'));
  });
  eachObject(errs, s.array('hostAliases'), s.path('hostAliases'), (alias) => {
    validateIp(errs, alias.str('ip') ?? '', alias.path('ip'));
    (alias.strings('hostnames') ?? []).forEach((h, i) => {
      for (const msg of dns1123SubdomainErrors(h)) errs.push(invalid(index(alias.path('hostnames'), i), h, msg));
    });
  });
  eachObject(errs, s.array('readinessGates'), s.path('readinessGates'), (g) => {
    const type = g.str('conditionType') ?? '';
    for (const msg of qualifiedNameErrors(type)) errs.push(invalid(g.path('conditionType'), type, msg));
  });
  const preemption = s.str('preemptionPolicy');
  if (preemption !== undefined) validateChoice(errs, preemption, s.path('preemptionPolicy'), ['PreemptLowerPriority', 'Never']);
  const overheadPath = s.path('overhead');
  for (const [name, q] of readResourceList(errs, s.raw('overhead'), overheadPath)) validateQuantityValue(errs, name, q, `${overheadPath}[${name}]`);
  const os = s.fields('os');
  if (os.obj) {
    const name = os.str('name') ?? '';
    if (!name) errs.push(required(os.path('name'), 'cannot be empty'));
    else if (name !== 'linux' && name !== 'windows') errs.push(notSupported(os.at, name, ['linux', 'windows']));
  }
  s.int('priority');
  s.bool('hostNetwork');
  s.bool('enableServiceLinks');
  s.stringMap('nodeSelector');
}

/** With host networking the container's port is the node's port. */
function validateHostNetworkPorts(errs: Causes, s: Fields, isPod: boolean): void {
  if (s.bool('hostNetwork') !== true) return;
  eachObject([], s.array('containers'), s.path('containers'), (c) => {
    eachObject([], c.array('ports'), c.path('ports'), (p) => {
      const hostPort = p.int('hostPort') ?? 0;
      if ((isPod || hostPort !== 0) && hostPort !== (p.int('containerPort') ?? 0)) {
        errs.push(invalid(p.path('hostPort'), hostPort, 'must match `containerPort` when `hostNetwork` is true'));
      }
    });
  });
}

export function validatePodSpec(errs: Causes, s: Fields, opts: PodSpecOptions): void {
  if (!s.obj) return void requireField(errs, child(s.at, 'containers'));
  const gracePeriod = s.int('terminationGracePeriodSeconds', 64);
  if (gracePeriod === undefined) requireField(errs, s.path('terminationGracePeriodSeconds'));
  const serviceAccount = s.str('serviceAccountName') ?? '';
  const volumes = validateVolumes(errs, s.array('volumes'), s.path('volumes'), {
    isPod: opts.isPod,
    hasServiceAccount: opts.isPod ? serviceAccount !== '' : undefined,
  });
  for (const extra of opts.extraVolumes ?? []) if (!volumes.has(extra)) volumes.set(extra, 'persistentVolumeClaim');
  const ctx: PodContext = { volumes, gracePeriod };
  const names = validateContainers(errs, s.array('containers'), s.path('containers'), ctx);
  validateInitContainers(errs, s.array('initContainers'), s.path('initContainers'), names, ctx);
  validateHostNetworkPorts(errs, s, opts.isPod);
  validateChoice(errs, s.str('restartPolicy') ?? '', s.path('restartPolicy'), RESTART_POLICIES);
  const dnsPolicy = s.str('dnsPolicy') ?? '';
  validateChoice(errs, dnsPolicy, s.path('dnsPolicy'), DNS_POLICIES);
  validateLabels(errs, s.stringMap('nodeSelector'), s.path('nodeSelector'));
  validatePodSecurityContext(errs, s.fields('securityContext'));
  validateAffinity(errs, s.fields('affinity'));
  validateDnsConfig(errs, s, dnsPolicy);
  validateSchedulingGates(errs, s.array('schedulingGates'), s.path('schedulingGates'));
  validateTopologySpread(errs, s.array('topologySpreadConstraints'), s.path('topologySpreadConstraints'));
  validateNames(errs, s);
  validateTolerations(errs, s.array('tolerations'), s.path('tolerations'));
  validateMisc(errs, s);
}

/**
 * A PodTemplateSpec at `at` (e.g. `spec.template`). Kubernetes reports template labels at
 * `<at>.labels`, not `<at>.metadata.labels`; only the selector mismatch names `metadata`.
 */
export function validatePodTemplate(errs: Causes, template: Fields, extraVolumes?: string[]): void {
  if (!template.obj) return void requireField(errs, template.at);
  const meta = template.fields('metadata');
  validateLabels(errs, meta.stringMap('labels'), template.path('labels'));
  validateAnnotations(errs, meta.stringMap('annotations'), template.path('annotations'));
  const spec = template.fields('spec');
  validatePodSpec(errs, spec, { isPod: false, extraVolumes });
  if ((spec.array('ephemeralContainers') ?? []).length) {
    errs.push(forbidden(spec.path('ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
}
