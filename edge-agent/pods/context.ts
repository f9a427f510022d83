// What every pod worker shares: the node's facts, its stores and the seams to the kernel,
// the view, the outbox and (later) the prober.
import type { Logger } from '../../common/index.ts';
import type { Container } from '../../native/index.ts';
import type { ImageStore } from '../images/store/index.ts';
import type { BackoffPolicy } from './backoff.ts';
import type { Recorder } from './events.ts';
import type { ImageService } from './images.ts';
import type { ObjectSource } from './spec/env.ts';
import type { ContainerKind, KubeContainer, Pod } from './types.ts';

/** What a prober is given for one started container (liveness, readiness, startup probes). */
export interface ProbeTarget {
  pod: Pod;
  container: KubeContainer;
  kind: ContainerKind;
  handle: Container;
  startedAt: string;
  /** Readiness: the container's `ready` and the pod's Ready condition follow it. */
  setReady(ready: boolean): void;
  /** Liveness failure: the container is killed and restarted as its restartPolicy says. */
  restart(reason: string): void;
}

/**
 * The hook point for probes and lifecycle hooks (a later step). Without a prober a running
 * container is ready, as the kubelet treats one without a readiness probe.
 */
export interface Prober {
  watch(target: ProbeTarget): { stop(): void };
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
  log: Logger;
}
