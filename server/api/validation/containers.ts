import { duplicate, forbidden, invalid, notFound, notSupported, rangeError, required, requireField, type Causes } from './errors.ts';
import { go } from './gofmt.ts';
import { eachObject, type Fields } from './json.ts';
import { validateLabelName } from './labels.ts';
import { configMapKeyErrors, dns1123LabelErrors, dns1123SubdomainErrors, envVarNameErrors, portNameErrors, portNumberErrors } from './names.ts';
import { validateLocalDescendingPath, validateNoBacksteps } from './paths.ts';
import { validateLifecycle, validateProbe, type ProbeKind } from './probes.ts';
import { validateResourceRequirements } from './resources.ts';

/** Containers of a pod spec: names, images, ports, environment, mounts, probes and resources. */

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const PROPAGATIONS = ['Bidirectional', 'HostToContainer', 'None'];
const ENV_FIELD_PATHS = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP',
  'status.hostIPs', 'status.podIP', 'status.podIPs',
];
const RESOURCE_FIELD_PATHS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];
const MAX_ID = 4294967295;

export interface PodContext {
  /** Valid volume names with their source kind (`persistentVolumeClaim`, `emptyDir`, …). */
  volumes: Map<string, string>;
  gracePeriod: number | undefined;
}

function validatePorts(errs: Causes, c: Fields): void {
  const names = new Set<string>();
  eachObject(errs, c.array('ports'), c.path('ports'), (p) => {
    const name = p.str('name') ?? '';
    if (name) {
      const msgs = portNameErrors(name);
      for (const msg of msgs) errs.push(invalid(p.path('name'), name, msg));
      if (!msgs.length && names.has(name)) errs.push(duplicate(p.path('name'), name));
      names.add(name);
    }
    const containerPort = p.int('containerPort') ?? 0;
    if (containerPort === 0) requireField(errs, p.path('containerPort'));
    else for (const msg of portNumberErrors(containerPort)) errs.push(invalid(p.path('containerPort'), containerPort, msg));
    const hostPort = p.int('hostPort') ?? 0;
    if (hostPort !== 0) for (const msg of portNumberErrors(hostPort)) errs.push(invalid(p.path('hostPort'), hostPort, msg));
    const protocol = p.str('protocol') ?? '';
    if (!protocol) requireField(errs, p.path('protocol'));
    else if (!PROTOCOLS.includes(protocol)) errs.push(notSupported(p.path('protocol'), protocol, PROTOCOLS));
  });
}

/** Downward API field paths for env: a fixed set, or one label/annotation by subscript. */
function validateFieldRef(errs: Causes, ref: Fields): void {
  const apiVersion = ref.str('apiVersion') ?? '';
  if (!apiVersion) return requireField(errs, ref.path('apiVersion'));
  const fieldPath = ref.str('fieldPath') ?? '';
  if (!fieldPath) return requireField(errs, ref.path('fieldPath'));
  if (apiVersion !== 'v1') {
    return void errs.push(invalid(ref.path('fieldPath'), fieldPath, `error converting fieldPath: unsupported pod version: ${apiVersion}`));
  }
  const sub = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fieldPath);
  if (sub) {
    const key = sub[2] ?? '';
    validateLabelName(errs, sub[1] === 'metadata.annotations' ? key.toLowerCase() : key, ref.at);
  } else if (!ENV_FIELD_PATHS.includes(fieldPath)) {
    errs.push(notSupported(ref.path('fieldPath'), fieldPath, ENV_FIELD_PATHS));
  }
}

function validateKeySelector(errs: Causes, s: Fields): void {
  const name = s.str('name') ?? '';
  for (const msg of dns1123SubdomainErrors(name)) errs.push(invalid(s.path('name'), name, msg));
  const key = s.str('key') ?? '';
  if (!key) requireField(errs, s.path('key'));
  else for (const msg of configMapKeyErrors(key)) errs.push(invalid(s.path('key'), key, msg));
}

function validateValueFrom(errs: Causes, from: Fields, hasValue: boolean): void {
  if (!from.obj) return;
  const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) => from.has(k));
  if (from.has('fieldRef')) validateFieldRef(errs, from.fields('fieldRef'));
  if (from.has('resourceFieldRef')) {
    const ref = from.fields('resourceFieldRef');
    const resource = ref.str('resource') ?? '';
    if (!resource) requireField(errs, ref.path('resource'));
    else if (!RESOURCE_FIELD_PATHS.includes(resource) && !/^(requests|limits)\.hugepages-/.test(resource)) {
      errs.push(notSupported(ref.path('resource'), resource, RESOURCE_FIELD_PATHS));
    }
  }
  for (const k of ['configMapKeyRef', 'secretKeyRef']) if (from.has(k)) validateKeySelector(errs, from.fields(k));
  if (sources.length === 0) errs.push(invalid(from.at, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (hasValue) errs.push(invalid(from.at, '', 'may not be specified when `value` is not empty'));
  else if (sources.length > 1) errs.push(invalid(from.at, '', 'may not have more than one field specified at a time'));
}

function validateEnv(errs: Causes, c: Fields): void {
  eachObject(errs, c.array('env'), c.path('env'), (e) => {
    const name = e.str('name') ?? '';
    if (!name) requireField(errs, e.path('name'));
    else for (const msg of envVarNameErrors(name)) errs.push(invalid(e.path('name'), name, msg));
    validateValueFrom(errs, e.fields('valueFrom'), (e.str('value') ?? '') !== '');
  });
  const listPath = c.path('envFrom');
  eachObject(errs, c.array('envFrom'), listPath, (e) => {
    const prefix = e.str('prefix') ?? '';
    for (const msg of prefix ? envVarNameErrors(prefix) : []) errs.push(invalid(e.path('prefix'), prefix, msg));
    const refs = ['configMapRef', 'secretRef'].filter((k) => e.has(k));
    for (const k of refs) {
      const ref = e.fields(k);
      const name = ref.str('name') ?? '';
      if (!name) requireField(errs, ref.path('name'));
      else for (const msg of dns1123SubdomainErrors(name.replace(/-$/, 'a'))) errs.push(invalid(ref.path('name'), name, msg));
    }
    // Kubernetes reports these two at the list, not the element.
    if (refs.length === 0) errs.push(invalid(listPath, '', 'must specify one of: `configMapRef` or `secretRef`'));
    if (refs.length > 1) errs.push(invalid(listPath, '', 'may not have more than one field specified at a time'));
  });
}

function validateMounts(errs: Causes, c: Fields, ctx: PodContext, privileged: boolean): void {
  const listPath = c.path('volumeMounts');
  const mountPaths = new Set<string>();
  const devices = new Map<string, string>();
  eachObject(errs, c.array('volumeDevices'), c.path('volumeDevices'), (d) => devices.set(d.str('name') ?? '', d.str('devicePath') ?? ''));
  eachObject(errs, c.array('volumeMounts'), listPath, (m) => {
    const name = m.str('name') ?? '';
    if (!name) requireField(errs, m.path('name'));
    if (!ctx.volumes.has(name)) errs.push(notFound(m.path('name'), name));
    const mountPath = m.str('mountPath') ?? '';
    if (!mountPath) requireField(errs, m.path('mountPath'));
    if (mountPaths.has(mountPath)) errs.push(invalid(m.path('mountPath'), mountPath, 'must be unique'));
    mountPaths.add(mountPath);
    if (devices.has(name)) errs.push(invalid(m.path('name'), name, 'must not already exist in volumeDevices'));
    if ([...devices.values()].includes(mountPath)) errs.push(invalid(m.path('mountPath'), mountPath, 'must not already exist as a path in volumeDevices'));
    const subPath = m.str('subPath') ?? '';
    const subPathExpr = m.str('subPathExpr') ?? '';
    // Kubernetes names the list, not the element, for sub-path errors.
    if (subPath) validateLocalDescendingPath(errs, subPath, `${listPath}.subPath`);
    if (subPathExpr) {
      if (subPath) errs.push(invalid(m.path('subPathExpr'), subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      validateLocalDescendingPath(errs, subPathExpr, `${listPath}.subPathExpr`);
    }
    const propagation = m.str('mountPropagation');
    if (propagation !== undefined) {
      if (!PROPAGATIONS.includes(propagation)) errs.push(notSupported(`${listPath}.mountPropagation`, propagation, PROPAGATIONS));
      if (propagation === 'Bidirectional' && !privileged) {
        errs.push(forbidden(`${listPath}.mountPropagation`, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
  });
}

function validateDevices(errs: Causes, c: Fields, ctx: PodContext): void {
  const names = new Set<string>();
  const paths = new Set<string>();
  eachObject(errs, c.array('volumeDevices'), c.path('volumeDevices'), (d) => {
    const name = d.str('name') ?? '';
    const devicePath = d.str('devicePath') ?? '';
    const source = ctx.volumes.get(name);
    if (!name) requireField(errs, d.path('name'));
    if (names.has(name)) errs.push(invalid(d.path('name'), name, 'must be unique'));
    if (source && source !== 'persistentVolumeClaim' && source !== 'ephemeral') {
      errs.push(invalid(d.path('name'), name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'));
    }
    if (!source) errs.push(notFound(d.path('name'), name));
    if (!devicePath) requireField(errs, d.path('devicePath'));
    if (paths.has(devicePath)) errs.push(invalid(d.path('devicePath'), devicePath, 'must be unique'));
    const backsteps: Causes = [];
    validateNoBacksteps(backsteps, devicePath, d.path('devicePath'));
    if (devicePath && backsteps.length) errs.push(invalid(d.path('devicePath'), devicePath, "can not contain backsteps ('..')"));
    else paths.add(devicePath);
    if (name) names.add(name);
  });
}

export function validateIds(errs: Causes, sc: Fields, names: string[]): void {
  for (const n of names) {
    const id = sc.int(n, 64);
    if (id !== undefined && (id < 0 || id > MAX_ID)) errs.push(invalid(sc.path(n), id, rangeError(0, MAX_ID)));
  }
}

/** Container security context; returns whether the container is privileged. */
function validateSecurityContext(errs: Causes, sc: Fields): boolean {
  if (!sc.obj) return false;
  validateIds(errs, sc, ['runAsUser', 'runAsGroup']);
  const procMount = sc.str('procMount');
  if (procMount !== undefined && procMount !== 'Default' && procMount !== 'Unmasked') {
    errs.push(notSupported(sc.path('procMount'), procMount, ['Default', 'Unmasked']));
  }
  validateSeccompProfile(errs, sc.fields('seccompProfile'));
  const privileged = sc.bool('privileged') === true;
  if (sc.bool('allowPrivilegeEscalation') === false) {
    if (privileged) errs.push(invalid(sc.at, go('core.SecurityContext{...}'), 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    if ((sc.fields('capabilities').strings('add') ?? []).includes('CAP_SYS_ADMIN')) {
      errs.push(invalid(sc.at, go('core.SecurityContext{...}'), 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
    }
  }
  return privileged;
}

export function validateSeccompProfile(errs: Causes, sp: Fields): void {
  if (!sp.obj) return;
  const type = sp.str('type') ?? '';
  if (!type) requireField(errs, sp.path('type'), 'type is required when seccompProfile is set');
  else if (!['Localhost', 'RuntimeDefault', 'Unconfined'].includes(type)) {
    errs.push(notSupported(sp.path('type'), type, ['Localhost', 'RuntimeDefault', 'Unconfined']));
  }
  const profile = sp.str('localhostProfile');
  if (type === 'Localhost') {
    if (profile === undefined) errs.push(required(sp.path('localhostProfile'), 'must be set when seccomp type is Localhost'));
    else validateLocalDescendingPath(errs, profile, sp.path('localhostProfile'));
  } else if (profile !== undefined) {
    errs.push(invalid(sp.path('localhostProfile'), go('core.SeccompProfile{...}'), 'can only be set when seccomp type is Localhost'));
  }
}

/** Checks every container kind shares; returns the container's name. */
function validateContainerCommon(errs: Causes, c: Fields, ctx: PodContext): string {
  const name = c.str('name') ?? '';
  if (!name) requireField(errs, c.path('name'));
  else for (const msg of dns1123LabelErrors(name)) errs.push(invalid(c.path('name'), name, msg));
  if (!(c.str('image') ?? '')) requireField(errs, c.path('image'));
  const policy = c.str('terminationMessagePolicy') ?? '';
  if (!policy) requireField(errs, c.path('terminationMessagePolicy'));
  else if (!MESSAGE_POLICIES.includes(policy)) errs.push(notSupported(c.path('terminationMessagePolicy'), policy, MESSAGE_POLICIES));
  validatePorts(errs, c);
  validateEnv(errs, c);
  const privileged = validateSecurityContext(errs, c.fields('securityContext'));
  validateMounts(errs, c, ctx, privileged);
  validateDevices(errs, c, ctx);
  const pull = c.str('imagePullPolicy') ?? '';
  if (!pull) requireField(errs, c.path('imagePullPolicy'));
  else if (!PULL_POLICIES.includes(pull)) errs.push(notSupported(c.path('imagePullPolicy'), pull, PULL_POLICIES));
  validateResourceRequirements(errs, c.fields('resources'));
  return name;
}

const PROBES: ProbeKind[] = ['livenessProbe', 'readinessProbe', 'startupProbe'];

function validateProbesAndHooks(errs: Causes, c: Fields, ctx: PodContext): void {
  const lifecycle = c.fields('lifecycle');
  if (lifecycle.obj) validateLifecycle(errs, lifecycle, ctx.gracePeriod);
  for (const kind of PROBES) validateProbe(errs, c.fields(kind), kind, ctx.gracePeriod);
}

/** Host ports must not collide within one set of containers running side by side. */
function validateHostPorts(errs: Causes, containers: Fields[], seen = new Set<string>()): void {
  for (const c of containers) {
    eachObject([], c.array('ports'), c.path('ports'), (p) => {
      const hostPort = p.int('hostPort') ?? 0;
      if (hostPort === 0) return;
      const id = `${p.str('protocol') ?? ''}/${p.str('hostIP') ?? ''}/${hostPort}`;
      if (seen.has(id)) errs.push(duplicate(p.path('hostPort'), id));
      seen.add(id);
    });
  }
}

export function validateContainers(errs: Causes, list: unknown[] | undefined, at: string, ctx: PodContext): string[] {
  if (!list || list.length === 0) {
    requireField(errs, at);
    return [];
  }
  const names: string[] = [];
  const all: Fields[] = [];
  eachObject(errs, list, at, (c) => {
    const name = validateContainerCommon(errs, c, ctx);
    if (names.includes(name)) errs.push(duplicate(c.path('name'), name));
    names.push(name);
    all.push(c);
    validateProbesAndHooks(errs, c, ctx);
    if (c.has('restartPolicy')) errs.push(forbidden(c.path('restartPolicy'), 'may not be set for non-init containers'));
  });
  validateHostPorts(errs, all);
  return names;
}

export function validateInitContainers(errs: Causes, list: unknown[] | undefined, at: string, regular: string[], ctx: PodContext): void {
  const names = new Set(regular);
  eachObject(errs, list, at, (c) => {
    const name = validateContainerCommon(errs, c, ctx);
    const restartPolicy = c.str('restartPolicy');
    if (restartPolicy !== undefined && restartPolicy !== 'Always') errs.push(notSupported(c.path('restartPolicy'), restartPolicy, ['Always']));
    if (names.has(name)) errs.push(duplicate(c.path('name'), name));
    else if (name) names.add(name);
    validateHostPorts(errs, [c]);
    if (restartPolicy === 'Always') return validateProbesAndHooks(errs, c, ctx);
    for (const k of ['lifecycle', ...PROBES]) {
      if (c.has(k)) errs.push(forbidden(c.path(k), 'may not be set for init containers without restartPolicy=Always'));
    }
  });
}

/** Pod-only (not template) check: runtimes would strip the whitespace and pull something else. */
export function validateImageWhitespace(errs: Causes, list: unknown[] | undefined, at: string): void {
  eachObject([], list, at, (c) => {
    const image = c.str('image') ?? '';
    if (image.trim() !== image) errs.push(invalid(c.path('image'), image, 'must not have leading or trailing whitespace'));
  });
}
