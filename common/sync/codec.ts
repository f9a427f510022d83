// CBOR on the wire (DESIGN §5): compact, binary-safe, and decoded into plain objects so
// both sides read it without a schema registry. Every decode checks the shape before a
// message reaches the protocol; a bad one becomes a MessageError naming the field.
import { Encoder } from 'cbor-x';
import { VOLUME_STATES, type BatchMessage, type DownMessage, type ExecStreamOptions, type HeadMessage, type LogStreamOptions, type PresenceMessage, type Report, type StreamMessage, type UpMessage, type ViewChange, type VolumeState } from './messages.ts';

/** The largest message either side accepts; the broker refuses larger ones too. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

const cbor = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });

export class MessageError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'MessageError';
  }
}

export function encodeMessage(message: DownMessage | UpMessage | HeadMessage | PresenceMessage): Buffer {
  return cbor.encode(message);
}

function decodeRaw(payload: Buffer): Record<string, unknown> {
  if (payload.length > MAX_MESSAGE_BYTES) throw new MessageError('message', `${payload.length} bytes is more than ${MAX_MESSAGE_BYTES}`);
  let value: unknown;
  try {
    value = cbor.decode(payload);
  } catch (error) {
    throw new MessageError('message', `not CBOR (${(error as Error).message})`);
  }
  if (!isRecord(value)) throw new MessageError('message', 'not a map');
  return value;
}

export function decodeDown(payload: Buffer): DownMessage {
  const m = decodeRaw(payload);
  switch (m.t) {
    case 'batch':
      return checkBatch(m);
    case 'reportAck':
      return { t: 'reportAck', epoch: text(m, 'epoch'), seq: count(m, 'seq') };
    case 'stream':
      return checkStream(m);
    default:
      throw new MessageError('t', `unknown message type ${JSON.stringify(m.t)}`);
  }
}

export function decodeHead(payload: Buffer): HeadMessage {
  const m = decodeRaw(payload);
  if (m.t !== 'head') throw new MessageError('t', `expected head, got ${JSON.stringify(m.t)}`);
  return { t: 'head', epoch: text(m, 'epoch'), rev: count(m, 'rev') };
}

export function decodeUp(payload: Buffer): UpMessage {
  const m = decodeRaw(payload);
  switch (m.t) {
    case 'hello':
      return { t: 'hello', session: text(m, 'session'), lastRevision: count(m, 'lastRevision') };
    case 'ack':
      return { t: 'ack', session: text(m, 'session'), rev: count(m, 'rev') };
    case 'report':
      return { t: 'report', session: text(m, 'session'), items: list(m, 'items').map((item, i) => checkReportItem(item, `items[${i}]`)) };
    default:
      throw new MessageError('t', `unknown message type ${JSON.stringify(m.t)}`);
  }
}

export function decodePresence(payload: Buffer): PresenceMessage {
  const m = decodeRaw(payload);
  if (m.t !== 'presence') throw new MessageError('t', `expected presence, got ${JSON.stringify(m.t)}`);
  if (typeof m.online !== 'boolean') throw new MessageError('online', 'must be a boolean');
  return { t: 'presence', session: text(m, 'session'), online: m.online };
}

function checkBatch(m: Record<string, unknown>): BatchMessage {
  const from = count(m, 'from');
  const to = count(m, 'to');
  if (to < from) throw new MessageError('to', `${to} is before from ${from}`);
  const parts = count(m, 'parts');
  const part = count(m, 'part');
  if (parts < 1 || part >= parts) throw new MessageError('part', `${part} of ${parts} parts`);
  if (typeof m.full !== 'boolean') throw new MessageError('full', 'must be a boolean');
  const changes = list(m, 'changes').map((c, i) => checkChange(c, `changes[${i}]`, to));
  return { t: 'batch', epoch: text(m, 'epoch'), from, to, full: m.full, part, parts, changes };
}

const MAX_COMMAND_ARGS = 1024;

function checkStream(m: Record<string, unknown>): StreamMessage {
  const target = { t: 'stream' as const, epoch: text(m, 'epoch'), id: text(m, 'id'), namespace: text(m, 'namespace'), pod: text(m, 'pod'), container: text(m, 'container') };
  if (m.kind === 'logs') return { ...target, kind: 'logs', logs: checkLogOptions(record(m, 'logs')) };
  if (m.kind === 'exec') return { ...target, kind: 'exec', exec: checkExecOptions(record(m, 'exec')) };
  throw new MessageError('kind', `unknown stream kind ${JSON.stringify(m.kind)}`);
}

function checkLogOptions(o: Record<string, unknown>): LogStreamOptions {
  const options: LogStreamOptions = { follow: flag(o, 'follow', 'logs'), previous: flag(o, 'previous', 'logs'), timestamps: flag(o, 'timestamps', 'logs') };
  for (const field of ['tailLines', 'sinceSeconds', 'limitBytes'] as const) if (o[field] !== undefined) options[field] = count(o, field, 'logs');
  if (o.sinceTime !== undefined) {
    options.sinceTime = text(o, 'sinceTime', 'logs');
    if (Number.isNaN(Date.parse(options.sinceTime))) throw new MessageError('logs.sinceTime', 'must be an RFC 3339 time');
  }
  return options;
}

function checkExecOptions(o: Record<string, unknown>): ExecStreamOptions {
  const command = list(o, 'command', 'exec');
  if (command.length === 0 || command.length > MAX_COMMAND_ARGS) throw new MessageError('exec.command', `must hold 1 to ${MAX_COMMAND_ARGS} arguments`);
  // Arguments may be empty strings ("sh -c ''"), so they are checked apart from text().
  command.forEach((arg, i) => {
    if (typeof arg !== 'string' || arg.length > 65536) throw new MessageError(`exec.command[${i}]`, 'must be a string of at most 65536 characters');
  });
  return { command: command as string[], stdin: flag(o, 'stdin', 'exec'), stdout: flag(o, 'stdout', 'exec'), stderr: flag(o, 'stderr', 'exec'), tty: flag(o, 'tty', 'exec') };
}

function checkChange(value: unknown, field: string, to: number): ViewChange {
  if (!isRecord(value)) throw new MessageError(field, 'not a map');
  const key = text(value, 'key', field);
  const rev = count(value, 'rev', field);
  if (rev > to) throw new MessageError(`${field}.rev`, `${rev} is after the batch's revision ${to}`);
  const object = value.object;
  if (object !== null && !isRecord(object)) throw new MessageError(`${field}.object`, 'must be a map or null');
  return { key, rev, object: object as ViewChange['object'] };
}

function checkReportItem(value: unknown, field: string): { seq: number; report: Report } {
  if (!isRecord(value)) throw new MessageError(field, 'not a map');
  const seq = count(value, 'seq', field);
  const r = value.report;
  if (!isRecord(r)) throw new MessageError(`${field}.report`, 'not a map');
  const at = `${field}.report`;
  const key = text(r, 'key', at);
  switch (r.kind) {
    case 'podStatus':
      return { seq, report: { kind: 'podStatus', key, namespace: text(r, 'namespace', at), name: text(r, 'name', at), uid: text(r, 'uid', at), status: record(r, 'status', at) } };
    case 'node':
      return { seq, report: { kind: 'node', key, labels: stringMap(r, 'labels', at), status: record(r, 'status', at) } };
    case 'lease':
      return { seq, report: { kind: 'lease', key, renewTime: text(r, 'renewTime', at), durationSeconds: count(r, 'durationSeconds', at) } };
    case 'event':
      return { seq, report: { kind: 'event', key, event: record(r, 'event', at) } };
    case 'volume': {
      const state = r.state as VolumeState;
      if (!VOLUME_STATES.includes(state)) throw new MessageError(`${at}.state`, `must be one of ${VOLUME_STATES.join(', ')}`);
      if (typeof r.message !== 'string' || r.message.length > 4096) throw new MessageError(`${at}.message`, 'must be a string of at most 4096 characters');
      return { seq, report: { kind: 'volume', key, volume: text(r, 'volume', at), state, capacityBytes: count(r, 'capacityBytes', at), usedBytes: count(r, 'usedBytes', at), message: r.message } };
    }
    default:
      throw new MessageError(`${at}.kind`, `unknown report kind ${JSON.stringify(r.kind)}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function name(field: string, parent?: string): string {
  return parent ? `${parent}.${field}` : field;
}

function text(m: Record<string, unknown>, field: string, parent?: string): string {
  const value = m[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > 4096) throw new MessageError(name(field, parent), 'must be a non-empty string of at most 4096 characters');
  return value;
}

function count(m: Record<string, unknown>, field: string, parent?: string): number {
  const value = m[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new MessageError(name(field, parent), 'must be a non-negative integer');
  return value;
}

function list(m: Record<string, unknown>, field: string, parent?: string): unknown[] {
  const value = m[field];
  if (!Array.isArray(value)) throw new MessageError(name(field, parent), 'must be a list');
  return value;
}

function flag(m: Record<string, unknown>, field: string, parent?: string): boolean {
  const value = m[field];
  if (typeof value !== 'boolean') throw new MessageError(name(field, parent), 'must be a boolean');
  return value;
}

function record(m: Record<string, unknown>, field: string, parent?: string): Record<string, unknown> {
  const value = m[field];
  if (!isRecord(value)) throw new MessageError(name(field, parent), 'must be a map');
  return value;
}

function stringMap(m: Record<string, unknown>, field: string, parent?: string): Record<string, string> {
  const value = record(m, field, parent);
  for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') throw new MessageError(`${name(field, parent)}.${k}`, 'must be a string');
  return value as Record<string, string>;
}
