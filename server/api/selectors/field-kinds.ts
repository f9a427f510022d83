/**
 * Which fields kube-apiserver accepts in a field selector, per kind, and how each reads off an
 * object. Acceptance follows the field label conversion functions registered for each kind
 * (pkg/apis/<group>/<version>/conversion.go); values follow the kinds' ToSelectableFields. A kind
 * without a conversion function (Deployment, ConfigMap, apps/v1 ReplicaSet, CRDs...) accepts
 * only metadata.name and metadata.namespace. Upstream documents status.replicas for ReplicaSet
 * but rejects it (kubernetes/kubernetes#135136); so do we.
 */
import { goQuote } from './go-format.ts';
import { at, asText, count, firstText, flag, text, type FieldReader } from './field-values.ts';

export interface KindFields {
  readonly group: string;
  readonly kind: string;
  /** The kind's field set: field → reader. */
  readonly readers: ReadonlyMap<string, FieldReader>;
  /** The conversion: accepted selector field → the field-set field it reads. */
  readonly accepted: ReadonlyMap<string, string>;
  /** The conversion function's error for any other field. */
  reject(field: string): string;
}

interface Options {
  /** Accepted names beyond the field set's own: legacy aliases, or fields missing from the set. */
  extra?: [string, string][];
  /** Field-set fields the conversion does not accept under their own name. */
  hidden?: string[];
  reject?: (field: string) => string;
}

const name = text('metadata', 'name');
const namespace = text('metadata', 'namespace');

const notSupported = (field: string) => `field label not supported: ${field}`;

function kindFields(group: string, kind: string, readers: [string, FieldReader][], options: Options = {}): KindFields {
  const hidden = options.hidden ?? [];
  const own = readers.filter(([field]) => !hidden.includes(field)).map(([field]): [string, string] => [field, field]);
  return {
    group,
    kind,
    readers: new Map(readers),
    accepted: new Map([...own, ...(options.extra ?? [])]),
    reject: options.reject ?? notSupported,
  };
}

// An Event stored in its events.k8s.io/v1 shape names these fields differently; read either.
const involved = (field: string) => firstText(['involvedObject', field], ['regarding', field]);
const reportingController = firstText(['reportingComponent'], ['reportingController']);
const sourceComponent = firstText(['source', 'component'], ['deprecatedSource', 'component']);

function podIP(object: unknown): string {
  return asText(at(object, 'status', 'podIPs', '0', 'ip')) || asText(at(object, 'status', 'podIP'));
}

const involvedFields = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

const eventReaders: [string, FieldReader][] = [
  ['metadata.name', name],
  ['metadata.namespace', namespace],
  ...involvedFields.map((field): [string, FieldReader] => [`involvedObject.${field}`, involved(field)]),
  ['reason', text('reason')],
  ['reportingComponent', reportingController],
  // The event's source falls back to its reporting controller.
  ['source', (object) => sourceComponent(object) || reportingController(object)],
  ['type', text('type')],
];

/** Built-in kinds with their own field selectors; the first entry of a kind is its default group. */
const kinds: readonly KindFields[] = [
  kindFields(
    '',
    'Pod',
    [
      ['metadata.name', name],
      ['metadata.namespace', namespace],
      ['spec.nodeName', text('spec', 'nodeName')],
      ['spec.restartPolicy', text('spec', 'restartPolicy')],
      ['spec.schedulerName', text('spec', 'schedulerName')],
      ['spec.serviceAccountName', text('spec', 'serviceAccountName')],
      ['spec.hostNetwork', flag('spec', 'hostNetwork')],
      ['status.phase', text('status', 'phase')],
      ['status.podIP', podIP],
      ['status.nominatedNodeName', text('status', 'nominatedNodeName')],
    ],
    // status.podIPs is accepted but absent from the pod's field set, so it always reads "".
    { extra: [['spec.host', 'spec.nodeName'], ['status.podIPs', 'status.podIPs']] },
  ),
  kindFields('', 'Node', [
    ['metadata.name', name],
    ['spec.unschedulable', flag('spec', 'unschedulable')],
  ]),
  kindFields('', 'ReplicationController', [
    ['metadata.name', name],
    ['metadata.namespace', namespace],
    ['status.replicas', count('status', 'replicas')],
  ]),
  kindFields('', 'Event', eventReaders),
  kindFields('', 'Namespace', [
    ['metadata.name', name],
    ['status.phase', text('status', 'phase')],
  ]),
  kindFields('', 'Secret', [
    ['metadata.name', name],
    ['metadata.namespace', namespace],
    ['type', text('type')],
  ]),
  kindFields('', 'Service', [
    ['metadata.name', name],
    ['metadata.namespace', namespace],
    ['spec.clusterIP', text('spec', 'clusterIP')],
    ['spec.type', text('spec', 'type')],
  ]),
  kindFields(
    'batch',
    'Job',
    [
      ['metadata.name', name],
      ['metadata.namespace', namespace],
      ['status.successful', count('status', 'succeeded')],
    ],
    { reject: (field) => `field label ${goQuote(field)} not supported for Job` },
  ),
  kindFields('certificates.k8s.io', 'CertificateSigningRequest', [
    ['metadata.name', name],
    ['spec.signerName', text('spec', 'signerName')],
  ]),
  kindFields('certificates.k8s.io', 'ClusterTrustBundle', [
    ['metadata.name', name],
    ['spec.signerName', text('spec', 'signerName')],
  ]),
  kindFields('events.k8s.io', 'Event', eventReaders, {
    hidden: ['reportingComponent', ...involvedFields.map((field) => `involvedObject.${field}`)],
    extra: [
      ...involvedFields.map((field): [string, string] => [`regarding.${field}`, `involvedObject.${field}`]),
      ['reportingController', 'reportingComponent'],
    ],
  }),
];

function metadataOnly(group: string, kind: string): KindFields {
  return kindFields(
    group,
    kind,
    [
      ['metadata.name', name],
      ['metadata.namespace', namespace],
    ],
    { reject: (field) => `${goQuote(field)} is not a known field selector: only "metadata.name", "metadata.namespace"` },
  );
}

/** The field selector rules of a kind; `group` tells same-named kinds apart (default: the built-in one). */
export function fieldsOf(kind: string, group?: string): KindFields {
  const known = kinds.find((entry) => entry.kind === kind && (group === undefined || entry.group === group));
  return known ?? metadataOnly(group ?? '', kind);
}
