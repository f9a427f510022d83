/**
 * The values of the most recently committed revisions, bounded by bytes. An update's watch
 * event carries the value it replaced; reading it back with a point query cost about a
 * third of the store's own CPU per write, and the replaced value is nearly always one
 * written shortly before (a status update after a spec update, a controller's follow-up).
 * A revision's value never changes, so an entry can be stale only by being absent.
 */
export class RecentValues {
  private readonly values = new Map<number, Buffer>();
  /** Revisions in the order they were added, oldest at `oldest`; the drained prefix is cut off now and then. */
  private order: number[] = [];
  private oldest = 0;
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(revision: number): Buffer | undefined {
    return this.values.get(revision);
  }

  /** Records a committed revision's value; only committed ones, because a failed commit's revisions are reused. */
  add(revision: number, value: Buffer): void {
    if (value.length > this.maxBytes) return;
    this.values.set(revision, value);
    this.order.push(revision);
    this.bytes += value.length;
    while (this.bytes > this.maxBytes) {
      const oldest = this.order[this.oldest++]!;
      this.bytes -= this.values.get(oldest)!.length;
      this.values.delete(oldest);
    }
    if (this.oldest > 4096 && this.oldest * 2 > this.order.length) {
      this.order = this.order.slice(this.oldest);
      this.oldest = 0;
    }
  }
}
