// The images verbs end to end, through the real binary: build an image from Debian's
// busybox-static, push its OCI layout to a real docker-registry with skopeo, pull it with
// `skerry images pull`, run a container on the overlay rootfs the store prepares, remove it.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openImageStore } from '../edge-agent/index.ts';
import { runContainer } from '../native/index.ts';
import { defaultConfig, readCriLog } from './helpers/bundle.ts';
import { freePort, pushLayout, registryFor, tempDir } from './helpers/registry.ts';
import { runSkerry } from './helpers/skerry.ts';

const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test.serial : test.skip;
const NEEDS_ROOT = isRoot ? ' (needs root: overlay mounts, namespaces)' : ' (skipped: needs root for overlay mounts and namespaces)';

function busyboxContext(t: { teardown(fn: () => void): void }): string {
  const dir = execFileSync('bash', [path.resolve('scripts/images/busybox-rootfs.sh')], { encoding: 'utf8' }).trim();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

rootTest(`build, push with skopeo, pull with skerry, run on the overlay rootfs, remove${NEEDS_ROOT}`, async (t) => {
  const work = tempDir(t, 'skerry-images-cli-');
  const builder = path.join(work, 'builder');
  const node = path.join(work, 'node');
  const layout = path.join(work, 'layout');
  const built = await runSkerry(['images', 'build', '--data-dir', builder, '-t', 'localhost/busybox:1', '--output', layout, busyboxContext(t)]);
  t.is(built.code, 0, built.stderr);
  const registry = await registryFor(t, path.join(work, 'registry'));
  await pushLayout(layout, '1', registry.host, 'busybox');

  const pulled = await runSkerry(['images', 'pull', '--data-dir', node, '--insecure', `${registry.host}/busybox:1`]);
  t.is(pulled.code, 0, pulled.stderr);
  t.regex(pulled.stdout, new RegExp(`^${registry.host}/busybox:1: linux/\\S+ sha256:[0-9a-f]{64}, 1 layers`));
  const listed = await runSkerry(['images', 'ls', '--data-dir', node, '-o', 'json']);
  const [image] = JSON.parse(listed.stdout) as { names: string[]; manifestDigest: string }[];
  t.deepEqual(image?.names, [`${registry.host}/busybox:1`]);
  const again = await runSkerry(['images', 'pull', '--data-dir', node, '--insecure', `${registry.host}/busybox:1`]);
  // Only the tag's manifest is asked again (a tag may move); no blob is fetched twice.
  t.regex(again.stdout, /, \d{1,4}B fetched/, 'a second pull fetches no blob again');

  const store = openImageStore(node);
  const { path: rootfs } = await store.prepareRootfs('images-cli-c1', `${registry.host}/busybox:1`);
  t.teardown(() => store.releaseRootfs('images-cli-c1'));
  const bundle = path.join(work, 'bundle');
  fs.mkdirSync(bundle);
  const config = defaultConfig(['/bin/sh', '-c', 'echo written > /etc/note; cat /etc/note; id -u']);
  config.root = { path: rootfs, readonly: false };
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
  const logPath = path.join(work, 'c1.log');
  const container = await runContainer({ id: `images-cli-${process.pid}`, bundle, root: path.join(work, 'runtime'), logPath });
  t.is((await container.wait()).exitCode, 0);
  await container.delete();
  t.deepEqual(readCriLog(logPath).map((l) => l.text), ['written', '0']);
  t.true(fs.existsSync(path.join(path.dirname(rootfs), 'upper', 'etc', 'note')), 'the write went to the container\'s upper dir');

  const refused = await runSkerry(['images', 'rm', '--data-dir', node, `${registry.host}/busybox:1`]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /used by container images-cli-c1/);
  await store.releaseRootfs('images-cli-c1');
  const removed = await runSkerry(['images', 'rm', '--data-dir', node, `${registry.host}/busybox:1`]);
  t.is(removed.code, 0, removed.stderr);
  t.deepEqual(store.content.list(), []);

  const imported = await runSkerry(['images', 'import', '--data-dir', node, layout]);
  t.is(imported.code, 0, imported.stderr);
  t.regex(imported.stdout, /localhost\/busybox:1: sha256:/);
});

test('images verbs fail with one clear line: unknown image, unreachable registry, missing file, bad usage', async (t) => {
  const work = tempDir(t, 'skerry-images-cli-');
  const closed = await freePort();
  const cases: [string[], number, RegExp][] = [
    [['images', 'rm', '--data-dir', work, 'nosuch:1'], 1, /docker\.io\/library\/nosuch:1|nosuch:1 is not on this node/],
    [['images', 'pull', '--data-dir', work, '--insecure', `127.0.0.1:${closed}/app:1`], 1, new RegExp(`127\\.0\\.0\\.1:${closed}`)],
    [['images', 'import', '--data-dir', work, path.join(work, 'nosuch.tar')], 1, /nosuch\.tar/],
    [['images', 'build', '--data-dir', work, work], 2, /-t NAME is required/],
    [['images', 'pull', '--data-dir', work, 'Bad:Ref'], 1, /Image reference is not valid/],
    [['images', 'frobnicate'], 2, /unknown images verb "frobnicate"/],
  ];
  for (const [args, code, message] of cases) {
    const result = await runSkerry(args);
    t.is(result.code, code, `${args.join(' ')}: ${result.stderr}`);
    t.regex(result.stderr.split('\n').filter((l) => l && !l.startsWith('{')).join('\n'), message, args.join(' '));
  }
});
