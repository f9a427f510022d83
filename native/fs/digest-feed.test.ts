import test from 'ava';
import crypto from 'node:crypto';
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
  const node = crypto.createHash('sha256');
  for (let i = 0; i < 64; i++) {
    // Each piece is only the feed's: a piece let go early would be collected and its
    // memory reused by the next ones, and the digest would differ.
    const piece = crypto.randomBytes(1 << 20);
    node.update(piece);
    feed.push(piece);
    if (i % 8 === 0) gc();
  }
  gc();
  t.is(feed.finish(), node.digest('hex'));
});

test('a stopped or finished feed takes nothing more; stopping drops the queue at once; an abandoned feed is collected', (t) => {
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

  // Feeds dropped with pieces queued: the finalizer ends each thread before letting the pieces go.
  for (let i = 0; i < 50; i++) startDigestFeed('sha256').push(Buffer.alloc(1 << 20));
  gc();
  t.throws(() => startDigestFeed('md5' as 'sha256'), { message: /digest algorithm "md5" is not sha256 or sha512/ });
  for (const bad of [-1, Number.NaN, Infinity]) t.throws(() => startDigestFeed('sha256').waitBelow(bad), { message: /digestFeedWait\(feed, bytes: a number ≥ 0\)/ });
});
