import type { ExecutionContext, TestFn } from 'ava';
import type { KeyValueStore, WatchEvent, Watch } from './types.ts';

export interface StoreFactory {
  /** A fresh, empty store; `cleanup` closes it and removes what it made. */
  (options: { maxQueuedEvents?: number }): Promise<{ store: KeyValueStore; cleanup: () => Promise<void> }>;
}

const v = (text: string) => Buffer.from(text);

/**
 * The contract every backend of the revisioned store must keep (DESIGN §3). Each backend's
 * test file calls this with its own factory.
 */
export function conformanceSuite(test: TestFn, backend: string, factory: StoreFactory): void {
  const withStore = (title: string, body: (t: ExecutionContext, store: KeyValueStore) => Promise<void>, options = {}) =>
    test(`${backend}: ${title}`, async (t) => {
      const { store, cleanup } = await factory(options);
      try {
        await body(t, store);
      } finally {
        await cleanup();
      }
    });

  withStore('create assigns the next revision and get returns the value', async (t, store) => {
    const start = await store.currentRevision();
    const kv = await store.create('/a', v('1'));
    t.is(kv.modRevision, start + 1);
    t.is(kv.createRevision, kv.modRevision);
    t.deepEqual(await store.get('/a'), kv);
    t.is(await store.currentRevision(), start + 1);
    t.is(await store.get('/missing'), undefined);
  });

  withStore('create of an existing key fails with KEY_EXISTS and changes nothing', async (t, store) => {
    const kv = await store.create('/a', v('1'));
    await t.throwsAsync(store.create('/a', v('2')), { code: 'KEY_EXISTS' as never });
    t.deepEqual(await store.get('/a'), kv);
    t.is(await store.currentRevision(), kv.modRevision);
  });

  withStore('update compares modRevision: stale writes conflict, missing keys are not found', async (t, store) => {
    const created = await store.create('/a', v('1'));
    const updated = await store.update('/a', v('2'), created.modRevision);
    t.is(updated.modRevision, created.modRevision + 1);
    t.is(updated.createRevision, created.createRevision);
    const conflict = await t.throwsAsync(store.update('/a', v('3'), created.modRevision), { code: 'REVISION_CONFLICT' as never });
    t.regex(conflict!.message, /\/a is at modRevision \d+/);
    await t.throwsAsync(store.update('/nope', v('3'), 1), { code: 'KEY_NOT_FOUND' as never });
    t.deepEqual((await store.get('/a'))!.value, v('2'));
  });

  withStore('delete compares modRevision; 0 deletes whatever is there; a re-create starts anew', async (t, store) => {
    const created = await store.create('/a', v('1'));
    await t.throwsAsync(store.delete('/a', created.modRevision + 5), { code: 'REVISION_CONFLICT' as never });
    const deleted = await store.delete('/a', created.modRevision);
    t.is(deleted.deleteRevision, created.modRevision + 1);
    t.deepEqual(deleted.value, v('1'));
    t.is(await store.get('/a'), undefined);
    await t.throwsAsync(store.delete('/a', 0), { code: 'KEY_NOT_FOUND' as never });
    const again = await store.create('/a', v('x'));
    t.is(again.createRevision, again.modRevision);
    const gone = await store.delete('/a', 0);
    t.is(gone.deleteRevision, again.modRevision + 1);
  });

  withStore('concurrent writes each get one distinct revision, strictly increasing with no holes', async (t, store) => {
    const start = await store.currentRevision();
    const writers = Array.from({ length: 16 }, async (_, w) => {
      const revisions: number[] = [];
      for (let i = 0; i < 50; i++) revisions.push((await store.create(`/w/${w}/${i}`, v(`${w}-${i}`))).modRevision);
      return revisions;
    });
    const perWriter = await Promise.all(writers);
    for (const revisions of perWriter) t.deepEqual(revisions, [...revisions].sort((a, b) => a - b));
    const all = perWriter.flat().sort((a, b) => a - b);
    t.deepEqual(all, Array.from({ length: 800 }, (_, i) => start + 1 + i));
  });

  withStore('list returns only keys under the prefix, in key order', async (t, store) => {
    for (const key of ['/a/2', '/a/1', '/a0', '/b/1', '/a/10']) await store.create(key, v(key));
    const result = await store.list('/a/');
    t.deepEqual(result.items.map((i) => i.key), ['/a/1', '/a/10', '/a/2']);
    t.is(result.revision, await store.currentRevision());
    t.is(result.continue, undefined);
    t.deepEqual((await store.count('/a/')).count, 3);
    t.deepEqual((await store.list('')).items.length, 5);
  });

  withStore('list pages with limit and continue see one consistent revision', async (t, store) => {
    for (let i = 0; i < 25; i++) await store.create(`/p/${String(i).padStart(2, '0')}`, v(String(i)));
    const first = await store.list('/p/', { limit: 10 });
    t.is(first.items.length, 10);
    t.truthy(first.continue);
    await store.create('/p/00a', v('late'));
    await store.delete('/p/24', 0);
    const keys = first.items.map((i) => i.key);
    let token = first.continue;
    while (token) {
      const page = await store.list('/p/', { limit: 10, continue: token });
      t.is(page.revision, first.revision);
      keys.push(...page.items.map((i) => i.key));
      token = page.continue;
    }
    t.deepEqual(keys, Array.from({ length: 25 }, (_, i) => `/p/${String(i).padStart(2, '0')}`));
    await t.throwsAsync(store.list('/p/', { continue: 'garbage' }), { code: 'CONTINUE_INVALID' as never });
  });

  withStore('list and get as of a past revision show the state then', async (t, store) => {
    const a = await store.create('/h/a', v('a1'));
    const b = await store.create('/h/b', v('b1'));
    const then = b.modRevision;
    await store.update('/h/a', v('a2'), a.modRevision);
    await store.delete('/h/b', 0);
    await store.create('/h/c', v('c1'));
    const past = await store.list('/h/', { revision: then });
    t.deepEqual(past.items.map((i) => [i.key, i.value.toString()]), [['/h/a', 'a1'], ['/h/b', 'b1']]);
    t.is(past.revision, then);
    t.is((await store.get('/h/a', { revision: then }))!.value.toString(), 'a1');
    t.is((await store.get('/h/a'))!.value.toString(), 'a2');
    await t.throwsAsync(store.list('/h/', { revision: (await store.currentRevision()) + 10 }), { code: 'REVISION_FUTURE' as never });
  });

  withStore('watch from now delivers later events in order with previous values', async (t, store) => {
    const created = await store.create('/w/a', v('1'));
    const watch = store.watch('/w/');
    await store.update('/w/a', v('2'), created.modRevision);
    await store.create('/other', v('x'));
    await store.delete('/w/a', 0);
    const events = await take(watch, 2);
    watch.close();
    t.deepEqual(events.map((e) => [e.type, e.key, e.value.toString(), e.prevValue?.toString()]), [
      ['update', '/w/a', '2', '1'],
      ['delete', '/w/a', '2', '2'],
    ]);
    t.true(events[0]!.modRevision < events[1]!.modRevision);
  });

  withStore('many watchers from different revisions each see every later event once, in order', async (t, store) => {
    const revisions: number[] = [];
    for (let i = 0; i < 300; i++) revisions.push((await store.create(`/m/${i}`, v(String(i)))).modRevision);
    const starts = [0, revisions[0]! - 1, revisions[10]!, revisions[150]!, revisions[299]!];
    const watches = Array.from({ length: 40 }, (_, i) => {
      const after = starts[i % starts.length]!;
      return { after: after === 0 ? revisions[299]! : after, watch: store.watch('/m/', { afterRevision: after }) };
    });
    const live = Promise.all(Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 100; i++) await store.create(`/m/live/${w}/${i}`, v('x'));
    }));
    await live;
    const head = await store.currentRevision();
    for (const { after, watch } of watches) {
      const events = await take(watch, head - after);
      watch.close();
      t.deepEqual(events.map((e) => e.modRevision), Array.from({ length: head - after }, (_, i) => after + 1 + i));
    }
  });

  withStore(
    'a watcher that does not consume is cut off and writers never wait for it',
    async (t, store) => {
      const slow = store.watch('/s/');
      const fast = store.watch('/s/');
      const seen: number[] = [];
      const consumer = (async () => {
        for await (const event of fast) {
          seen.push(event.modRevision);
          if (seen.length === 200) break;
        }
      })();
      for (let i = 0; i < 200; i++) await store.create(`/s/${i}`, v('x'));
      await consumer;
      t.is(seen.length, 200);
      const error = await t.throwsAsync(drain(slow), { code: 'WATCH_TOO_SLOW' as never });
      t.regex(error!.message, /more than 50 undelivered events/);
    },
    { maxQueuedEvents: 50 },
  );

  withStore('compaction keeps current state and refuses older revisions with REVISION_COMPACTED', async (t, store) => {
    let kv = await store.create('/c/a', v('0'));
    const early = kv.modRevision;
    for (let i = 1; i <= 20; i++) kv = await store.update('/c/a', v(String(i)), kv.modRevision);
    await store.create('/c/b', v('b'));
    await store.delete('/c/b', 0);
    const keep = await store.create('/c/keep', v('k'));
    const target = kv.modRevision;
    await store.compact(target);
    t.is(await store.compactRevision(), target);
    t.is((await store.get('/c/a'))!.value.toString(), '20');
    t.deepEqual((await store.list('/c/')).items.map((i) => i.key), ['/c/a', '/c/keep']);
    t.is((await store.list('/c/', { revision: target })).items.length, 1);
    await t.throwsAsync(store.list('/c/', { revision: early }), { code: 'REVISION_COMPACTED' as never });
    await t.throwsAsync(store.get('/c/a', { revision: early }), { code: 'REVISION_COMPACTED' as never });
    t.throws(() => store.watch('/c/', { afterRevision: early }), { code: 'REVISION_COMPACTED' as never });
    const watch = store.watch('/c/', { afterRevision: target });
    const events = await take(watch, 3);
    watch.close();
    t.deepEqual(events.map((e) => e.type), ['create', 'delete', 'create']);
    t.is(events[2]!.modRevision, keep.modRevision);
    await t.throwsAsync(store.compact((await store.currentRevision()) + 1), { code: 'REVISION_FUTURE' as never });
  });

  withStore('bad keys and arguments are refused with KEY_INVALID naming the field', async (t, store) => {
    await t.throwsAsync(async () => store.create('', v('x')), { code: 'KEY_INVALID' as never, message: /key must be a non-empty string/ });
    await t.throwsAsync(async () => store.create('/has space', v('x')), { code: 'KEY_INVALID' as never, message: /printable ASCII/ });
    await t.throwsAsync(async () => store.create('/a', 'text' as never), { code: 'KEY_INVALID' as never, message: /value must be a Buffer/ });
    await t.throwsAsync(async () => store.update('/a', v('x'), -1), { code: 'KEY_INVALID' as never, message: /expectedModRevision/ });
    await t.throwsAsync(store.list('/a', { limit: 1.5 }), { code: 'KEY_INVALID' as never, message: /limit/ });
  });

  withStore('after close every call fails with STORE_CLOSED and open watches end with it', async (t, store) => {
    await store.create('/x', v('1'));
    const watch = store.watch('/');
    await store.close();
    await t.throwsAsync(store.get('/x'), { code: 'STORE_CLOSED' as never });
    await t.throwsAsync(async () => store.create('/y', v('1')), { code: 'STORE_CLOSED' as never });
    await t.throwsAsync(drain(watch), { code: 'STORE_CLOSED' as never });
  });
}

async function take(watch: Watch, count: number): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  if (count <= 0) return events;
  for await (const event of watch) {
    events.push(event);
    if (events.length === count) break;
  }
  return events;
}

async function drain(watch: Watch): Promise<void> {
  for await (const _ of watch);
}
