import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { runContainer } from '../native/index.ts';
import { makeBundle, readCriLog, streamText } from './helpers/bundle.ts';

const isRoot = process.getuid?.() === 0;

// Pods share one network namespace: the first container makes it, the others join it by path.
(isRoot ? test : test.skip)('a container joins another one\'s network namespace by path (needs root)', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-rtnet-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const holder = makeBundle('netns-holder', ['sleep', '30']);
  t.teardown(holder.remove);
  const first = await runContainer({ id: `netns-a-${process.pid}`, bundle: holder.dir, root, logPath: holder.logPath });
  t.teardown(() => first.delete({ force: true }));
  const nsPath = `/proc/${first.record.pid}/ns/net`;
  const joiner = makeBundle('netns-joiner', ['sh', '-c', 'readlink /proc/self/ns/net; ip link 2>/dev/null | grep -c "^[0-9]"'], (config) => {
    config.linux.namespaces = config.linux.namespaces.map((ns: { type: string }) => (ns.type === 'network' ? { type: 'network', path: nsPath } : ns));
  });
  t.teardown(joiner.remove);
  const second = await runContainer({ id: `netns-b-${process.pid}`, bundle: joiner.dir, root, logPath: joiner.logPath });
  const exit = await second.wait();
  await second.delete();
  t.is(exit.exitCode, 0);
  const [seen] = streamText(readCriLog(joiner.logPath), 'stdout').trim().split('\n');
  t.is(seen, fs.readlinkSync(nsPath));
  t.not(seen, fs.readlinkSync('/proc/self/ns/net'), 'not the host\'s namespace');
});

(isRoot ? test : test.skip)('joining a namespace path that is not a namespace fails naming the path (needs root)', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-rtnet-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const bogus = path.join(root, 'not-a-namespace');
  fs.writeFileSync(bogus, '');
  const bundle = makeBundle('netns-bogus', ['true'], (config) => {
    config.linux.namespaces = config.linux.namespaces.map((ns: { type: string }) => (ns.type === 'network' ? { type: 'network', path: bogus } : ns));
  });
  t.teardown(bundle.remove);
  const error = await t.throwsAsync(runContainer({ id: `netns-bad-${process.pid}`, bundle: bundle.dir, root, logPath: bundle.logPath }));
  t.true(error!.message.includes(bogus), error!.message);
  t.deepEqual(fs.readdirSync(root).filter((f) => f !== 'not-a-namespace'), [], 'no state left behind');
});
