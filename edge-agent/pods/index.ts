// The public face of edge-agent/pods: the node's pod manager (the kubelet's part of the
// agent). It reconciles the pods bound to this node in the view against the containers the
// runtime has, reports their status and events through the outbox, and survives its own
// restarts: containers outlive the agent and are taken over again (docs/adr/009-pod-manager.md).
import type { Container } from '../../native/index.ts';
import type { Outbox, ViewCache } from '../sync/index.ts';
import type { BackoffPolicy } from './backoff.ts';
import type { ClaimMounter, PodNetworkAttacher, Prober } from './context.ts';
import type { NodeRegistry } from './pull-credentials.ts';

export { startPodManager } from './manager.ts';
export { KUBELET_BACKOFF, type BackoffPolicy } from './backoff.ts';
export type { AttachedNetwork, ClaimMounter, HookTarget, PodNetwork, PodNetworkAttacher, PodNetworkRef, ProbeKind, Prober, ProbeTarget, ProbeWatch } from './context.ts';
export type { Handler, HttpGetAction, KubeContainer, Pod, Probe } from './types.ts';
/** Kubernetes' $(VAR) expansion, for exec probe commands (expanded with the container's literal env). */
export { expand } from './spec/expansion.ts';
/** Kubernetes quantities as numbers ("64Mi" → 67108864), for a claim's requested size. */
export { quantityValue } from './spec/resources.ts';

export interface PodManagerOptions {
  node: string;
  /** The node's InternalIP: status.hostIP (and podIP of hostNetwork pods). */
  nodeIp: string;
  dataDir: string;
  cache: ViewCache;
  outbox: Outbox;
  /** Sends what the outbox holds (the sync's flush). */
  flush(): void;
  /** The runtime's state dirs; default /run/skerry/runtime. */
  runtimeRoot?: string;
  /** Pod namespace files, bundles and rendered volumes; default /run/skerry/pods. */
  podsRoot?: string;
  /** Restart and image-pull back-off; Kubernetes' 10 s doubling to 5 min by default. */
  backoff?: BackoffPolicy;
  /** Allow securityContext.privileged (all capabilities, no seccomp, writable /sys); default false. */
  allowPrivileged?: boolean;
  /** The pids limit of every container's cgroup; default 4096. */
  pidsLimit?: number;
  /** Probes and lifecycle hooks (edge-agent/probes); without one, containers are ready while running and hooks do not run. */
  prober?: Prober;
  /** The pod network; without one, pods get loopback only. */
  network?: PodNetworkAttacher;
  /** Local persistent volumes (edge-agent/volumes); without them a claim's pod cannot start. */
  volumes?: ClaimMounter;
  /** The server's registry: where pulls use the node's credential, and the CA it is served with. */
  registry?: NodeRegistry & { ca: string };
}

export interface FindResult {
  /** The CRI log of the container (or of the one before it, for `previous`). */
  logPath: string;
  /** The running container, for exec; absent when it has ended. */
  container?: Container;
}

export interface PodManager {
  /** Reconciles against the view now: call after each applied view batch. */
  resync(): void;
  /** Stops reconciling; the containers keep running (they outlive the agent). */
  stop(): Promise<void>;
  /** The container of a pod for logs and exec; `previous` is the one before the newest (kubectl logs --previous). */
  findContainer(namespace: string, pod: string, container: string, previous?: boolean): FindResult | undefined;
}
