import { blank, ensureObj, objAt, objectsAt, setDefault, unset } from './defaults-util.ts';
import type { Obj } from './json.ts';
import { POD_VOLUME_SOURCES } from './volumes.ts';

/** Defaults for pod specs (core/v1 SetDefaults_PodSpec, _Container, _Volume, _Probe, _Pod). */

const FILE_MODE = 0o644;

/** `Always` for `:latest` or untagged images, else `IfNotPresent`, as the kubelet's image parser decides. */
export function defaultPullPolicy(image: unknown): 'Always' | 'IfNotPresent' {
  if (typeof image !== 'string' || image === '') return 'IfNotPresent';
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  // A colon after the last slash starts a tag; one before it belongs to a registry port.
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) return name.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
  // No tag means :latest, unless a digest pins the image.
  return at >= 0 ? 'IfNotPresent' : 'Always';
}

function defaultHandler(handler: Obj | undefined): void {
  const httpGet = objAt(handler, 'httpGet');
  if (!httpGet) return;
  setDefault(httpGet, 'path', '/', blank);
  setDefault(httpGet, 'scheme', 'HTTP', blank);
}

function defaultProbe(probe: Obj | undefined): void {
  if (!probe) return;
  // Zero means "unset" for these non-pointer fields.
  const zeroOrUnset = (v: unknown) => unset(v) || v === 0;
  setDefault(probe, 'timeoutSeconds', 1, zeroOrUnset);
  setDefault(probe, 'periodSeconds', 10, zeroOrUnset);
  setDefault(probe, 'successThreshold', 1, zeroOrUnset);
  setDefault(probe, 'failureThreshold', 3, zeroOrUnset);
  defaultHandler(probe);
}

function defaultFieldRefs(items: Obj[], path: (item: Obj) => Obj | undefined): void {
  for (const item of items) {
    const ref = objAt(path(item), 'fieldRef');
    if (ref) setDefault(ref, 'apiVersion', 'v1', blank);
  }
}

export function defaultContainer(c: Obj): void {
  setDefault(c, 'imagePullPolicy', defaultPullPolicy(c.image), blank);
  setDefault(c, 'terminationMessagePath', '/dev/termination-log', blank);
  setDefault(c, 'terminationMessagePolicy', 'File', blank);
  for (const port of objectsAt(c, 'ports')) setDefault(port, 'protocol', 'TCP', blank);
  ensureObj(c, 'resources');
  defaultFieldRefs(objectsAt(c, 'env'), (e) => objAt(e, 'valueFrom'));
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(objAt(c, probe));
  const lifecycle = objAt(c, 'lifecycle');
  defaultHandler(objAt(lifecycle, 'postStart'));
  defaultHandler(objAt(lifecycle, 'preStop'));
}

function defaultProjected(p: Obj): void {
  setDefault(p, 'defaultMode', FILE_MODE);
  for (const source of objectsAt(p, 'sources')) {
    defaultFieldRefs(objectsAt(objAt(source, 'downwardAPI'), 'items'), (i) => i);
    const token = objAt(source, 'serviceAccountToken');
    if (token) setDefault(token, 'expirationSeconds', 3600);
  }
}

export function defaultVolume(v: Obj): void {
  if (!POD_VOLUME_SOURCES.some((k) => !unset(v[k]))) v.emptyDir = {};
  for (const k of ['secret', 'configMap', 'downwardAPI']) {
    const src = objAt(v, k);
    if (src) setDefault(src, 'defaultMode', FILE_MODE);
  }
  defaultFieldRefs(objectsAt(objAt(v, 'downwardAPI'), 'items'), (i) => i);
  const projected = objAt(v, 'projected');
  if (projected) defaultProjected(projected);
  const hostPath = objAt(v, 'hostPath');
  if (hostPath) setDefault(hostPath, 'type', '');
  const claimSpec = objAt(objAt(objAt(v, 'ephemeral'), 'volumeClaimTemplate'), 'spec');
  if (claimSpec) setDefault(claimSpec, 'volumeMode', 'Filesystem');
  const image = objAt(v, 'image');
  if (image) setDefault(image, 'pullPolicy', defaultPullPolicy(image.reference), blank);
}

/** Defaults every PodSpec gets, in Pods and in templates alike. */
export function defaultPodSpec(spec: Obj): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst', blank);
  setDefault(spec, 'restartPolicy', 'Always', blank);
  ensureObj(spec, 'securityContext');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'schedulerName', 'default-scheduler', blank);
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) for (const c of objectsAt(spec, list)) defaultContainer(c);
  for (const v of objectsAt(spec, 'volumes')) defaultVolume(v);
}

export function defaultPodTemplate(template: Obj | undefined): void {
  const spec = template ? ensureObj(template, 'spec') : undefined;
  if (spec) defaultPodSpec(spec);
}

/** Requests default to limits, so a container with only limits is Guaranteed rather than unbounded. */
function defaultRequestsFromLimits(c: Obj): void {
  const resources = objAt(c, 'resources');
  const limits = objAt(resources, 'limits');
  if (!resources || !limits) return;
  const requests = ensureObj(resources, 'requests');
  if (!requests) return;
  for (const [k, v] of Object.entries(limits)) if (unset(requests[k])) requests[k] = v;
}

/** Pod-only defaults; pod templates do not get these, so changing them does not roll workloads. */
export function defaultPod(pod: Obj): void {
  const spec = ensureObj(pod, 'spec');
  if (!spec) return;
  defaultPodSpec(spec);
  for (const list of ['containers', 'initContainers']) for (const c of objectsAt(spec, list)) defaultRequestsFromLimits(c);
  setDefault(spec, 'enableServiceLinks', true);
  // The Priority admission plugin resolves these when no PriorityClass says otherwise.
  if (blank(spec.priorityClassName)) setDefault(spec, 'priority', 0);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority', blank);
  if (spec.hostNetwork === true) {
    for (const list of ['containers', 'initContainers']) {
      for (const c of objectsAt(spec, list)) {
        for (const port of objectsAt(c, 'ports')) if (unset(port.hostPort) || port.hostPort === 0) port.hostPort = port.containerPort;
      }
    }
  }
}
