// Watch delivery latency and list latency of the store.
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqliteStore, type SqliteStoreOptions, type Watch } from '../../storage/kv/index.ts';
import { median, Samples, type Summary } from './stats.ts';
import { freshFile, valueFor } from './kv-values.ts';

export interface WatchRun {
  watchers: number;
  writers: number;
  writes: number;
  samples: number;
  /** From just before create() is called until a watcher's for-await body runs, ms. */
  fromCall: Summary;
  /** From the end of the commit (the store's onCommit hook) until the same moment, ms. */
  fromCommit: Summary;
  /** From calling create() until its promise resolved, ms. */
  writeLatency: Summary;
  seconds: number;
}

/**
 * `watchers` watches on one prefix; `writers` loops create `writes` keys under it in all,
 * each loop awaiting its write before the next (so the pace is the store's own). The first
 * `warmup` writes are delivered but not measured.
 */
export async function watchLatency(dir: string, watchers: number, writers: number, writes: number, warmup: number): Promise<WatchRun> {
  const prefix = '/registry/pods/';
  // A fresh store starts at revision 0 and every write here succeeds, so commit k's writes
  // have revisions (committed before k, committed after k]; record each one's commit time.
  const commitAt = new Float64Array(warmup + writes + 1);
  let committed = 0;
  const options: SqliteStoreOptions = {
    file: freshFile(dir, `watch-${writers}w`),
    onCommit: (count) => {
      const now = performance.now();
      for (let i = 0; i < count; i++) commitAt[++committed] = now;
    },
  };
  const store = openSqliteStore(options);
  const total = warmup + writes;
  const startedAt = new Map<string, number>();
  const fromCall = new Samples(watchers * writes);
  const fromCommit = new Samples(watchers * writes);
  const writeLatency = new Samples(writes);

  async function consume(watch: Watch): Promise<void> {
    let received = 0;
    for await (const event of watch) {
      const now = performance.now();
      const started = startedAt.get(event.key);
      if (started !== undefined) {
        fromCall.push(now - started);
        fromCommit.push(now - commitAt[event.modRevision]!);
      }
      if (++received === total) break;
    }
    if (received !== total) throw new Error(`a watcher received ${received} of ${total} events`);
  }
  const consumers = Array.from({ length: watchers }, () => consume(store.watch(prefix)));

  let next = 0;
  async function writer(w: number): Promise<void> {
    for (let n = next++; n < total; n = next++) {
      const key = `${prefix}bench/watch-${n}`;
      const measured = n >= warmup;
      const started = performance.now();
      if (measured) startedAt.set(key, started);
      await store.create(key, valueFor(n + w));
      if (measured) writeLatency.push(performance.now() - started);
    }
  }
  const t0 = performance.now();
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  const deadline = sleep(30_000, 'timeout' as const, { ref: false });
  const outcome = await Promise.race([Promise.all(consumers).then(() => 'done' as const), deadline]);
  if (outcome === 'timeout') throw new Error('watchers did not receive every event within 30 s');
  const seconds = (performance.now() - t0) / 1000;
  await store.close();
  return {
    watchers,
    writers,
    writes,
    samples: fromCall.length,
    fromCall: fromCall.summary(),
    fromCommit: fromCommit.summary(),
    writeLatency: writeLatency.summary(),
    seconds,
  };
}

// ---------------------------------------------------------------------------------------
// Scenario 3: listing 10,000 keys.

export interface ListRun {
  keys: number;
  rowsInPrefix: number;
  otherKeys: number;
  runs: number;
  unlimited: { medianMs: number; runsMs: number[] };
  paginated: { medianMs: number; runsMs: number[]; pageSize: number; pages: number };
}

/**
 * 10,000 keys under the listed prefix, each created and then updated once (so the log holds
 * two rows per key, as it does between compactions), plus 2,000 keys under another prefix.
 */
export async function listLatency(dir: string, keys: number, runs: number, pageSize: number): Promise<ListRun> {
  const store = openSqliteStore({ file: freshFile(dir, 'list'), retainRevisions: 1_000_000_000 });
  const prefix = '/registry/configmaps/';
  const otherKeys = 2000;
  const keyOf = (i: number) => `${prefix}ns-${i % 10}/cm-${String(i).padStart(6, '0')}`;
  const revisions: number[] = [];
  await inChunks(keys, 1000, async (i) => {
    revisions[i] = (await store.create(keyOf(i), valueFor(i))).modRevision;
  });
  await inChunks(keys, 1000, async (i) => {
    await store.update(keyOf(i), valueFor(i + 1), revisions[i]!);
  });
  await inChunks(otherKeys, 1000, async (i) => {
    await store.create(`/registry/secrets/ns-${i % 10}/s-${i}`, valueFor(i));
  });

  async function unlimited(): Promise<number> {
    const t0 = performance.now();
    const result = await store.list(prefix);
    const ms = performance.now() - t0;
    if (result.items.length !== keys) throw new Error(`list returned ${result.items.length} of ${keys} keys`);
    return ms;
  }
  let pages = 0;
  async function paginated(): Promise<number> {
    const t0 = performance.now();
    let items = 0;
    pages = 0;
    let token: string | undefined;
    do {
      const page = await store.list(prefix, token ? { limit: pageSize, continue: token } : { limit: pageSize });
      items += page.items.length;
      pages += 1;
      token = page.continue;
    } while (token);
    const ms = performance.now() - t0;
    if (items !== keys) throw new Error(`paginated list returned ${items} of ${keys} keys`);
    return ms;
  }
  for (let i = 0; i < 2; i++) await unlimited(), await paginated(); // warm-up
  const unlimitedMs: number[] = [];
  const paginatedMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    unlimitedMs.push(await unlimited());
    paginatedMs.push(await paginated());
  }
  await store.close();
  return {
    keys,
    rowsInPrefix: keys * 2,
    otherKeys,
    runs,
    unlimited: { medianMs: median(unlimitedMs), runsMs: unlimitedMs },
    paginated: { medianMs: median(paginatedMs), runsMs: paginatedMs, pageSize, pages },
  };
}

/** Runs `task(0..count-1)`, `chunk` at a time concurrently (so the store batches them). */
export async function inChunks(count: number, chunk: number, task: (i: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < count; start += chunk) {
    const end = Math.min(count, start + chunk);
    await Promise.all(Array.from({ length: end - start }, (_, k) => task(start + k)));
  }
}

// ---------------------------------------------------------------------------------------

