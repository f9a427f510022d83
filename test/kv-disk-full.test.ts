/**
 * DESIGN §3 on a full disk: a write that cannot be stored is refused with STORE_NO_SPACE and
 * takes no revision, reads keep working, and once space returns the same store writes again
 * with every acknowledged write intact. The disk is a 4 MiB tmpfs, so this needs root.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { isSkerryError } from '../common/index.ts';
import { openSqliteStore, type KeyValue, type KeyValueStore, type WatchEvent } from '../storage/kv/index.ts';
import { replayEvents } from './helpers/kv.ts';

const MiB = 1024 * 1024;
const VALUE_SIZE = 16 * 1024;
const DISK_SIZE = 4 * MiB;
// Until the WAL reaches SQLite's checkpoint size (4 MiB) everything written lives in it, and
// once space returns the first checkpoint needs room to copy it all into the database file.
// So the space given back (the filler) must exceed what the store fills in its absence.
const FILLER_SIZE = 2.5 * MiB;
const PREFIX = '/full/';

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why this machine cannot run the test, or undefined if it can: mounting needs root (CAP_SYS_ADMIN). */
function cannotMount(): string | undefined {
  const uid = process.getuid?.();
  if (uid !== 0) return `needs root to mount a tmpfs, running as uid ${uid ?? 'unknown'}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-kvfull-probe-'));
  try {
    run('mount', ['-t', 'tmpfs', '-o', 'size=64k', `skerry-kvfull-probe-${process.pid}`, dir]);
    run('umount', [dir]);
    return undefined;
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n')[0];
    return `running as root but cannot mount a tmpfs (no CAP_SYS_ADMIN?): ${stderr || (error as Error).message}`;
  } finally {
    fs.rmdirSync(dir);
  }
}

const skipReason = cannotMount();
if (skipReason) console.warn(`kv-disk-full.test.ts is skipped: ${skipReason}`);

/** The test's record of what the store acknowledged: it must match the store at every step. */
class Acknowledged {
  readonly live = new Map<string, KeyValue>();
  head = 0;
  private nextKey = 0;
  readonly refusals: unknown[] = [];

  /** Creates `count` new keys at once, so they share commits; returns how many were refused. */
  async create(store: KeyValueStore, count: number, size = VALUE_SIZE): Promise<number> {
    const keys = Array.from({ length: count }, () => `${PREFIX}${String(this.nextKey++).padStart(5, '0')}`);
    const results = await Promise.allSettled(keys.map((key) => store.create(key, Buffer.alloc(size, `${key}|`))));
    return this.record(results);
  }

  async update(store: KeyValueStore, key: string): Promise<number> {
    const current = this.live.get(key)!;
    return this.record(await Promise.allSettled([store.update(key, Buffer.alloc(VALUE_SIZE, `${key}@${current.modRevision}|`), current.modRevision)]));
  }

  async delete(store: KeyValueStore, key: string): Promise<number> {
    const results = await Promise.allSettled([store.delete(key, this.live.get(key)!.modRevision)]);
    if (results[0]!.status === 'fulfilled') this.live.delete(key);
    return this.record(results, true);
  }

  private record(results: PromiseSettledResult<KeyValue>[], deleted = false): number {
    let refused = 0;
    for (const result of results) {
      if (result.status === 'rejected') {
        this.refusals.push(result.reason);
        refused++;
        continue;
      }
      this.head += 1;
      if (result.value.modRevision !== this.head) throw new Error(`acknowledged revision ${result.value.modRevision}, expected ${this.head}: a refused write took a revision`);
      if (!deleted) this.live.set(result.value.key, result.value);
    }
    return refused;
  }

  keys(): string[] {
    return [...this.live.keys()].sort();
  }
}

function refusalCodes(acknowledged: Acknowledged): string[] {
  return [...new Set(acknowledged.refusals.map((error) => (isSkerryError(error) ? error.code : `not a SkerryError: ${String(error)}`)))];
}

/** Reads agree with the acknowledged writes: get, paged list, count and a watch replaying the log. */
async function assertReads(t: ExecutionContext, store: KeyValueStore, acknowledged: Acknowledged, when: string): Promise<void> {
  t.is(await store.currentRevision(), acknowledged.head, `${when}: currentRevision`);
  for (const kv of acknowledged.live.values()) {
    const got = await store.get(kv.key);
    if (!got || got.modRevision !== kv.modRevision || !got.value.equals(kv.value)) {
      t.fail(`${when}: ${kv.key} should be at ${kv.modRevision}, got ${got ? got.modRevision : 'nothing'}`);
      return;
    }
  }
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await store.list(PREFIX, { limit: 25, ...(token ? { continue: token } : {}) });
    keys.push(...page.items.map((item) => item.key));
    token = page.continue;
  } while (token);
  t.deepEqual(keys, acknowledged.keys(), `${when}: list`);
  t.deepEqual(await store.count(PREFIX), { count: acknowledged.live.size, revision: acknowledged.head }, `${when}: count`);
  // afterRevision 0 would mean "from now on", so the replay starts after revision 1 at least.
  const after = Math.max(1, await store.compactRevision());
  const events = await replayEvents(store, PREFIX, after, acknowledged.head);
  t.deepEqual(events.map((e) => e.modRevision), Array.from({ length: acknowledged.head - after }, (_, i) => after + 1 + i), `${when}: watch catch-up`);
}

/**
 * Compaction writes too: it either completes or is refused with STORE_NO_SPACE, and reads
 * stay answerable either way. A refusal after the compacted revision was recorded is allowed:
 * the rest is resumed by the next compaction or open.
 */
async function compactOrRefuse(t: ExecutionContext, store: KeyValueStore, revision: number, when: string): Promise<string> {
  const before = await store.compactRevision();
  try {
    await store.compact(revision);
    t.is(await store.compactRevision(), revision, `compaction ${when}`);
    return 'done';
  } catch (error) {
    t.true(isSkerryError(error, 'STORE_NO_SPACE'), `compaction ${when} failed with ${String(error)}`);
    t.true([before, revision].includes(await store.compactRevision()), `compaction ${when}`);
    return 'refused';
  }
}

const title = 'a full disk refuses writes with STORE_NO_SPACE, keeps reads working, and writes again once space returns';

(skipReason ? test.skip : test)(skipReason ? `${title} (skipped: ${skipReason})` : title, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-kvfull-'));
  let store: KeyValueStore | undefined;
  let mounted = false;
  t.teardown(async () => {
    await store?.close().catch(() => undefined);
    if (mounted) {
      // A lazy unmount still detaches it if something unexpected keeps a file open.
      try {
        run('umount', [dir]);
      } catch {
        run('umount', ['-l', dir]);
      }
    }
    fs.rmdirSync(dir);
  });
  run('mount', ['-t', 'tmpfs', '-o', `size=${DISK_SIZE},mode=0700`, `skerry-kvfull-${process.pid}`, dir]);
  mounted = true;
  const filler = path.join(dir, 'filler');
  fs.writeFileSync(filler, Buffer.alloc(FILLER_SIZE, 0xaa));
  const file = path.join(dir, 'state.db');
  store = openSqliteStore({ file });
  const acknowledged = new Acknowledged();

  // Fill the disk: 8 writes at a time, until a commit is refused.
  let rounds = 0;
  while ((await acknowledged.create(store, 8)) === 0) {
    if (++rounds > 1000) return t.fail(`${DISK_SIZE / MiB} MiB held ${acknowledged.head} writes of ${VALUE_SIZE} bytes without filling up`);
  }
  const fullAt = acknowledged.head;
  t.log(`disk full after ${fullAt} acknowledged writes of ${VALUE_SIZE / 1024} KiB (${rounds + 1} rounds)`);
  t.deepEqual(refusalCodes(acknowledged), ['STORE_NO_SPACE']);
  t.regex(String((acknowledged.refusals[0] as Error).message), new RegExp(`Disk is full.*${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

  // While full: more writes of every kind, one transaction larger than SQLite's page cache
  // (so it spills before COMMIT), and a compaction; each is stored or refused, never half.
  // A refused commit may leave the WAL file longer than it was, and a later, smaller commit
  // may fit in that; but once that is used up, nothing more fits.
  const rounds16k: number[] = [];
  for (let i = 0; i < 10; i++) rounds16k.push(await acknowledged.create(store, 8));
  t.is(rounds16k.at(-1), 8, `refusals per round of 8 writes of 16 KiB: ${rounds16k.join()}`);
  let small = 0;
  for (let i = 0; i < 5; i++) small += await acknowledged.create(store, 1, 100);
  small += await acknowledged.update(store, `${PREFIX}00000`);
  small += await acknowledged.delete(store, `${PREFIX}00001`);
  t.is(await acknowledged.create(store, 8, MiB / 2), 8, 'a 4 MiB transaction cannot fit on a 4 MiB disk');
  const compaction = await compactOrRefuse(t, store, fullAt, 'on a full disk');
  t.deepEqual(refusalCodes(acknowledged), ['STORE_NO_SPACE']);
  t.log(`while full: refusals per round of 8 × 16 KiB ${rounds16k.join()}, ${small} of 7 small writes refused, 8 of 8 large refused, compaction ${compaction}`);
  await assertReads(t, store, acknowledged, 'while full');

  // A restart on a full disk still opens the store and reads it; writes are still refused.
  await store.close();
  store = openSqliteStore({ file });
  await assertReads(t, store, acknowledged, 'reopened while full');
  t.is(await acknowledged.create(store, 8), 8, 'writes after reopening on a full disk');

  // Space returns: the same store (no reopen) writes again, revisions continue without a gap.
  fs.unlinkSync(filler);
  const before = acknowledged.head;
  for (let i = 0; i < 2; i++) t.is(await acknowledged.create(store, 8), 0, 'writes after space returned');
  t.is(await acknowledged.update(store, `${PREFIX}00002`), 0);
  t.is(await acknowledged.delete(store, `${PREFIX}00003`), 0);
  t.is(acknowledged.head, before + 18);
  await assertReads(t, store, acknowledged, 'after space returned');

  // Everything acknowledged, and nothing refused, is there after a restart.
  await store.close();
  store = openSqliteStore({ file });
  await assertReads(t, store, acknowledged, 'reopened after space returned');
  t.is(await acknowledged.create(store, 1), 0);

  // Compaction rewrites many pages into the WAL, and the WAL cannot be checkpointed into a
  // database file that has no room to grow, so it may still not fit; it must not half-fail.
  const laterCompaction = await compactOrRefuse(t, store, fullAt, 'after space returned');
  await assertReads(t, store, acknowledged, 'after the last compaction');
  t.log(`after space returned: ${acknowledged.head - before} writes acknowledged, compaction ${laterCompaction}`);
  t.log(`${acknowledged.refusals.length} writes refused in all; ${acknowledged.head} acknowledged, all present after reopen`);
});
