// A write-behind buffer in front of an ingest: network chunks (≈64 KiB) are gathered into
// 1 MiB writes (one writev each), and one write runs while the next megabyte arrives, so the socket keeps
// flowing. flush() writes what is buffered — also after a cut, since those bytes are a
// valid prefix of the blob and a resume starts after them. A write that fails (disk full)
// is kept and thrown by the next push or flush, marked as ours, not the network's.
import type { Ingest } from '../../../storage/content/index.ts';

const WRITE_BYTES = 1 << 20;

export class WriteFailed extends Error {
  constructor(cause: unknown) {
    super(`writing the blob failed: ${(cause as Error).message}`, { cause });
    this.name = 'WriteFailed';
  }
}

export class BlobSink {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inflight: Promise<void> = Promise.resolve();
  private inflightBytes = 0;
  private failure: WriteFailed | undefined;

  constructor(private readonly ingest: Ingest) {}

  /** Bytes of the blob received so far: on disk, being written, or buffered. */
  get received(): number {
    return this.ingest.offset + this.inflightBytes + this.pendingBytes;
  }

  async push(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= WRITE_BYTES) {
      await this.inflight;
      if (this.failure) throw this.failure;
      this.start();
    }
  }

  /** Waits for every buffered byte to be written. */
  async flush(): Promise<void> {
    await this.inflight;
    if (this.pendingBytes > 0 && !this.failure) {
      this.start();
      await this.inflight;
    }
    if (this.failure) throw this.failure;
  }

  private start(): void {
    // One writev of the chunks as they came: no copy into one buffer.
    const data = this.pending;
    this.inflightBytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.inflight = this.ingest.write(data).then(
      () => void (this.inflightBytes = 0),
      (error: unknown) => void (this.failure = new WriteFailed(error)),
    );
  }
}
