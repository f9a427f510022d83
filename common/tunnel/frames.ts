// The frames of one tunnel stream. Each gRPC message is one frame: a type byte, then its
// payload. The data types reuse the Kubernetes channel numbers (0 stdin, 1 stdout, 2 stderr,
// 3 status, 4 resize) so the server relays exec frames to kubectl by copying a byte; the
// others are the tunnel's own: `ready` (the node found the container and the stream runs)
// and `close` (the sender has no more data on a channel, as v5.channel.k8s.io's 255).

export type DataChannel = 'stdin' | 'stdout' | 'stderr';

export interface TerminalSize {
  width: number;
  height: number;
}

export type TunnelFrame =
  | { type: DataChannel; data: Buffer }
  /** A Kubernetes Status: the end of an exec (Success, or NonZeroExitCode), or why a stream failed. */
  | { type: 'status'; status: Record<string, unknown> }
  | { type: 'resize'; size: TerminalSize }
  | { type: 'ready' }
  | { type: 'close'; channel: DataChannel };

export const CHANNEL_BYTES: Readonly<Record<DataChannel | 'status' | 'resize', number>> = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4 };
const READY = 5;
const CLOSE = 255;
const CHANNEL_NAMES: readonly DataChannel[] = ['stdin', 'stdout', 'stderr'];

/** Data travels in pieces of at most this much, well under gRPC's 4 MiB message limit. */
export const MAX_FRAME_DATA = 32 * 1024;

export class FrameError extends Error {
  constructor(reason: string) {
    super(`malformed tunnel frame: ${reason}`);
    this.name = 'FrameError';
  }
}

export function encodeFrame(frame: TunnelFrame): Buffer {
  switch (frame.type) {
    case 'stdin':
    case 'stdout':
    case 'stderr':
      return Buffer.concat([Buffer.of(CHANNEL_BYTES[frame.type]), frame.data]);
    case 'status':
      return Buffer.concat([Buffer.of(CHANNEL_BYTES.status), Buffer.from(JSON.stringify(frame.status))]);
    case 'resize':
      return Buffer.concat([Buffer.of(CHANNEL_BYTES.resize), Buffer.from(JSON.stringify({ Width: frame.size.width, Height: frame.size.height }))]);
    case 'ready':
      return Buffer.of(READY);
    case 'close':
      return Buffer.of(CLOSE, CHANNEL_BYTES[frame.channel]);
  }
}

export function decodeFrame(bytes: Buffer): TunnelFrame {
  if (bytes.length === 0) throw new FrameError('empty');
  const type = bytes[0]!;
  const payload = bytes.subarray(1);
  if (type <= 2) return { type: CHANNEL_NAMES[type]!, data: payload };
  if (type === CHANNEL_BYTES.status) return { type: 'status', status: jsonObject(payload, 'status') };
  if (type === CHANNEL_BYTES.resize) return { type: 'resize', size: terminalSize(jsonObject(payload, 'resize')) };
  if (type === READY) return { type: 'ready' };
  if (type === CLOSE && payload.length === 1 && payload[0]! <= 2) return { type: 'close', channel: CHANNEL_NAMES[payload[0]!]! };
  throw new FrameError(`unknown type ${type}`);
}

/** `{"Width": w, "Height": h}`, as kubectl sends on the resize channel. */
export function terminalSize(value: Record<string, unknown>): TerminalSize {
  const { Width: width, Height: height } = value;
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535;
  if (!ok(width) || !ok(height)) throw new FrameError('resize needs whole Width and Height from 0 to 65535');
  return { width, height };
}

function jsonObject(payload: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new FrameError(`${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FrameError(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Cuts data into frames of at most MAX_FRAME_DATA bytes. */
export function dataFrames(type: DataChannel, data: Buffer): TunnelFrame[] {
  const frames: TunnelFrame[] = [];
  for (let at = 0; at < data.length; at += MAX_FRAME_DATA) frames.push({ type, data: data.subarray(at, at + MAX_FRAME_DATA) });
  return frames;
}
