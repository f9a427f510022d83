// The layer's diffId, the sha256 of its uncompressed tar, hashed on libuv's thread pool while
// the main thread parses and writes (native/fs digest). Pieces are handed over as they pass,
// never copied: the tar parser keeps and reads the same buffers, so nothing changes them.
import { createFileDigest } from '../../../native/index.ts';

/** Pieces waiting for the hash at most; past that the feeder waits, so memory stays bounded. */
const BACKLOG_BYTES = 16 << 20;

export class DiffIdDigest {
  private readonly digest = createFileDigest('sha256');
  private waiting: Buffer[] = [];
  private waitingBytes = 0;
  private job: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  /** Adds `piece`; resolves at once unless the hash has fallen behind by BACKLOG_BYTES. */
  async add(piece: Buffer): Promise<void> {
    if (this.failure) throw this.failure.error;
    this.waiting.push(piece);
    this.waitingBytes += piece.length;
    if (!this.job) this.start();
    else if (this.waitingBytes >= BACKLOG_BYTES) await this.job;
  }

  /** sha256:<hex> of every piece added. */
  async diffId(): Promise<string> {
    while (this.job) await this.job;
    if (this.failure) throw this.failure.error;
    return `sha256:${this.digest.hex()}`;
  }

  private start(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.waitingBytes = 0;
    const fail = (error: unknown) => {
      this.failure ??= { error };
      this.job = undefined;
    };
    let appended: Promise<number>;
    try {
      appended = this.digest.append(-1, batch);
    } catch (error) {
      return fail(error);
    }
    this.job = appended.then(() => {
      this.job = undefined;
      if (this.waiting.length > 0 && !this.failure) this.start();
    }, fail);
  }
}
