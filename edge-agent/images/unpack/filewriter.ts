// Regular files are made on other threads, the addon's (native/src/file-writer.cc). The
// main thread parses the tar and takes every safety decision (which name, in which directory
// this layer vouches for, with what mode); what is left for a file is plain work in a fixed
// order: open it O_CREAT|O_EXCL|O_NOFOLLOW, write its bytes, set owner, mode and times on
// the open fd, close it. On the unpack bench's layer of 10,000 small files those system
// calls cost as much as tar's whole run; done there, they overlap with parsing instead of
// adding to it. (Async fs calls were tried first and were 4–7x slower: a thread-pool round
// trip per call. A worker_threads Worker making the calls with fs.*Sync came next; its
// per-call overhead made it the slower of the two threads.)
//
// A writer has one or two lanes, each a thread with its own queue. A file goes to the lane
// of its parent directory (LayerTree gives each directory one), so every operation on one
// path stays in one queue, in tar order. Two lanes make files in two directories at once:
// on ext4 (and tmpfs) creating 10,000 files from two threads took 0.6–0.7x the time of one.
//
// Each lane's thread reads records from a few fixed buffers ("slots") handed over and back
// in order: no message, no allocation and no system call per file. Anything that must see
// the files on disk (a mkdir where a queued file will be, a symlink, a hard link, a removal,
// the directory metadata at the end) first waits until every lane has caught up (settle),
// so it happens after every file the tar put before it. A lane stops at its first failure;
// settle then throws it.
import os from 'node:os';
import { startFileWriterThread, type FileWriterThread } from '../../../native/index.ts';
import { componentLogger } from '../../../common/index.ts';

const log = componentLogger('images');

/** Lanes per writer: two where there are two cores to run them. */
export const LANES = Math.min(2, Math.max(1, os.availableParallelism()));
/** Slots in flight per lane: enough that parsing runs ahead of a busy disk by a few MiB. */
const SLOTS = 4;
const SLOT_BYTES = 512 * 1024;
/** A slot is handed over once it holds this much, so the thread starts early. */
const HANDOVER_BYTES = 64 * 1024;
/** Writers at most (one per concurrent unpack); further unpacks write on the main thread. */
const MAX_WRITERS = 4;
/** Queued file paths remembered at most before a settle (each mkdir checks them). */
const MAX_PENDING = 65536;

// Record kinds, read by native/src/file-writer.cc, which gives their layouts (little-endian).
const OP_OPEN = 1;
const OP_DATA = 2;
const OP_CLOSE = 3;
const OP_RESET = 4;
export const CLOSE_CHOWN = 1;
export const CLOSE_CHMOD = 2;

/** One thread and its slots; `slot` is where the thread reads next once all are handed back. */
class Lane {
  private used = 0;
  private view: Buffer;

  constructor(
    readonly thread: FileWriterThread,
    private readonly views: Buffer[],
    private slot = 0,
  ) {
    this.view = views[0]!;
  }

  /** Offset of `bytes` of room in the current slot, waiting for it to be ours. */
  reserve(bytes: number): Buffer {
    if (this.used + bytes > SLOT_BYTES) this.handover();
    if (this.used === 0) this.thread.wait(this.slot);
    return this.view;
  }

  get offset(): number {
    return this.used;
  }

  get room(): number {
    return SLOT_BYTES - this.used;
  }

  commit(end: number): void {
    this.used = end;
    if (end >= HANDOVER_BYTES) this.handover();
  }

  handover(): void {
    if (this.used === 0) return;
    this.thread.handover(this.slot, this.used);
    this.slot = (this.slot + 1) % SLOTS;
    this.view = this.views[this.slot]!;
    this.used = 0;
  }
}

const idle: Lane[][] = [];
let started = 0;

/** A writer for one unpack, or undefined when MAX_WRITERS are busy or none can start. */
export function acquireFileWriter(): FileWriter | undefined {
  let lanes = idle.pop();
  if (lanes === undefined) {
    if (started >= MAX_WRITERS) return undefined;
    try {
      lanes = Array.from({ length: LANES }, () => {
        const views = Array.from({ length: SLOTS }, () => Buffer.alloc(SLOT_BYTES));
        return new Lane(startFileWriterThread(views), views);
      });
    } catch (error) {
      log.warn({ err: error }, 'cannot start the file writer threads; writing files on the main thread');
      return undefined;
    }
    started++;
  }
  return new FileWriter(lanes);
}

export class FileWriter {
  /** The lane of the file being queued. */
  private lane: Lane;
  /** Paths of files queued since the lanes were last known idle: a mkdir there must wait. */
  private readonly pending = new Set<string>();
  private failure: NodeJS.ErrnoException | undefined;
  private released = false;
  /** Files queued so far: a lane's failure names its file's number, so the first is known. */
  private files = 0;

  constructor(private readonly lanes: Lane[]) {
    this.lane = lanes[0]!;
  }

  /** Queues the creation of a file at `where` (whose parent is a real directory of this layer, of lane `lane`). */
  open(where: string, mode: number, lane: number): void {
    this.lane = this.lanes[lane % this.lanes.length]!;
    const len = Buffer.byteLength(where, 'utf8');
    const view = this.lane.reserve(13 + len);
    const at = this.lane.offset;
    view[at] = OP_OPEN;
    view.writeUInt32LE(mode, at + 1);
    view.writeUInt32LE(++this.files >>> 0, at + 5);
    view.writeUInt32LE(len, at + 9);
    view.write(where, at + 13, len, 'utf8');
    this.lane.commit(at + 13 + len);
    this.pending.add(where);
    if (this.pending.size > MAX_PENDING) this.settle();
  }

  /** Queues bytes of the open file; copied, so the caller may reuse `chunk`. */
  data(chunk: Buffer): void {
    const lane = this.lane;
    for (let offset = 0; offset < chunk.length; ) {
      // A chunk that does not fit goes to a fresh slot rather than in small pieces.
      if (lane.offset > 0 && lane.room < Math.min(chunk.length - offset + 5, HANDOVER_BYTES)) lane.handover();
      const view = lane.reserve(6);
      const at = lane.offset;
      const len = Math.min(chunk.length - offset, SLOT_BYTES - at - 5);
      view[at] = OP_DATA;
      view.writeUInt32LE(len, at + 1);
      chunk.copy(view, at + 5, offset, offset + len);
      offset += len;
      lane.commit(at + 5 + len);
    }
  }

  /** Queues owner (flags & CLOSE_CHOWN), mode (CLOSE_CHMOD) and times of the open file, and its close. */
  close(flags: number, uid: number, gid: number, mode: number, mtime: number): void {
    const view = this.lane.reserve(22);
    const at = this.lane.offset;
    view[at] = OP_CLOSE;
    view[at + 1] = flags;
    view.writeUInt32LE(uid >>> 0, at + 2);
    view.writeUInt32LE(gid >>> 0, at + 6);
    view.writeUInt32LE(mode, at + 10);
    view.writeDoubleLE(mtime, at + 14);
    this.lane.commit(at + 22);
  }

  /** Queues closing the open file, if any, without finishing it: its entry failed. */
  reset(): void {
    const view = this.lane.reserve(1);
    const at = this.lane.offset;
    view[at] = OP_RESET;
    this.lane.commit(at + 1);
  }

  /** Hands over what is queued; throws a lane's failure, if one has failed. */
  kick(): void {
    let failed = this.failure !== undefined;
    for (const lane of this.lanes) {
      lane.handover();
      failed ||= lane.thread.failed();
    }
    if (failed) this.settle();
  }

  /** Waits until every queued operation is done; throws the failure of the earliest file that failed. */
  settle(): void {
    for (const lane of this.lanes) lane.handover();
    let first: { error: NodeJS.ErrnoException; sequence: number } | undefined;
    for (const lane of this.lanes) {
      lane.thread.idle();
      const failed = lane.thread.failed() ? lane.thread.takeFailure() : undefined;
      if (failed !== undefined && (first === undefined || failed.sequence < first.sequence)) first = failed;
    }
    this.pending.clear();
    // Kept: after a failure every settle throws it, as the lane skipped what came after.
    this.failure ??= first?.error;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Settles first if a file is queued at `where`, where a directory is about to be made. */
  settleFor(where: string): void {
    if (this.pending.has(where)) this.settle();
  }

  /** After the unpack, failed or not: closes any open file, waits, and returns the lanes to the pool. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      for (const lane of this.lanes) {
        this.lane = lane;
        this.reset();
      }
      this.settle();
    } catch {
      // The failure, if any, was the unpack's to report.
    }
    // Failures not taken above (a second failing lane) are not the next unpack's.
    for (const lane of this.lanes) lane.thread.takeFailure();
    idle.push(this.lanes);
  }
}
