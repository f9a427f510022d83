// What every pod worker shares: the node's facts, its stores and the seams to the kernel,
// the view, the outbox and the prober.
import type { Logger } from '../../common/index.ts';
import type { Container } from '../../native/index.ts';
import type { ImageStore } from '../images/store/index.ts';
import type { BackoffPolicy } from './backoff.ts';
import type { Recorder } from './events.ts';
import type { ImageService } from './images.ts';
import type { NodeRegistry } from './pull-credentials.ts';
import type { ObjectSource } from './spec/env.ts';
import type { ContainerKind, KubeContainer, Pod } from './types.ts';

/** Where a pod's network is: its own namespace (no pod IP yet), or the host's at podIP (hostNetwork). */
export interface PodNetwork {
  /** The pod's network namespace file, <podsRoot>/<uid>/ns/net; absent for hostNetwork pods. */
  netns?: string;
  /** The pod's IP when it has one (hostNetwork: the node's). */
  podIP?: string;
}

/** A container a lifecycle hook runs for. */
export interface HookTarget {
  pod: Pod;
  container: KubeContainer;
  handle: Container;
  network: PodNetwork;
}

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** What a prober is given for one started (or adopted) app container. */
export interface ProbeTarget extends HookTarget {
  /** When the container started (initialDelaySeconds counts from here), ms since the epoch. */
  startedAtMs: number;
  /** Readiness: the container's `ready` and the pod's Ready condition follow it. */
  setReady(ready: boolean): void;
  /** The startup probe succeeded: `started`, and liveness and readiness probing, follow it. */
  setStarted(started: boolean): void;
  /** A liveness or startup failure: killed (preStop, stop signal, SIGKILL after the grace), restarted as restartPolicy says. */
  restart(probe: Exclude<ProbeKind, 'readiness'>, graceSeconds: number | undefined): void;
  /** Records an event about the container (Unhealthy, ProbeWarning). */
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** The pod is being deleted: liveness and startup probes stop then, readiness goes on. */
  terminating(): boolean;
}

/** A container's probes, and their verdicts at the start: `started` and `ready` before any probe ran. */
export interface ProbeWatch {
  started: boolean;
  ready: boolean;
  stop(): void;
}

/**
 * Probes and lifecycle hooks (edge-agent/probes). Without a prober a running container is
 * started and ready, as the kubelet treats one without probes, and hooks do not run.
 */
export interface Prober {
  watch(target: ProbeTarget): ProbeWatch;
  /**
   * Runs the container's postStart or preStop handler until it ends or `signal` aborts it.
   * Resolves with the kubelet's failure message, undefined when it succeeded; never rejects.
   */
  runHook(hook: 'postStart' | 'preStop', target: HookTarget, signal: AbortSignal): Promise<string | undefined>;
}

/** Which pod a network belongs to (CNI_ARGS' K8S_POD_* and the container id, here the sandbox's). */
export interface PodNetworkRef {
  namespace: string;
  name: string;
  uid: string;
  sandboxId: string;
  /** The pod's network namespace file. */
  netns: string;
}

/** What the pod network gave a pod: its address, and where its DNS questions go. */
export interface AttachedNetwork {
  podIP: string;
  dns: { nameserver: string; domain: string };
}

/**
 * The pod network (edge-agent/network, a CNI chain): wires a pod's network namespace to the
 * node and unwires it. Without one, pods have loopback only (`--flannel-backend none`).
 */
export interface PodNetworkAttacher {
  /** Idempotent for the same sandbox id: the same address again. */
  attach(ref: PodNetworkRef): Promise<AttachedNetwork>;
  /** Succeeds also when the namespace or the address is already gone. */
  detach(ref: PodNetworkRef): Promise<void>;
}

/**
 * Local persistent volumes (edge-agent/volumes): the volume a pod's claim is bound to, as a
 * host directory to bind into its containers. Provisions it on first use.
 */
export interface ClaimMounter {
  /** Rejects with an Error whose message the pod's FailedMount event shows; the pod retries. */
  mount(pod: Pod, claimName: string): Promise<string>;
}

export interface PodContext {
  node: string;
  nodeIp: string;
  dataDir: string;
  runtimeRoot: string;
  podsRoot: string;
  store: ImageStore;
  images: ImageService;
  objects: ObjectSource;
  record: Recorder;
  /** Puts a pod status report in the outbox and flushes it. */
  report(pod: { namespace: string; name: string; uid: string }, status: Record<string, unknown>): void;
  backoff: BackoffPolicy;
  pidsLimit: number;
  /** Containers' RLIMIT_NOFILE (soft and hard). */
  nofile: number;
  allowPrivileged: boolean;
  prober?: Prober;
  network?: PodNetworkAttacher;
  /** Without one, a pod with a persistentVolumeClaim volume cannot start (FailedMount). */
  volumes?: ClaimMounter;
  /** The node's credential for the server's registry. */
  registry?: NodeRegistry;
  log: Logger;
}
