// Regular files are made on a second thread. The main thread parses the tar and takes every
// safety decision (which name, in which directory this layer vouches for, with what mode);
// what is left for a file is plain work in a fixed order: open it O_CREAT|O_EXCL|O_NOFOLLOW,
// write its bytes, set owner, mode and times on the open fd, close it. On the unpack bench's
// layer of 10,000 small files those system calls cost as much as tar's whole run; done here,
// they overlap with parsing (tens of µs of JavaScript per entry) instead of adding to it.
// (Async fs calls were tried first and were 4–7x slower: a thread-pool round trip per call.)
//
// The two threads share a few fixed buffers ("slots") of records, handed over and back
// with Atomics: no message, no allocation and no system call per file. Anything that must
// see the files on disk (a mkdir where a queued file will be, a symlink, a hard link, a
// removal, the directory metadata at the end) first waits until the worker has caught up
// (settle), so the order of every operation is the order of the tar. The worker stops at
// its first failure; settle then throws that error, which is the layer's first failure.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { componentLogger } from '../../../common/index.ts';

const log = componentLogger('images');

/** Slots in flight: enough that parsing runs ahead of a busy disk by a few MiB. */
const SLOTS = 8;
const SLOT_BYTES = 512 * 1024;
/** A slot is handed over once it holds this much, so the worker starts early. */
const HANDOVER_BYTES = 64 * 1024;
/** Workers at most (one per concurrent unpack); further unpacks write on their own thread. */
const MAX_WORKERS = 4;
/** Queued file paths remembered at most before a settle (each mkdir checks them). */
const MAX_PENDING = 65536;

/** ctl[i] (i < SLOTS): bytes of records in slot i while it is the worker's, 0 when it is ours. */
const FAILED = SLOTS;

const OP_OPEN = 1;
const OP_DATA = 2;
const OP_CLOSE = 3;
const OP_RESET = 4;
export const CLOSE_CHOWN = 1;
export const CLOSE_CHMOD = 2;

// The worker: node builtins only, so it runs the same from source and from the bundle
// (eval: true; no second bundle entry). It mirrors materialize.ts's file calls exactly:
// EEXIST on create means a non-directory this layer made earlier (directories are never
// sent here), which a later entry of the same path replaces, as LayerTree.remove does.
const WORKER_SOURCE = `
'use strict';
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { ctl, buffers, port, slots } = workerData;
const views = buffers.map((b) => Buffer.from(b));
const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
const CREATE = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
let fd = -1;
function drop() {
  const open = fd;
  fd = -1;
  if (open >= 0) try { fs.closeSync(open); } catch {}
}
function run(buf, end) {
  for (let at = 0; at < end; ) {
    const op = buf[at++];
    if (op === ${OP_OPEN}) {
      const mode = buf.readUInt32LE(at);
      const len = buf.readUInt32LE(at + 4);
      const where = buf.toString('utf8', at + 8, at + 8 + len);
      at += 8 + len;
      drop();
      try {
        fd = fs.openSync(where, CREATE, mode);
      } catch (error) {
        if (error.code !== 'EEXIST') throw error;
        fs.unlinkSync(where);
        fd = fs.openSync(where, CREATE, mode);
      }
    } else if (op === ${OP_DATA}) {
      const len = buf.readUInt32LE(at);
      at += 4;
      for (let done = 0; done < len; ) done += fs.writeSync(fd, buf, at + done, len - done);
      at += len;
    } else if (op === ${OP_CLOSE}) {
      const flags = buf[at];
      const uid = buf.readUInt32LE(at + 1), gid = buf.readUInt32LE(at + 5), mode = buf.readUInt32LE(at + 9);
      const mtime = buf.readDoubleLE(at + 13);
      at += 21;
      if (flags & ${CLOSE_CHOWN}) fs.fchownSync(fd, uid, gid);
      if (flags & ${CLOSE_CHMOD}) fs.fchmodSync(fd, mode);
      fs.futimesSync(fd, mtime, mtime);
      const open = fd;
      fd = -1;
      fs.closeSync(open);
    } else if (op === ${OP_RESET}) {
      drop();
    } else {
      throw new Error('file writer: unknown record ' + op);
    }
  }
}
for (let slot = 0; ; slot = (slot + 1) % slots) {
  Atomics.wait(ctl, slot, 0);
  const end = Atomics.load(ctl, slot);
  if (Atomics.load(ctl, ${FAILED}) === 0) {
    try {
      run(views[slot], end);
    } catch (error) {
      drop();
      const e = error || {};
      port.postMessage({ message: String(e.message), code: e.code, errno: e.errno, syscall: e.syscall, path: e.path });
      Atomics.store(ctl, ${FAILED}, 1);
    }
  }
  Atomics.store(ctl, slot, 0);
  Atomics.notify(ctl, slot);
}
`;

interface Shared {
  worker: Worker;
  port: MessagePort;
  ctl: Int32Array;
  views: Buffer[];
  /** The slot the worker takes next once all are handed back: where the next writer starts. */
  slot: number;
}

const idle: Shared[] = [];
let started = 0;

/** A writer for one unpack, or undefined when MAX_WORKERS are busy or none can start. */
export function acquireFileWriter(): FileWriter | undefined {
  let shared = idle.pop();
  if (shared === undefined) {
    if (started >= MAX_WORKERS) return undefined;
    try {
      shared = startWorker();
    } catch (error) {
      log.warn({ err: error }, 'cannot start the file writer thread; writing files on the main thread');
      return undefined;
    }
    started++;
  }
  return new FileWriter(shared);
}

function startWorker(): Shared {
  const ctl = new Int32Array(new SharedArrayBuffer(4 * (SLOTS + 1)));
  const buffers = Array.from({ length: SLOTS }, () => new SharedArrayBuffer(SLOT_BYTES));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    // Node builtins only: no loader hooks (tsx), which may need this thread's event loop to start.
    execArgv: [],
    workerData: { ctl, buffers, port: port2, slots: SLOTS },
    transferList: [port2],
  });
  // Idle workers must not keep the process alive; a busy one is waited for by its unpack.
  worker.unref();
  port1.unref();
  worker.on('error', (error) => log.error({ err: error }, 'file writer thread failed'));
  return { worker, port: port1, ctl, views: buffers.map((b) => Buffer.from(b)), slot: 0 };
}

export class FileWriter {
  private readonly ctl: Int32Array;
  private slot: number;
  private used = 0;
  private view: Buffer;
  /** Paths of files queued since the worker was last known idle: a mkdir there must wait. */
  private readonly pending = new Set<string>();
  private failure: Error | undefined;
  private released = false;

  constructor(private readonly shared: Shared) {
    this.ctl = shared.ctl;
    this.slot = shared.slot;
    this.view = shared.views[this.slot]!;
  }

  /** Queues the creation of a file at `where` (whose parent is a real directory of this layer). */
  open(where: string, mode: number): void {
    const len = Buffer.byteLength(where, 'utf8');
    const at = this.reserve(9 + len);
    const view = this.view;
    view[at] = OP_OPEN;
    view.writeUInt32LE(mode, at + 1);
    view.writeUInt32LE(len, at + 5);
    view.write(where, at + 9, len, 'utf8');
    this.commit(at + 9 + len);
    this.pending.add(where);
    if (this.pending.size > MAX_PENDING) this.settle();
  }

  /** Queues bytes of the open file; copied, so the caller may reuse `chunk`. */
  data(chunk: Buffer): void {
    for (let offset = 0; offset < chunk.length; ) {
      // A chunk that does not fit goes to a fresh slot rather than in small pieces.
      if (this.used > 0 && SLOT_BYTES - this.used < Math.min(chunk.length - offset + 5, HANDOVER_BYTES)) this.handover();
      const at = this.reserve(6);
      const len = Math.min(chunk.length - offset, SLOT_BYTES - at - 5);
      this.view[at] = OP_DATA;
      this.view.writeUInt32LE(len, at + 1);
      chunk.copy(this.view, at + 5, offset, offset + len);
      offset += len;
      this.commit(at + 5 + len);
    }
  }

  /** Queues owner (flags & CLOSE_CHOWN), mode (CLOSE_CHMOD) and times of the open file, and its close. */
  close(flags: number, uid: number, gid: number, mode: number, mtime: number): void {
    const at = this.reserve(22);
    const view = this.view;
    view[at] = OP_CLOSE;
    view[at + 1] = flags;
    view.writeUInt32LE(uid >>> 0, at + 2);
    view.writeUInt32LE(gid >>> 0, at + 6);
    view.writeUInt32LE(mode, at + 10);
    view.writeDoubleLE(mtime, at + 14);
    this.commit(at + 22);
  }

  /** Queues closing the open file, if any, without finishing it: its entry failed. */
  reset(): void {
    const at = this.reserve(1);
    this.view[at] = OP_RESET;
    this.commit(at + 1);
  }

  /** Hands over what is queued; throws the worker's failure, if it has failed. */
  kick(): void {
    this.handover();
    if (Atomics.load(this.ctl, FAILED) !== 0) this.settle();
  }

  /** Waits until every queued operation is done; throws the worker's first failure. */
  settle(): void {
    this.handover();
    for (let i = 0; i < SLOTS; i++) waitFree(this.ctl, i);
    this.pending.clear();
    if (Atomics.load(this.ctl, FAILED) !== 0) throw this.workerFailure();
  }

  /** Settles first if a file is queued at `where`, where a directory is about to be made. */
  settleFor(where: string): void {
    if (this.pending.has(where)) this.settle();
  }

  /** After the unpack, failed or not: closes any open file, waits, and returns the worker to the pool. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      this.reset();
      this.settle();
    } catch {
      // The failure, if any, was the unpack's to report.
    }
    Atomics.store(this.ctl, FAILED, 0);
    while (receiveMessageOnPort(this.shared.port) !== undefined);
    this.shared.slot = this.slot;
    idle.push(this.shared);
  }

  private workerFailure(): Error {
    if (this.failure === undefined) {
      const message = receiveMessageOnPort(this.shared.port)?.message as { message: string; code?: string; errno?: number; syscall?: string; path?: string } | undefined;
      const error = new Error(message?.message ?? 'the file writer thread failed') as NodeJS.ErrnoException;
      if (message?.code !== undefined) error.code = message.code;
      if (message?.errno !== undefined) error.errno = message.errno;
      if (message?.syscall !== undefined) error.syscall = message.syscall;
      if (message?.path !== undefined) error.path = message.path;
      this.failure = error;
    }
    return this.failure;
  }

  /** Offset of `bytes` of room in the current slot, waiting for it to be ours. */
  private reserve(bytes: number): number {
    if (this.used + bytes > SLOT_BYTES) this.handover();
    if (this.used === 0) waitFree(this.ctl, this.slot);
    return this.used;
  }

  private commit(end: number): void {
    this.used = end;
    if (end >= HANDOVER_BYTES) this.handover();
  }

  private handover(): void {
    if (this.used === 0) return;
    Atomics.store(this.ctl, this.slot, this.used);
    Atomics.notify(this.ctl, this.slot);
    this.slot = (this.slot + 1) % SLOTS;
    this.view = this.shared.views[this.slot]!;
    this.used = 0;
  }
}

function waitFree(ctl: Int32Array, slot: number): void {
  for (let held = Atomics.load(ctl, slot); held !== 0; held = Atomics.load(ctl, slot)) Atomics.wait(ctl, slot, held);
}
