// A thread of the addon that makes regular files from records queued in a few buffers
// (src/file-writer.cc), for the layer unpacker: the records' layout is filewriter.ts's.
import { addon } from '../load.ts';
import type { FileWriterState } from '../types.ts';

export interface FileWriterThread {
  /** Hands `length` bytes of records in slot `slot` to the thread. */
  handover(slot: number, length: number): void;
  /** Blocks until slot `slot` is handed back. */
  wait(slot: number): void;
  /** Blocks until every slot is handed back. */
  idle(): void;
  /** Whether a record has failed; the thread then skips every record until takeFailure(). */
  failed(): boolean;
  /**
   * Waits until idle; the first failure (code, errno, syscall, path) and the sequence
   * number of the file it was about (from its open record), cleared; or undefined.
   */
  takeFailure(): { error: NodeJS.ErrnoException; sequence: number } | undefined;
}

/** Starts the thread; `slots` are the record buffers, which it keeps alive. */
export function startFileWriterThread(slots: Buffer[]): FileWriterThread {
  const native = addon();
  const state = native.fileWriterCreate(slots);
  return {
    handover: (slot, length) => native.fileWriterHandover(state, slot, length),
    wait: (slot) => native.fileWriterWait(state, slot),
    idle: () => native.fileWriterIdle(state),
    failed: () => native.fileWriterFailed(state),
    takeFailure: () => {
      const error = native.fileWriterTakeFailure(state);
      if (error === null) return undefined;
      const sequence = error.fileSequence;
      delete (error as { fileSequence?: number }).fileSequence;
      return { error, sequence };
    },
  };
}
