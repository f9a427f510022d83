// An entry's data, piece by piece as the tar reader cuts it, to a file descriptor or to the
// writer thread: a file is never held whole in memory. One entry is read at a time, so one
// sink serves them all.
import fs from 'node:fs';
import type { FileWriter } from './filewriter.ts';

export class DataSink {
  /** File content bytes written, over all entries. */
  bytes = 0;
  private fd = -1;
  /** Set instead of fd when the file is written by the writer thread (filewriter.ts). */
  private writer: FileWriter | undefined;

  /**
   * Writes (like every other file system call here) are synchronous. Measured on the bench
   * machine (2 vCPUs), making 10,000 small files with async calls (open, write, futimes,
   * close on the thread pool, 1 to 16 files in flight) took 600–1,300 ms where the same
   * sync calls took 150–180 ms: each thread-pool round trip costs the main thread tens of
   * microseconds of futex wake-ups, and the reader cannot move past an entry before its
   * file is done either way. What does overlap is reading and gunzip (readahead.ts), and
   * the system calls themselves once they run on the writer thread (filewriter.ts), which
   * toWriter() hands the bytes to: on disk, the same 10,000 files then took about 400 ms
   * where these sync calls on the main thread took about 900.
   */
  data(piece: Buffer): void {
    if (this.writer !== undefined) {
      this.writer.data(piece);
      this.bytes += piece.length;
    } else if (this.fd >= 0) {
      for (let offset = 0; offset < piece.length; ) offset += fs.writeSync(this.fd, piece, offset);
      this.bytes += piece.length;
    }
  }

  /** The following data goes to `fd`, which stays the caller's to close. */
  toFile(fd: number): void {
    this.fd = fd;
    this.writer = undefined;
  }

  /** The following data goes to the file `writer` has open. */
  toWriter(writer: FileWriter): void {
    this.fd = -1;
    this.writer = writer;
  }

  /** The following data is dropped: the entry is skipped, or carries none. */
  discard(): void {
    this.fd = -1;
    this.writer = undefined;
  }
}
