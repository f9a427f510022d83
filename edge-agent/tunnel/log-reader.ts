// Reads a container's CRI log file for a log request: from the last `tailLines` records or
// the start, and with `follow` on until the container stops (as the kubelet does, only the
// current file is followed; the next restart writes another). Yields the response bytes.
import fs from 'node:fs';
import type { LogStreamOptions } from '../../common/sync/index.ts';
import { createLineSplitter, createRenderer, fileTimestamp, normalizeTime, parseCriLine, type CriRecord } from './cri-log.ts';

const CHUNK = 64 * 1024;
/** How often a followed log looks again without a file event (the container may have stopped). */
const FOLLOW_POLL_MS = 500;

export interface LogSource {
  logPath: string;
  /** Whether the container still runs (a followed log ends when it does not). */
  running(): boolean;
}

export async function* readLog(source: LogSource, options: LogStreamOptions, signal: AbortSignal, now: () => number = Date.now): AsyncGenerator<Buffer> {
  const since = options.sinceTime !== undefined ? normalizeTime(options.sinceTime) : options.sinceSeconds !== undefined ? fileTimestamp(new Date(now() - options.sinceSeconds * 1000)) : undefined;
  const render = createRenderer({ timestamps: options.timestamps, since, limitBytes: options.limitBytes });
  const split = createLineSplitter();
  const file = await openWhenThere(source, options.follow, signal);
  if (!file) return;
  const watcher = options.follow ? changes(source.logPath, signal) : undefined;
  try {
    // Without follow the answer is the log as it stood at the request: lines the container
    // writes while we read would otherwise make `--tail 1` print two.
    const end = options.follow ? Infinity : (await file.stat()).size;
    let offset = options.tailLines === undefined ? 0 : await tailStart(file, options.tailLines, end);
    for (;;) {
      const chunk = await readAt(file, offset, end);
      offset += chunk.length;
      if (chunk.length > 0) {
        const records = split(chunk).map(parseCriLine).filter((r): r is CriRecord => r !== undefined);
        const { out, done } = render.render(records);
        if (out.length > 0) yield out;
        if (done) return;
        continue;
      }
      if (!options.follow || signal.aborted) return;
      // Look once more after the container stopped: its last lines may have landed meanwhile.
      const stopped = !source.running();
      if (stopped && (await readAt(file, offset)).length === 0) return;
      if (!stopped) await watcher!.next(FOLLOW_POLL_MS);
    }
  } finally {
    watcher?.close();
    await file.close();
  }
}

/** The file, or undefined: a log not written yet is empty unless followed while the container runs. */
async function openWhenThere(source: LogSource, follow: boolean, signal: AbortSignal): Promise<fs.promises.FileHandle | undefined> {
  for (;;) {
    try {
      return await fs.promises.open(source.logPath, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !follow || !source.running() || signal.aborted) return undefined;
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
    }
  }
}

async function readAt(file: fs.promises.FileHandle, offset: number, end = Infinity): Promise<Buffer> {
  const want = Math.min(CHUNK, end - offset);
  if (want <= 0) return Buffer.alloc(0);
  const buffer = Buffer.allocUnsafe(want);
  const { bytesRead } = await file.read(buffer, 0, want, offset);
  return buffer.subarray(0, bytesRead);
}

/** Where the last `lines` records start, found by reading backwards (the kubelet's tail). */
export async function tailStart(file: fs.promises.FileHandle, lines: number, upTo = Infinity): Promise<number> {
  const size = Math.min(upTo, (await file.stat()).size);
  if (lines === 0) return size;
  let found = 0;
  // The newline that ends the last record is not a boundary before one.
  let end = size;
  const last = Buffer.alloc(1);
  if (size > 0 && (await file.read(last, 0, 1, size - 1)).bytesRead === 1 && last[0] === 0x0a) end = size - 1;
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const block = Buffer.alloc(end - start);
    await file.read(block, 0, block.length, start);
    for (let i = block.length - 1; i >= 0; i--) if (block[i] === 0x0a && ++found === lines) return start + i + 1;
    end = start;
  }
  return 0;
}

/** File events on the log (and the request's end), as "look again" signals. */
function changes(file: string, signal: AbortSignal) {
  let pending = false;
  let wake: (() => void) | undefined;
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(file, () => {
      pending = true;
      wake?.();
    });
    watcher.on('error', () => undefined);
  } catch {
    // No inotify here: the poll interval still finds new lines.
  }
  signal.addEventListener('abort', () => wake?.(), { once: true });
  return {
    async next(timeoutMs: number): Promise<void> {
      if (!pending && !signal.aborted) {
        let timer: NodeJS.Timeout | undefined;
        const woken = new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, timeoutMs);
        });
        await woken;
        clearTimeout(timer);
      }
      pending = false;
      wake = undefined;
    },
    close: () => watcher?.close(),
  };
}
