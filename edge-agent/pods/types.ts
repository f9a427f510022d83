// The Kubernetes shapes the pod manager reads (the subset of core/v1 it acts on) and the
// records it keeps. Objects come from the node's view, already validated and defaulted by
// the API server; fields are still read defensively, since a view may hold an older shape.

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
}

export interface KeyRef { name?: string; key: string; optional?: boolean }

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: { resource: string; divisor?: string | number };
    configMapKeyRef?: KeyRef;
    secretKeyRef?: KeyRef;
  };
}

export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name?: string; optional?: boolean };
  secretRef?: { name?: string; optional?: boolean };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
  subPathExpr?: string;
}

export interface SecurityContext {
  privileged?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type: string; localhostProfile?: string };
}

export interface PodSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  supplementalGroups?: number[];
  fsGroup?: number;
  seccompProfile?: { type: string; localhostProfile?: string };
}

export type Quantity = string | number;

export interface ContainerPort { name?: string; containerPort: number; protocol?: string }

export interface HttpGetAction {
  path?: string;
  port: number | string;
  host?: string;
  scheme?: 'HTTP' | 'HTTPS';
  httpHeaders?: Array<{ name: string; value: string }>;
}

/** The handlers a probe or a lifecycle hook may name (exactly one, as validated). */
export interface Handler {
  exec?: { command?: string[] };
  httpGet?: HttpGetAction;
  tcpSocket?: { port: number | string; host?: string };
  grpc?: { port: number; service?: string };
  sleep?: { seconds: number };
}

export interface Probe extends Handler {
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export interface Lifecycle { postStart?: Handler; preStop?: Handler }

export interface KubeContainer {
  name: string;
  image?: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  resources?: { limits?: Record<string, Quantity>; requests?: Record<string, Quantity> };
  volumeMounts?: VolumeMount[];
  securityContext?: SecurityContext;
  ports?: ContainerPort[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: Lifecycle;
}

export interface KeyToPath { key: string; path: string; mode?: number }
export interface DownwardFile { path: string; fieldRef?: { fieldPath: string }; resourceFieldRef?: unknown; mode?: number }

export interface Volume {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: Quantity };
  hostPath?: { path: string; type?: string };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  configMap?: { name?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  secret?: { secretName?: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  downwardAPI?: { items?: DownwardFile[]; defaultMode?: number };
  projected?: {
    defaultMode?: number;
    sources?: Array<{
      configMap?: { name?: string; items?: KeyToPath[]; optional?: boolean };
      secret?: { name?: string; items?: KeyToPath[]; optional?: boolean };
      downwardAPI?: { items?: DownwardFile[] };
      serviceAccountToken?: unknown;
    }>;
  };
  [source: string]: unknown;
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface PodSpec {
  nodeName?: string;
  containers: KubeContainer[];
  initContainers?: KubeContainer[];
  volumes?: Volume[];
  restartPolicy?: RestartPolicy;
  terminationGracePeriodSeconds?: number;
  hostNetwork?: boolean;
  hostIPC?: boolean;
  hostPID?: boolean;
  hostname?: string;
  subdomain?: string;
  dnsPolicy?: 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';
  dnsConfig?: PodDnsConfig;
  hostAliases?: Array<{ ip: string; hostnames?: string[] }>;
  imagePullSecrets?: Array<{ name?: string }>;
  serviceAccountName?: string;
  securityContext?: PodSecurityContext;
}

export interface PodDnsConfig {
  nameservers?: string[];
  searches?: string[];
  options?: Array<{ name: string; value?: string }>;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: PodSpec;
}

/** The data of a ConfigMap or (decoded) Secret, as the pod manager uses it. */
export type KeyData = Record<string, Buffer>;

/** A container's end, as containerStatuses[].state.terminated shows it. */
export interface Terminated {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt?: string;
  finishedAt: string;
  containerID: string;
}

/** Which list of the pod spec a container is in. */
export type ContainerKind = 'init' | 'app';

/**
 * What the node remembers of one container of a pod across its restarts: kept in the pod's
 * state file so restart counts and the last termination survive agent restarts and reboots.
 */
export interface SlotRecord {
  /** Restarts so far: the attempt number of the newest container (its log is <n>.log). */
  restartCount: number;
  /** The newest container made for this slot, running or ended. */
  containerId?: string;
  image?: string;
  imageID?: string;
  startedAt?: string;
  /** The newest container's end, once it ended. */
  terminated?: Terminated;
  /** The end of the container before the newest (lastState). */
  last?: Terminated;
  /** The sandbox the newest container ran in: init containers run again in a new one. */
  sandboxId?: string;
}

export interface ConditionRecord { status: 'True' | 'False'; lastTransitionTime: string }

/** <data-dir>/pod-state/<uid>/state.json. */
export interface PodRecord {
  version: 1;
  uid: string;
  namespace: string;
  name: string;
  /** When this node first saw the pod bound to it (PodScheduled's transition time). */
  seenAt: string;
  startTime?: string;
  /** Set once the pod can never run again (restartPolicy and exits say so). */
  terminal?: 'Succeeded' | 'Failed';
  conditions: Record<string, ConditionRecord>;
  init: Record<string, SlotRecord>;
  app: Record<string, SlotRecord>;
}
