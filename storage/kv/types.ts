/** One stored value and the revisions that describe its history. */
export interface KeyValue {
  key: string;
  value: Buffer;
  /** Revision of the write that created the key (since its last deletion). */
  createRevision: number;
  /** Revision of the latest write to the key. */
  modRevision: number;
}

export interface ListOptions {
  /** At most this many items; 0 or absent means no limit. */
  limit?: number;
  /** Token from a previous page's `continue`; the page is read at that page's revision. */
  continue?: string;
  /** Read as of this revision; absent or 0 means the current revision. */
  revision?: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** Present when more items follow; pass it back to get the next page. */
  continue?: string;
}

export interface WatchEvent {
  type: 'create' | 'update' | 'delete';
  key: string;
  /** The new value; for a delete, the value that was deleted. */
  value: Buffer;
  /** The value before this write, when known (absent for a create). */
  prevValue?: Buffer;
  modRevision: number;
  createRevision: number;
}

export interface WatchOptions {
  /** Deliver every event with a revision greater than this one (0: from now on). */
  afterRevision?: number;
}

/** A stream of events in revision order; it ends with an error when cut off or compacted. */
export interface Watch extends AsyncIterable<WatchEvent> {
  /** Stops the watch; a pending iteration ends without error. */
  close(): void;
}

export interface CompactResult {
  compactRevision: number;
  deletedRows: number;
}

/**
 * The revisioned key/value store of DESIGN §3. Every write gets one global, strictly
 * increasing revision; a write is acknowledged (its promise resolves) only once durable.
 */
export interface KeyValueStore {
  get(key: string, options?: { revision?: number }): Promise<KeyValue | undefined>;
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<{ count: number; revision: number }>;
  create(key: string, value: Buffer): Promise<KeyValue>;
  /** Replaces the value if the key's modRevision still equals `expectedModRevision`. */
  update(key: string, value: Buffer, expectedModRevision: number): Promise<KeyValue>;
  /** Deletes the key if its modRevision equals `expectedModRevision` (0: whatever it is). */
  delete(key: string, expectedModRevision: number): Promise<KeyValue & { deleteRevision: number }>;
  watch(prefix: string, options?: WatchOptions): Watch;
  compact(revision: number): Promise<CompactResult>;
  currentRevision(): Promise<number>;
  compactRevision(): Promise<number>;
  close(): Promise<void>;
}
