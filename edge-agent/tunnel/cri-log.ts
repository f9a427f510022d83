// The CRI container log format (one record per line: `<RFC3339Nano> <stream> <P|F> <text>`)
// turned back into what the container wrote, as the kubelet's ReadLogs does: partial
// records (P) joined with the full one (F) that ends their line, a timestamp prefix only at
// the start of a line, records before `since` skipped, and at most `limitBytes` bytes out.

export interface CriRecord {
  /** As in the file: UTC with nine fraction digits, so records compare as strings. */
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: Buffer;
}

const SPACE = 0x20;

/** One line of a CRI log (without its newline), or undefined when it is not one. */
export function parseCriLine(line: Buffer): CriRecord | undefined {
  const first = line.indexOf(SPACE);
  const second = first < 0 ? -1 : line.indexOf(SPACE, first + 1);
  if (second < 0 || line.length < second + 2) return undefined;
  const stream = line.toString('latin1', first + 1, second);
  const tag = line[second + 1];
  if ((stream !== 'stdout' && stream !== 'stderr') || (tag !== 0x50 && tag !== 0x46)) return undefined;
  // "<tag> <text>"; a record with empty text may end right after the tag.
  if (line.length > second + 2 && line[second + 2] !== SPACE) return undefined;
  return { time: line.toString('latin1', 0, first), stream, partial: tag === 0x50, text: line.subarray(second + 3) };
}

/** A file timestamp as Go's RFC3339Nano prints it (trailing zeros of the fraction dropped), as kubectl shows it. */
export function goTimestamp(time: string): string {
  return time.replace(/\.(\d*?)0*Z$/, (_, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

/** An instant as the file writes it (nine fraction digits), for string comparison with records. */
export function fileTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** A RFC 3339 time with any offset and precision, in the file's form; nanoseconds kept. */
export function normalizeTime(text: string): string {
  const match = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i.exec(text.trim());
  const date = new Date(text);
  if (!match || Number.isNaN(date.getTime())) throw new RangeError(`${JSON.stringify(text)} is not an RFC 3339 time`);
  const whole = new Date(`${match[1]}${match[3]}`);
  return `${whole.toISOString().slice(0, 19)}.${(match[2] ?? '').padEnd(9, '0').slice(0, 9)}Z`;
}

export interface RenderOptions {
  timestamps: boolean;
  /** File-form timestamp; records before it are left out. */
  since?: string;
  limitBytes?: number;
}

/** Renders records into the bytes a log request returns; stateful across calls (partial lines, byte budget). */
export function createRenderer(options: RenderOptions) {
  let lineOpen = false;
  let budget = options.limitBytes ?? Infinity;
  return {
    /** The bytes for these records; `done` once limitBytes is spent. */
    render(records: CriRecord[]): { out: Buffer; done: boolean } {
      const pieces: Buffer[] = [];
      for (const record of records) {
        if (budget <= 0) break;
        if (options.since !== undefined && record.time < options.since) continue;
        const prefix = options.timestamps && !lineOpen ? Buffer.from(`${goTimestamp(record.time)} `) : undefined;
        for (const piece of [prefix, record.text, record.partial ? undefined : Buffer.of(0x0a)]) {
          if (!piece || budget <= 0) continue;
          const take = piece.length <= budget ? piece : piece.subarray(0, budget);
          pieces.push(take);
          budget -= take.length;
        }
        lineOpen = record.partial;
      }
      return { out: Buffer.concat(pieces), done: budget <= 0 };
    },
  };
}

/** Cuts a chunk of the file into whole lines, keeping an unfinished last line for the next chunk. */
export function createLineSplitter() {
  let rest = Buffer.alloc(0);
  return (chunk: Buffer): Buffer[] => {
    const bytes = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    const lines: Buffer[] = [];
    let start = 0;
    for (let nl = bytes.indexOf(0x0a); nl >= 0; nl = bytes.indexOf(0x0a, start)) {
      lines.push(bytes.subarray(start, nl));
      start = nl + 1;
    }
    rest = Buffer.from(bytes.subarray(start));
    return lines;
  };
}
