// An entry's data, from tar-stream's per-entry stream to a file descriptor or to the writer
// thread, chunk by chunk: a file is never held whole in memory. The parser hands out one entry
// at a time, so one sink serves them all and nothing is allocated per file but the listeners.
import fs from 'node:fs';
import type { FileWriter } from './filewriter.ts';

/** The part of tar-stream's entry stream (a streamx Readable) the unpacker uses. */
export interface EntryData {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  resume(): unknown;
}

export type Finish = (error?: unknown) => void;

export class DataSink {
  /** File content bytes written, over all entries. */
  bytes = 0;
  private fd = -1;
  /** Set instead of fd when the file is written by the writer thread (filewriter.ts). */
  private writer: FileWriter | undefined;
  private finish: Finish | undefined;
  private stopped = false;

  /**
   * Writes (like every other file system call here) are synchronous. Measured on the bench
   * machine (2 vCPUs), making 10,000 small files with async calls (open, write, futimes,
   * close on the thread pool, 1 to 16 files in flight) took 600–1,300 ms where the same
   * sync calls took 150–180 ms: each thread-pool round trip costs the main thread tens of
   * microseconds of futex wake-ups, and the parser cannot move past an entry before its
   * file is done either way. What does overlap is reading and gunzip (readahead.ts), and
   * the system calls themselves once they run on the writer thread (filewriter.ts), which
   * forward() hands the bytes to: on disk, the same 10,000 files then took about 400 ms
   * where these sync calls on the main thread took about 900.
   */
  private readonly onData = (chunk: Buffer): void => {
    if (this.writer !== undefined) {
      this.writer.data(chunk);
      this.bytes += chunk.length;
      return;
    }
    if (this.fd < 0) return;
    try {
      for (let offset = 0; offset < chunk.length; ) offset += fs.writeSync(this.fd, chunk, offset);
      this.bytes += chunk.length;
    } catch (error) {
      this.fd = -1;
      this.settle(error);
    }
  };

  private readonly onEnd = (): void => this.settle(undefined);

  // A stream destroyed before its end: the parser failed. ('close' would not do: it comes
  // after 'end' too, late enough to be taken for the next entry's.)
  private readonly onError = (error: Error): void => this.settle(error);

  /** Streams `data` into `fd` (which stays the caller's to close); `finish` runs once, at the end or on failure. */
  write(data: EntryData, fd: number, finish: Finish): void {
    this.fd = fd;
    this.listen(data, finish);
  }

  /** Streams `data` to the file `writer` has open; `finish` runs once, at the end or on failure. */
  forward(data: EntryData, writer: FileWriter, finish: Finish): void {
    this.writer = writer;
    this.listen(data, finish);
  }

  /** Reads and drops an entry's data, for entries that are skipped. */
  discard(data: EntryData, finish: Finish): void {
    this.fd = -1;
    this.writer = undefined;
    this.listen(data, finish);
  }

  /** Drops whatever is in progress: after a failure, no byte is written anymore. */
  stop(): void {
    this.stopped = true;
    this.fd = -1;
    this.writer = undefined;
    this.finish = undefined;
  }

  private listen(data: EntryData, finish: Finish): void {
    if (this.stopped) return;
    this.finish = finish;
    data.on('end', this.onEnd);
    data.on('error', this.onError);
    data.on('data', this.onData);
  }

  private settle(error: unknown): void {
    const finish = this.finish;
    this.finish = undefined;
    this.fd = -1;
    this.writer = undefined;
    finish?.(error);
  }
}
