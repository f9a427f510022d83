// One accepted tunnel stream on the node's side: frames out with back-pressure, frames in
// from the server, and a signal that fires when the server ends the stream (the client went
// away) or the tunnel fails, so the work behind it stops.
import { once } from 'node:events';
import { decodeFrame, encodeFrame, type TunnelFrame } from '../../common/tunnel/index.ts';
import type { TunnelCall } from './connection.ts';

/** Stdin that arrives before the exec runs is kept, up to this many frames (32 KiB each at most). */
const MAX_EARLY_FRAMES = 256;

export interface StreamEnd {
  /** Fires when the server ends or cancels the stream, or the call fails. */
  signal: AbortSignal;
  /** Sends one frame, waiting while the call's buffer is full; false once the stream is over. */
  send(frame: TunnelFrame): Promise<boolean>;
  /** Frames from the server (stdin, stdin's end, resizes), malformed ones skipped; one listener, which also gets what came before it. */
  onFrame(listener: (frame: TunnelFrame) => void): void;
  /** Half-closes: nothing more from this side. */
  end(): void;
}

export function streamOf(call: TunnelCall): StreamEnd {
  const controller = new AbortController();
  const over = () => controller.abort();
  call.on('status', over);
  call.on('error', over);
  call.on('end', over);
  call.on('close', over);
  let listener: ((frame: TunnelFrame) => void) | undefined;
  // Frames that come before anyone listens (stdin sent while the exec still starts) wait here.
  const early: TunnelFrame[] = [];
  // Always read, even with no listener: the server's end of the stream comes after its frames.
  call.on('data', (bytes: Buffer) => {
    let frame: TunnelFrame;
    try {
      frame = decodeFrame(bytes);
    } catch {
      return; // a frame this build does not know (a newer server) is skipped, not fatal
    }
    if (listener) listener(frame);
    else if (early.length < MAX_EARLY_FRAMES) early.push(frame);
  });
  return {
    signal: controller.signal,
    async send(frame) {
      if (controller.signal.aborted || call.writableEnded) return false;
      if (call.write(encodeFrame(frame))) return true;
      await Promise.race([once(call, 'drain'), new Promise((resolve) => controller.signal.addEventListener('abort', resolve, { once: true }))]);
      return !controller.signal.aborted;
    },
    onFrame(handle) {
      listener = handle;
      for (const frame of early.splice(0)) handle(frame);
    },
    end() {
      if (!call.writableEnded) call.end();
    },
  };
}
