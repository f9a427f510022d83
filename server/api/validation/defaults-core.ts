import { blank, ensureObj, objAt, objectsAt, setDefault, unset } from './defaults-util.ts';
import { ipFamily } from './ip.ts';
import { isObj, type Obj } from './json.ts';

/** Defaults for core/v1 kinds other than Pods, plus what their registries fill in before validation. */

function defaultServiceFamilies(spec: Obj): void {
  // Kubernetes keeps clusterIP and clusterIPs in step before validating.
  const clusterIPs = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : undefined;
  if (typeof spec.clusterIP === 'string' && spec.clusterIP && !clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  else if (blank(spec.clusterIP) && typeof clusterIPs?.[0] === 'string') spec.clusterIP = clusterIPs[0];
  const headless = spec.clusterIP === 'None';
  const hasSelector = isObj(spec.selector) && Object.keys(spec.selector).length > 0;
  // Headless Services without selectors publish whatever endpoints exist, of any family.
  setDefault(spec, 'ipFamilyPolicy', headless && !hasSelector ? 'RequireDualStack' : 'SingleStack', blank);
  const primary = typeof spec.clusterIP === 'string' ? ipFamily(spec.clusterIP) : undefined;
  setDefault(spec, 'ipFamilies', [primary === 6 ? 'IPv6' : 'IPv4'], (v) => unset(v) || (Array.isArray(v) && v.length === 0));
}

export function defaultService(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'sessionAffinity', 'None', blank);
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const timeout = objAt(objAt(spec, 'sessionAffinityConfig'), 'clientIP')?.timeoutSeconds;
    if (unset(timeout)) spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  setDefault(spec, 'type', 'ClusterIP', blank);
  for (const port of objectsAt(spec, 'ports')) {
    setDefault(port, 'protocol', 'TCP', blank);
    if (unset(port.targetPort) || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  const type = spec.type;
  const externalIPs = Array.isArray(spec.externalIPs) ? spec.externalIPs : [];
  const accessible = type === 'NodePort' || type === 'LoadBalancer' || (type === 'ClusterIP' && externalIPs.length > 0);
  if (accessible) setDefault(spec, 'externalTrafficPolicy', 'Cluster', blank);
  if (type === 'ClusterIP' || type === 'NodePort' || type === 'LoadBalancer') {
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
    defaultServiceFamilies(spec);
  }
  if (type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
}

export function defaultEndpoints(o: Obj): void {
  for (const subset of objectsAt(o, 'subsets')) for (const port of objectsAt(subset, 'ports')) setDefault(port, 'protocol', 'TCP', blank);
}

export function defaultPersistentVolume(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  if (spec) {
    setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain', blank);
    setDefault(spec, 'volumeMode', 'Filesystem');
  }
  const status = ensureObj(o, 'status');
  if (status) setDefault(status, 'phase', 'Pending', blank);
}

export function defaultPersistentVolumeClaim(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  if (spec) setDefault(spec, 'volumeMode', 'Filesystem');
  const status = ensureObj(o, 'status');
  if (status) setDefault(status, 'phase', 'Pending', blank);
}

/** `stringData` is a write-only convenience: Kubernetes merges it into `data`, base64-encoded. */
export function defaultSecret(o: Obj): void {
  setDefault(o, 'type', 'Opaque', blank);
  const stringData = objAt(o, 'stringData');
  if (!stringData) return;
  const data = ensureObj(o, 'data');
  if (!data) return;
  for (const [k, v] of Object.entries(stringData)) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
  delete o.stringData;
}

export function defaultNamespace(o: Obj): void {
  const meta = objAt(o, 'metadata');
  if (meta && typeof meta.name === 'string' && meta.name) {
    const labels = ensureObj(meta, 'labels');
    if (labels) labels['kubernetes.io/metadata.name'] = meta.name;
  }
  const spec = ensureObj(o, 'spec');
  // The namespace controller's own finalizer keeps it until its contents are gone.
  if (spec) setDefault(spec, 'finalizers', ['kubernetes'], (v) => unset(v) || (Array.isArray(v) && v.length === 0));
  const status = ensureObj(o, 'status');
  if (status) setDefault(status, 'phase', 'Active', blank);
}

export function defaultNode(o: Obj): void {
  const status = objAt(o, 'status');
  const capacity = objAt(status, 'capacity');
  if (status && capacity) setDefault(status, 'allocatable', { ...capacity });
}
