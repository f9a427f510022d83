// The layer's diffId, the sha256 of its uncompressed tar, hashed on a thread of the addon's
// (native/fs digest-feed) while the main thread parses and writes. Pieces are handed over as
// they pass, never copied: the tar parser keeps and reads the same buffers, so nothing
// changes them. (Thread-pool jobs were used first; a job's end is seen only when the event
// loop turns, which the parsing main thread seldom lets it do, so the hash idled between
// jobs and ran on after the parse: on the unpack bench a fifth of a layer's time.)
import { startDigestFeed } from '../../../native/index.ts';

/** Bytes waiting for the hash at most; past that the feeder waits, so memory stays bounded. */
const BACKLOG_BYTES = 16 << 20;

export class DiffIdDigest {
  private readonly feed = startDigestFeed('sha256');

  /** Adds `piece`; blocks only while the hash is BACKLOG_BYTES behind. */
  add(piece: Buffer): void {
    if (this.feed.push(piece) > BACKLOG_BYTES) this.feed.waitBelow(BACKLOG_BYTES / 2);
  }

  /** sha256:<hex> of every piece added, once they are all hashed; the digest then ends. */
  diffId(): string {
    return `sha256:${this.feed.finish()}`;
  }

  /** Gives the digest up, after a failure: its thread ends and the pieces are let go. */
  stop(): void {
    this.feed.stop();
  }
}
