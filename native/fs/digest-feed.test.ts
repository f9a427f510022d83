import test from 'ava';
import crypto from 'node:crypto';
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { startDigestFeed } from './digest-feed.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

test('pieces of every size, empty ones among them, hash as Node hashes them in order (sha256, sha512)', (t) => {
  for (const algorithm of ['sha256', 'sha512'] as const) {
    const feed = startDigestFeed(algorithm);
    const node = crypto.createHash(algorithm);
    for (const size of [0, 1, 63, 64, 65, 0, 4096, 1 << 20, 3, (1 << 20) + 7, 0]) {
      const piece = crypto.randomBytes(size);
      node.update(piece);
      feed.push(piece);
    }
    t.is(feed.finish(), node.digest('hex'), algorithm);
  }
  t.is(startDigestFeed('sha256').finish(), crypto.createHash('sha256').digest('hex'));
});

test('push says how many bytes wait; waitBelow blocks until the thread has caught up', (t) => {
  const feed = startDigestFeed('sha256');
  const piece = Buffer.alloc(8 << 20, 7);
  let most = 0;
  for (let i = 0; i < 8; i++) most = Math.max(most, feed.push(piece));
  t.true(most >= 8 << 20 && most <= 64 << 20, `${most}`);
  feed.waitBelow(0);
  t.is(feed.push(Buffer.alloc(0)), 0);
  const node = crypto.createHash('sha256');
  for (let i = 0; i < 8; i++) node.update(piece);
  t.is(feed.finish(), node.digest('hex'));
});

test('pieces stay alive until hashed, though nothing else holds them', (t) => {
  const feed = startDigestFeed('sha256');
  const PIECE = 4 << 20;
  let mostWaiting = 0;
  // Pushed faster than the thread hashes them (filling 4 MiB is quicker than hashing it), so
  // many wait when the collector runs; each is only the feed's.
  for (let i = 0; i < 64; i++) {
    mostWaiting = Math.max(mostWaiting, feed.push(Buffer.alloc(PIECE, i)));
    if (i % 16 === 15) gc();
  }
  // Memory of pieces let go early would be handed out again here, and overwritten.
  const reuse = Array.from({ length: 32 }, () => Buffer.alloc(PIECE, 0xee));
  const got = feed.finish();
  const node = crypto.createHash('sha256');
  for (let i = 0; i < 64; i++) node.update(Buffer.alloc(PIECE, i));
  t.is(got, node.digest('hex'));
  t.true(mostWaiting >= 2 * PIECE, `at most ${mostWaiting} bytes waited`);
  t.is(reuse.length, 32);
});

test.serial('a feed dropped with pieces queued is collected: the finalizer ends its thread', async (t) => {
  const threads = () => fs.readdirSync('/proc/self/task').length;
  for (let i = 0; i < 50; i++) startDigestFeed('sha256').push(Buffer.alloc(1 << 20));
  const peak = threads();
  // Node runs N-API finalizers after the collection, from the event loop.
  for (let round = 0; round < 100 && threads() > peak - 50; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.true(threads() <= peak - 50, `${threads()} threads, ${peak} with the 50 feeds`);
});

test('a stopped or finished feed takes nothing more; stopping drops the queue at once; bad arguments are refused', (t) => {
  const stopped = startDigestFeed('sha256');
  const piece = Buffer.alloc(4 << 20);
  for (let i = 0; i < 256; i++) stopped.push(piece);
  const started = performance.now();
  stopped.stop();
  // The 1 GiB queued would take about a second to hash here; stop hashes at most the piece in hand.
  t.true(performance.now() - started < 300, `${performance.now() - started} ms`);
  t.throws(() => stopped.push(Buffer.from('x')), { message: /digestFeedPush: the digest feed has ended/ });
  t.throws(() => stopped.finish(), { message: /digestFeedFinish: the digest feed has ended/ });
  t.notThrows(() => stopped.stop());

  const finished = startDigestFeed('sha512');
  finished.finish();
  t.throws(() => finished.waitBelow(0), { message: /digestFeedWait: the digest feed has ended/ });

  t.throws(() => startDigestFeed('md5' as 'sha256'), { message: /digest algorithm "md5" is not sha256 or sha512/ });
  for (const bad of [-1, Number.NaN, Infinity]) t.throws(() => startDigestFeed('sha256').waitBelow(bad), { message: /digestFeedWait\(feed, bytes: a number ≥ 0\)/ });
});
