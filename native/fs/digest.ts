// Incremental content digests fed on libuv's thread pool (src/digest.cc): a blob's bytes are
// written and hashed off the event loop, which then only moves buffers.
import { addon } from '../load.ts';
import type { DigestState } from '../types.ts';

export interface FileDigest {
  /** Appends `buffers` to the file at `fd` (opened for append) and adds them to the digest; resolves with the bytes written. */
  append(fd: number, buffers: Buffer[]): Promise<number>;
  /** Adds the file at `fd`, from its first byte to its end, to the digest; resolves with its size. */
  addFile(fd: number): Promise<number>;
  /** The hex digest of everything added so far; more can be added after. */
  hex(): string;
}

export function createFileDigest(algorithm: 'sha256' | 'sha512'): FileDigest {
  const native = addon();
  const state: DigestState = native.digestCreate(algorithm);
  return {
    append: (fd, buffers) => native.digestAppend(state, fd, buffers),
    addFile: (fd) => native.digestFile(state, fd),
    hex: () => native.digestHex(state),
  };
}
