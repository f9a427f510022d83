// What the log and exec subresources need from whoever can reach nodes (server/tunnel): a
// stream of frames to one pod's container. Declared here, by the consumer, so the API does
// not depend on how nodes are reached.
import type { ExecStreamOptions, LogStreamOptions } from '../../../common/sync/index.ts';
import type { TunnelFrame } from '../../../common/tunnel/index.ts';

interface PodTarget {
  namespace: string;
  pod: string;
  container: string;
}

export type PodStreamRequest = PodTarget & ({ kind: 'logs'; logs: LogStreamOptions } | { kind: 'exec'; exec: ExecStreamOptions });

/** A stream the node accepted (it found the container). */
export interface NodeStream {
  /** What the node sends, until it ends the stream; read as fast as the client takes it. */
  frames: AsyncIterable<TunnelFrame>;
  /** False once the stream is over, or when the call's buffer is full. */
  send(frame: TunnelFrame): boolean;
  /** Ends the stream from this side (the client went away). */
  cancel(): void;
}

export interface PodStreams {
  /**
   * Opens a stream to the node running the pod; rejects with an ApiError: 503 when the node
   * is offline, 504 when it does not answer in time, or the node's own Status (400 for a
   * container that is not there, …).
   */
  open(node: string, request: PodStreamRequest): Promise<NodeStream>;
}
