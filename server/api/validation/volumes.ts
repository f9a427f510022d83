import { validateClaimTemplate } from './claims.ts';
import { duplicate, forbidden, invalid, notSupported, required, requireField, tooLong, type Causes } from './errors.ts';
import { eachObject, type Fields } from './json.ts';
import { dns1123LabelErrors, dns1123SubdomainErrors } from './names.ts';
import { validateFileMode, validateLocalNonReservedPath, validateNoBacksteps } from './paths.ts';
import { readQuantity } from './resources.ts';

/** Pod volumes: unique DNS-label names and exactly one source each. */

// Kubernetes checks sources in this order; the first present one counts, later ones are "more than 1".
export const POD_VOLUME_SOURCES = [
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'flocker', 'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc', 'flexVolume', 'configMap',
  'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'storageos', 'projected', 'scaleIO',
  'csi', 'ephemeral', 'image',
];

// Two field names Kubernetes misspells in its "more than 1 volume type" errors.
const FORBIDDEN_PATH_NAME: Record<string, string> = { cephfs: 'cephFS', downwardAPI: 'downwarAPI' };

export const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];

export function validateHostPath(errs: Causes, h: Fields): void {
  const path = h.str('path') ?? '';
  if (!path) return requireField(errs, h.path('path'));
  validateNoBacksteps(errs, path, h.path('path'));
  const type = h.str('type');
  if (type !== undefined && !HOST_PATH_TYPES.includes(type)) errs.push(notSupported(h.path('type'), type, HOST_PATH_TYPES));
}

export function validateNfs(errs: Causes, n: Fields): void {
  if (!(n.str('server') ?? '')) requireField(errs, n.path('server'));
  const path = n.str('path') ?? '';
  if (!path) requireField(errs, n.path('path'));
  if (!path.startsWith('/')) errs.push(invalid(n.path('path'), path, 'must be an absolute path'));
}

export function validateCsiDriver(errs: Causes, driver: string, at: string): void {
  if (!driver) requireField(errs, at);
  if (Buffer.byteLength(driver) > 63) errs.push(tooLong(at, 63));
  for (const msg of dns1123SubdomainErrors(driver.toLowerCase())) errs.push(invalid(at, driver, msg));
}

function validateKeyToPaths(errs: Causes, src: Fields): void {
  eachObject(errs, src.array('items'), src.path('items'), (item) => {
    if (!(item.str('key') ?? '')) requireField(errs, item.path('key'));
    const path = item.str('path') ?? '';
    if (!path) requireField(errs, item.path('path'));
    validateLocalNonReservedPath(errs, path, item.path('path'));
    validateFileMode(errs, item.int('mode'), item.path('mode'));
  });
}

function validateDownwardApiFiles(errs: Causes, src: Fields, at: string): void {
  eachObject(errs, src.array('items'), src.path('items'), (file) => {
    const path = file.str('path') ?? '';
    if (!path) requireField(errs, file.path('path'));
    validateLocalNonReservedPath(errs, path, file.path('path'));
    const hasField = file.has('fieldRef');
    const hasResource = file.has('resourceFieldRef');
    if (hasField && hasResource) errs.push(invalid(at, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    if (!hasField && !hasResource) errs.push(required(at, 'one of fieldRef and resourceFieldRef is required'));
    validateFileMode(errs, file.int('mode'), file.path('mode'));
  });
}

function validateProjected(errs: Causes, p: Fields, hasServiceAccount: boolean | undefined): void {
  validateFileMode(errs, p.int('defaultMode'), p.path('defaultMode'));
  eachObject(errs, p.array('sources'), p.path('sources'), (source) => {
    const kinds = ['secret', 'configMap', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle'].filter((k) => source.has(k));
    if (kinds.length > 1) errs.push(forbidden(source.at, 'may not specify more than 1 volume type per source'));
    for (const k of ['secret', 'configMap']) {
      const ref = source.fields(k);
      if (!ref.obj) continue;
      if (!(ref.str('name') ?? '')) requireField(errs, ref.path('name'));
      validateKeyToPaths(errs, ref);
    }
    const token = source.fields('serviceAccountToken');
    if (token.obj) {
      const seconds = token.int('expirationSeconds', 64);
      if (seconds !== undefined && seconds < 600) errs.push(invalid(token.path('expirationSeconds'), seconds, 'may not specify a duration less than 10 minutes'));
      if (seconds !== undefined && seconds > 2 ** 32) errs.push(invalid(token.path('expirationSeconds'), seconds, 'may not specify a duration larger than 2^32 seconds'));
      const path = token.str('path') ?? '';
      if (!path) requireField(errs, p.path('path'));
      else validateLocalNonReservedPath(errs, path, p.path('path'));
      if (hasServiceAccount === false) errs.push(forbidden(token.at, 'must not be specified when serviceAccountName is not set'));
    }
    const downward = source.fields('downwardAPI');
    if (downward.obj) validateDownwardApiFiles(errs, downward, source.path('downwardAPI'));
  });
}

interface SourceContext {
  isPod: boolean;
  hasServiceAccount: boolean | undefined;
}

function validateSource(errs: Causes, kind: string, src: Fields, ctx: SourceContext): void {
  switch (kind) {
    case 'emptyDir': {
      const limit = readQuantity(errs, src.raw('sizeLimit'), src.path('sizeLimit'));
      if (limit && limit.nanos < 0n) errs.push(forbidden(src.path('sizeLimit'), 'SizeLimit field must be a valid resource quantity'));
      return;
    }
    case 'hostPath':
      return validateHostPath(errs, src);
    case 'secret':
      if (!(src.str('secretName') ?? '')) requireField(errs, src.path('secretName'));
      validateFileMode(errs, src.int('defaultMode'), src.path('defaultMode'));
      return validateKeyToPaths(errs, src);
    case 'configMap':
      if (!(src.str('name') ?? '')) requireField(errs, src.path('name'));
      validateFileMode(errs, src.int('defaultMode'), src.path('defaultMode'));
      return validateKeyToPaths(errs, src);
    case 'persistentVolumeClaim':
      if (!(src.str('claimName') ?? '')) requireField(errs, src.path('claimName'));
      return;
    case 'downwardAPI':
      validateFileMode(errs, src.int('defaultMode'), src.path('defaultMode'));
      return validateDownwardApiFiles(errs, src, src.at);
    case 'projected':
      return validateProjected(errs, src, ctx.hasServiceAccount);
    case 'nfs':
      return validateNfs(errs, src);
    case 'csi':
      return validateCsiDriver(errs, src.str('driver') ?? '', src.path('driver'));
    case 'ephemeral':
      if (!src.has('volumeClaimTemplate')) return requireField(errs, src.path('volumeClaimTemplate'));
      return validateClaimTemplate(errs, src.fields('volumeClaimTemplate'));
    case 'image': {
      if (ctx.isPod && !(src.str('reference') ?? '')) requireField(errs, src.path('reference'));
      const policy = src.str('pullPolicy') ?? '';
      if (!policy) requireField(errs, src.path('pullPolicy'));
      else if (!PULL_POLICIES.includes(policy)) errs.push(notSupported(src.path('pullPolicy'), policy, PULL_POLICIES));
      return;
    }
    default:
      return;
  }
}

/** The volume-source keys present on an object, in Kubernetes' checking order. */
export function presentSources(v: Fields, sources: readonly string[]): string[] {
  return sources.filter((k) => v.has(k));
}

export function validateVolumeSources(errs: Causes, v: Fields, ctx: SourceContext): void {
  const present = presentSources(v, POD_VOLUME_SOURCES);
  present.forEach((kind, i) => {
    if (i > 0) errs.push(forbidden(v.path(FORBIDDEN_PATH_NAME[kind] ?? kind), 'may not specify more than 1 volume type'));
    else validateSource(errs, kind, v.fields(kind), ctx);
  });
  if (present.length === 0) errs.push(required(v.at, 'must specify a volume type'));
}

/** Validates `spec.volumes`; returns each valid volume's name with its source kind. */
export function validateVolumes(errs: Causes, list: unknown[] | undefined, at: string, ctx: SourceContext): Map<string, string> {
  const volumes = new Map<string, string>();
  eachObject(errs, list, at, (v) => {
    const own: Causes = [];
    validateVolumeSources(own, v, ctx);
    const name = v.str('name') ?? '';
    if (!name) requireField(own, v.path('name'));
    else for (const msg of dns1123LabelErrors(name)) own.push(invalid(v.path('name'), name, msg));
    if (volumes.has(name)) own.push(duplicate(v.path('name'), name));
    // As in Kubernetes, a volume with errors is not something mounts may refer to.
    if (own.length === 0) volumes.set(name, presentSources(v, POD_VOLUME_SOURCES)[0] ?? 'emptyDir');
    errs.push(...own);
  });
  return volumes;
}
