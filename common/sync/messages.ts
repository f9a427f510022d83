// The messages of the sync protocol (DESIGN §5). One shape per message, checked field by
// field on receipt: anything the broker hands over may be malformed, truncated, replayed
// or from an older build, and must be dropped with a reason rather than trusted.

/** A plain JSON object as the API stores it (a Pod, a Secret, …). */
export type ViewObject = Record<string, unknown>;

/** One key of a node's view: the object at `rev`, or null when it left the view. */
export interface ViewChange {
  key: string;
  rev: number;
  object: ViewObject | null;
}

/**
 * server → node: the view moves from revision `from` to `to`. `full` replaces the whole
 * view (a snapshot); otherwise the changes apply on top of `from`. A batch too large for one
 * message is cut into `parts`; the node applies it only once every part is there.
 */
export interface BatchMessage {
  t: 'batch';
  epoch: string;
  from: number;
  to: number;
  full: boolean;
  part: number;
  parts: number;
  changes: ViewChange[];
}

/** server → node: the upstream reports up to `seq` are stored; drop them from the outbox. */
export interface ReportAckMessage {
  t: 'reportAck';
  epoch: string;
  seq: number;
}

/** server → node, retained: where the node's view stands, so a node sees it is behind. */
export interface HeadMessage {
  t: 'head';
  epoch: string;
  rev: number;
}

/** node → server: (re)start the stream after `lastRevision` (0: send a snapshot). */
export interface HelloMessage {
  t: 'hello';
  session: string;
  lastRevision: number;
}

/** node → server: the view is applied and durable up to `rev`. */
export interface AckMessage {
  t: 'ack';
  session: string;
  rev: number;
}

/** What a node reports upstream; the outbox keeps only the newest per `key`. */
export type Report =
  | { kind: 'podStatus'; key: string; namespace: string; name: string; uid: string; status: ViewObject }
  | { kind: 'node'; key: string; labels: Record<string, string>; status: ViewObject }
  | { kind: 'lease'; key: string; renewTime: string; durationSeconds: number }
  | { kind: 'event'; key: string; event: ViewObject }
  | VolumeReport;

/**
 * What a node has on disk for one local PersistentVolume (`key` is `volume/<pv name>`):
 * Ready with its real capacity and usage, Deleted once its data is gone (the server may then
 * let the PV go), or a problem the user must see (Missing, Damaged, Failed) with a message.
 */
export interface VolumeReport {
  kind: 'volume';
  key: string;
  /** The PersistentVolume's name. */
  volume: string;
  state: VolumeState;
  capacityBytes: number;
  usedBytes: number;
  message: string;
}

export const VOLUME_STATES = ['Ready', 'Deleted', 'Missing', 'Damaged', 'Failed'] as const;
export type VolumeState = (typeof VOLUME_STATES)[number];

/** node → server: reports with sequence numbers, oldest first. */
export interface ReportMessage {
  t: 'report';
  session: string;
  items: Array<{ seq: number; report: Report }>;
}

/** node → server on `presence`: online when connected; offline is the connection's will. */
export interface PresenceMessage {
  t: 'presence';
  session: string;
  online: boolean;
}

/** What a `logs` stream reads, as the kubelet's log endpoint takes it (PodLogOptions). */
export interface LogStreamOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  /** RFC 3339; the node compares it with its log records, so no clock needs to agree. */
  sinceTime?: string;
  limitBytes?: number;
}

/** What an `exec` stream runs and which of its standard streams travel. */
export interface ExecStreamOptions {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

interface StreamTarget {
  t: 'stream';
  epoch: string;
  /** Names the stream when the node dials the tunnel; random, single use. */
  id: string;
  namespace: string;
  pod: string;
  container: string;
}

/**
 * server → node: dial the tunnel and open a stream `id` for this pod's container. The node
 * never listens; this message is how the server reaches it (DESIGN §5, last bullet).
 */
export type StreamMessage = StreamTarget & ({ kind: 'logs'; logs: LogStreamOptions } | { kind: 'exec'; exec: ExecStreamOptions });

/** A stream request before the server stamps it with its epoch. */
export type StreamRequest = { [K in StreamMessage['kind']]: Omit<Extract<StreamMessage, { kind: K }>, 't' | 'epoch'> }[StreamMessage['kind']];

export type DownMessage = BatchMessage | ReportAckMessage | StreamMessage;
export type UpMessage = HelloMessage | AckMessage | ReportMessage;
