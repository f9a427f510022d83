// A digest with a thread of its own (src/digest-feed.cc), fed from the event loop's thread
// and waited for by blocking it: for a producer that does not turn the event loop often
// enough to keep thread-pool jobs (digest.ts) running back to back.
import { addon } from '../load.ts';

export interface DigestFeed {
  /**
   * Queues `piece` to be hashed after the pieces before it; returns the bytes now waiting.
   * The piece is held, not copied: its bytes must not change until it is hashed.
   */
  push(piece: Buffer): number;
  /** Blocks until at most `bytes` wait to be hashed. */
  waitBelow(bytes: number): void;
  /** Blocks until every piece is hashed; the hex digest of them all. The feed then takes nothing more. */
  finish(): string;
  /** Gives the feed up: what is queued is dropped and its thread ends. */
  stop(): void;
}

export function startDigestFeed(algorithm: 'sha256' | 'sha512'): DigestFeed {
  const native = addon();
  const feed = native.digestFeedCreate(algorithm);
  return {
    push: (piece) => native.digestFeedPush(feed, piece),
    waitBelow: (bytes) => void native.digestFeedWait(feed, bytes),
    finish: () => native.digestFeedFinish(feed),
    stop: () => native.digestFeedStop(feed),
  };
}
