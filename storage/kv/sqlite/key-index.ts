import { RowKind } from './schema.ts';

/** One retained revision of a key: enough to answer "what was current at revision R". */
export interface IndexEntry {
  rev: number;
  kind: RowKind;
  createRev: number;
}

/**
 * The store's key → revisions index, kept in memory instead of as a SQLite index. A write
 * then only appends to the log's last page: a B-tree index on (key, rev) dirtied one leaf
 * page per distinct key in every commit, and the WAL traffic capped grouped commits at
 * about half the throughput of a bare append (ADR 001). The index holds only what
 * compaction retains, so it is bounded with the log, and it is rebuilt from the log at open.
 */
export class KeyIndex {
  private readonly entries = new Map<string, IndexEntry[]>();
  /** Every key with at least one entry, in byte (= string, for ASCII) order, except `unsorted`. */
  private sorted: string[] = [];
  /**
   * Keys added since the last range query. Inserting each new key into `sorted` moved the
   * array's tail every time (5 % of a 16-writer create/update run); a range query sorts and
   * merges them once instead.
   */
  private unsorted: string[] = [];

  /** Appends an entry; entries of a key arrive in revision order. */
  add(key: string, entry: IndexEntry): void {
    const list = this.entries.get(key);
    if (list) {
      list.push(entry);
      return;
    }
    this.entries.set(key, [entry]);
    this.unsorted.push(key);
  }

  get size(): number {
    return this.entries.size;
  }

  latest(key: string): IndexEntry | undefined {
    const list = this.entries.get(key);
    return list?.[list.length - 1];
  }

  /** The newest entry of `key` at or below `revision`. */
  at(key: string, revision: number): IndexEntry | undefined {
    const list = this.entries.get(key);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.rev <= revision) return list[i];
    return undefined;
  }

  /** Keys in [start, end) after `after`, in order: the candidates of a list. */
  *keysInRange(start: string, end: string, after = ''): Generator<string> {
    this.settle();
    const keys = this.sorted;
    const from = after >= start ? after : start;
    let i = lowerBound(keys, from);
    if (keys[i] === after && after !== '') i++;
    for (; i < keys.length && keys[i]! < end; i++) yield keys[i]!;
  }

  /**
   * Mirrors a compaction to `revision`: for each key, drop what the newest entry at or below
   * it supersedes, and drop that entry too when it is a tombstone.
   */
  compact(revision: number): void {
    let emptied = false;
    for (const [key, list] of this.entries) {
      let keep = -1;
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i]!.rev <= revision) {
          keep = list[i]!.kind === RowKind.Delete ? i + 1 : i;
          break;
        }
      }
      if (keep <= 0) continue;
      list.splice(0, keep);
      if (list.length === 0) {
        this.entries.delete(key);
        emptied = true;
      }
    }
    if (emptied) {
      this.sorted = this.sorted.filter((key) => this.entries.has(key));
      this.unsorted = this.unsorted.filter((key) => this.entries.has(key));
    }
  }

  /** Merges the keys added since the last range query into `sorted`. */
  private settle(): void {
    if (this.unsorted.length === 0) return;
    const added = this.unsorted.sort();
    this.unsorted = [];
    const old = this.sorted;
    const merged = new Array<string>(old.length + added.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < old.length && j < added.length) merged[k++] = old[i]! < added[j]! ? old[i++]! : added[j++]!;
    while (i < old.length) merged[k++] = old[i++]!;
    while (j < added.length) merged[k++] = added[j++]!;
    this.sorted = merged;
  }
}

function lowerBound(keys: string[], target: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keys[mid]! < target) low = mid + 1;
    else high = mid;
  }
  return low;
}
