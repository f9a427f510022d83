// One tunnel stream as the API sees it: frames from the node (read with back-pressure: the
// gRPC call is only read as fast as the HTTP client takes them), frames to the node, and a
// cancel that ends the call whichever side stops first.
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { decodeFrame, encodeFrame, type TunnelFrame } from '../../common/tunnel/index.ts';
import type { NodeStream } from '../api/index.ts';

export interface OpenedStream extends NodeStream {
  /** The node's first frame (ready, or a status that ends the stream); undefined when the call ended first. */
  first(): Promise<TunnelFrame | undefined>;
}

export function wrapCall(call: ServerDuplexStream<Buffer, Buffer>): OpenedStream {
  const iterator = (call as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let finished = false;
  let stopReading: () => void = () => undefined;
  // Settles when this side gives up, so a read waiting on a node that keeps quiet ends too.
  const stopped = new Promise<undefined>((resolve) => (stopReading = () => resolve(undefined)));
  const finish = () => {
    if (finished) return;
    finished = true;
    stopReading();
    if (!call.destroyed && !call.writableEnded) call.end();
  };
  call.on('cancelled', () => (finished = true));
  // Errors surface through the iterator; this only keeps an unhandled 'error' from throwing.
  call.on('error', () => undefined);

  async function next(): Promise<TunnelFrame | undefined> {
    try {
      if (finished) return undefined;
      const step = await Promise.race([iterator.next(), stopped]);
      return step === undefined || step.done ? undefined : decodeFrame(step.value);
    } catch {
      // A cancelled call (the node went away) ends the stream like a clean end does; the
      // caller sees no final status and says so.
      return undefined;
    }
  }

  async function* frames(): AsyncGenerator<TunnelFrame> {
    try {
      for (let frame = await next(); frame; frame = await next()) yield frame;
    } finally {
      finish();
    }
  }

  return {
    first: next,
    frames: frames(),
    send(frame) {
      if (finished || call.destroyed || call.writableEnded) return false;
      return call.write(encodeFrame(frame));
    },
    cancel: finish,
  };
}
