import type { KubeObject, StatusCause } from '../objects/types.ts';
import { applyDefaults } from './index.ts';

/** Manifests from the kubernetes.io documentation, as users would send them. */

// Tests edit deep copies freely, so manifests are loosely typed.
export type Manifest = KubeObject & Record<string, any>;

const copy = (o: object): Manifest => structuredClone(o) as Manifest;

export const pod = (): Manifest =>
  copy({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nginx', namespace: 'default' },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] },
  });

export const deployment = (): Manifest =>
  copy({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-deployment', namespace: 'default', labels: { app: 'nginx' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] },
      },
    },
  });

export const service = (): Manifest =>
  copy({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'my-service', namespace: 'default' },
    spec: { selector: { 'app.kubernetes.io/name': 'MyApp' }, ports: [{ protocol: 'TCP', port: 80, targetPort: 9376 }] },
  });

export const pvc = (): Manifest =>
  copy({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'myclaim', namespace: 'default' },
    spec: {
      accessModes: ['ReadWriteOnce'],
      volumeMode: 'Filesystem',
      resources: { requests: { storage: '8Gi' } },
      storageClassName: 'slow',
      selector: { matchLabels: { release: 'stable' }, matchExpressions: [{ key: 'environment', operator: 'In', values: ['dev'] }] },
    },
  });

export const pv = (): Manifest =>
  copy({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'pv0003' },
    spec: {
      capacity: { storage: '5Gi' },
      volumeMode: 'Filesystem',
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Recycle',
      storageClassName: 'slow',
      mountOptions: ['hard', 'nfsvers=4.1'],
      nfs: { path: '/tmp', server: '172.17.0.2' },
    },
  });

export const statefulSet = (): Manifest =>
  copy({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'nginx' } },
      serviceName: 'nginx',
      replicas: 3,
      minReadySeconds: 10,
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: 'nginx',
              image: 'registry.k8s.io/nginx-slim:0.24',
              ports: [{ containerPort: 80, name: 'web' }],
              volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'www' },
          spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'my-storage-class', resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  });

export const daemonSet = (): Manifest =>
  copy({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'fluentd-elasticsearch', namespace: 'kube-system', labels: { 'k8s-app': 'fluentd-logging' } },
    spec: {
      selector: { matchLabels: { name: 'fluentd-elasticsearch' } },
      template: {
        metadata: { labels: { name: 'fluentd-elasticsearch' } },
        spec: {
          tolerations: [
            { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
            { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
          ],
          containers: [
            {
              name: 'fluentd-elasticsearch',
              image: 'quay.io/fluentd_elasticsearch/fluentd:v2.5.2',
              resources: { limits: { memory: '200Mi' }, requests: { cpu: '100m', memory: '200Mi' } },
              volumeMounts: [{ name: 'varlog', mountPath: '/var/log' }],
            },
          ],
          terminationGracePeriodSeconds: 30,
          volumes: [{ name: 'varlog', hostPath: { path: '/var/log' } }],
        },
      },
    },
  });

export const job = (): Manifest =>
  copy({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: '6f5c3b5e-0d7a-4a0e-9d7b-3b2f7e1c9a10' },
    spec: {
      template: {
        spec: {
          containers: [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] }],
          restartPolicy: 'Never',
        },
      },
      backoffLimit: 4,
    },
  });

export const networkPolicy = (): Manifest =>
  copy({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'test-network-policy', namespace: 'default' },
    spec: {
      podSelector: { matchLabels: { role: 'db' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [
            { ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } },
            { namespaceSelector: { matchLabels: { project: 'myproject' } } },
            { podSelector: { matchLabels: { role: 'frontend' } } },
          ],
          ports: [{ protocol: 'TCP', port: 6379 }],
        },
      ],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
    },
  });

export const configMap = (): Manifest =>
  copy({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'game-demo', namespace: 'default' },
    data: {
      player_initial_lives: '3',
      ui_properties_file_name: 'user-interface.properties',
      'game.properties': 'enemy.types=aliens,monsters\nplayer.maximum-lives=5\n',
    },
  });

export const secret = (): Manifest =>
  copy({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'dotfile-secret', namespace: 'default' },
    data: { '.secret-file': 'dmFsdWUtMg0KDQo=' },
  });

/** The object as the store keeps it after a create: defaulted, with the server's identity fields. */
export function stored(kind: string, object: Manifest): Manifest {
  const o = copy(object);
  o.metadata.uid ??= '0b6a2f1c-1111-4222-8333-944455556666';
  o.metadata.resourceVersion = '1';
  o.metadata.creationTimestamp = '2024-01-01T00:00:00Z';
  return applyDefaults(kind, o) as Manifest;
}

export const at = (causes: StatusCause[], field: string): StatusCause[] => causes.filter((c) => c.field === field);
export const fieldsOf = (causes: StatusCause[]): string[] => causes.map((c) => c.field);

/** applyDefaults, typed loosely for reading nested fields in assertions. */
export const defaulted = (kind: string, object: Manifest): Manifest => applyDefaults(kind, object) as Manifest;
