// Resumable blob downloads: a TCP proxy between client and docker-registry drops the
// connection after set byte counts, several times in one multi-MB layer, and the pull still
// completes with the right digest having moved about the image's size once; a pull aborted
// mid-blob is finished by a new pull (a fresh store on the same dir, as after an agent
// restart) that asks for the rest with Range; a registry that ignores Range makes the client
// start over; and two processes pulling at once fetch each layer once.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pullImage } from '../edge-agent/images/registry/index.ts';
import { digestOf, openContentStore } from '../storage/content/index.ts';
import { buildOciLayout, randomSource, type BuiltLayout } from './helpers/oci-layout.ts';
import { pushLayout, registryFor, startFakeRegistry, startProxy, tempDir, type Registry } from './helpers/registry.ts';

const RETRY = { attempts: 4, baseDelayMs: 20, maxDelayMs: 100 };
const LAYER_BYTES = 8 << 20;
const REPO = fileURLToPath(new URL('..', import.meta.url));

async function bigImage(t: ExecutionContext): Promise<{ dir: string; layout: BuiltLayout; registry: Registry; layer: { digest: string; size: number } }> {
  const dir = tempDir(t);
  const source = randomSource(path.join(dir, 'random'), LAYER_BYTES);
  const layout = await buildOciLayout(path.join(dir, 'layout'), 'v1', [{
    layers: [{ entries: [{ path: 'data/random', type: 'file', source }] }, { entries: [{ path: 'small', type: 'file', content: 'small' }], gzip: true }],
  }]);
  const registry = await registryFor(t, path.join(dir, 'registry'));
  await pushLayout(layout.dir, 'v1', registry.host, 'big/app');
  return { dir, layout, registry, layer: layout.images[0]!.layers[0]! };
}

const ranges = (requests: readonly string[]) => requests.flatMap((r) => /^range: (bytes=\d+-)$/im.exec(r)?.[1] ?? []);

test('a layer download cut at 30, 60 and 90 % resumes each time with Range; total bytes ≤ 1.05 × the image', async (t) => {
  const { dir, layout, registry, layer } = await bigImage(t);
  const cutAt = [0.3, 0.6, 0.9].map((f) => Math.round(f * layer.size));
  const proxy = await startProxy({ host: '127.0.0.1', port: registry.port }, cutAt);
  t.teardown(() => proxy.close());
  const store = openContentStore(path.join(dir, 'content'));
  const pulled = await pullImage(`${proxy.host}/big/app:v1`, { store, insecure: true, retry: RETRY, concurrency: 1 });
  t.is(proxy.cuts, 3);
  t.true(store.has(layer.digest));
  t.is(digestOf(fs.readFileSync(store.blobPath(layer.digest))), layer.digest);
  t.true(store.has(pulled.manifestDigest));
  t.true(ranges(proxy.requests).length >= 3, proxy.requests.join('\n---\n'));
  const ratio = proxy.downstream / layout.totalSize;
  t.log(`image ${layout.totalSize} bytes; ${proxy.downstream} through the proxy (${ratio.toFixed(4)}×), ${pulled.bytesFetched} received, ranges ${ranges(proxy.requests).join(', ')}`);
  t.true(ratio <= 1.05, `ratio ${ratio}`);
  t.deepEqual(fs.readdirSync(path.join(store.root, 'ingest')), []);
});

test('a pull aborted mid-blob is finished after a "restart" by a fresh store on the same dir, with Range', async (t) => {
  const { dir, layout, registry, layer } = await bigImage(t);
  const root = path.join(dir, 'content');
  const controller = new AbortController();
  // One layer at a time: with more, the small layer may be mid-download at the abort too and
  // leave its own partial (which is right, but makes the Range asked for below depend on timing).
  const first = pullImage(`${registry.host}/big/app:v1`, {
    store: openContentStore(root), insecure: true, retry: RETRY, signal: controller.signal, concurrency: 1,
    onProgress: (p) => p.digest === layer.digest && p.received > layer.size * 0.4 && controller.abort(),
  });
  // The signal's reason, as fetch() rejects: a DOMException named AbortError.
  const error = await t.throwsAsync(first, { any: true });
  t.is((error as Error).name, 'AbortError');
  const partial = fs.readdirSync(path.join(root, 'ingest')).filter((n) => n.endsWith('.partial'));
  t.deepEqual(partial, [`sha256-${layer.digest.slice(7)}.partial`]);
  const kept = fs.statSync(path.join(root, 'ingest', partial[0]!)).size;
  t.true(kept > layer.size * 0.4 && kept < layer.size, `${kept}`);

  const proxy = await startProxy({ host: '127.0.0.1', port: registry.port });
  t.teardown(() => proxy.close());
  const store = openContentStore(root);
  const pulled = await pullImage(`${proxy.host}/big/app:v1`, { store, insecure: true, retry: RETRY });
  t.deepEqual(ranges(proxy.requests), [`bytes=${kept}-`]);
  t.true(store.has(layer.digest));
  t.is(digestOf(fs.readFileSync(store.blobPath(layer.digest))), layer.digest);
  t.true(pulled.bytesFetched < layout.totalSize - kept + 64 * 1024);
  t.true(proxy.downstream <= (layout.totalSize - kept) * 1.05 + 16 * 1024, `${proxy.downstream}`);
});

test('a registry that answers 200 to a Range request makes the client start over from 0; a bad partial is downloaded again', async (t) => {
  const dir = tempDir(t);
  const source = randomSource(path.join(dir, 'random'), 1 << 20);
  const layout = await buildOciLayout(path.join(dir, 'layout'), 'v1', [{ layers: [{ entries: [{ path: 'r', type: 'file', source }] }] }]);
  const layer = layout.images[0]!.layers[0]!;
  const bytes = fs.readFileSync(path.join(layout.dir, 'blobs/sha256', layer.digest.slice(7)));
  const root = path.join(dir, 'content');
  const leavePartial = async (data: Buffer) => {
    const ingest = (await openContentStore(root).ingest(layer.digest))!;
    await ingest.write(data);
    await ingest.close();
  };

  await leavePartial(bytes.subarray(0, 300_000));
  const noRanges = await startFakeRegistry(layout.dir, 'v1', { ranges: false });
  t.teardown(() => noRanges.close());
  const store = openContentStore(root);
  await pullImage(`${noRanges.host}/app:v1`, { store, insecure: true, retry: RETRY });
  const layerGets = noRanges.requests.filter((r) => r.path.endsWith(layer.digest));
  t.deepEqual(layerGets.map((r) => r.range), ['bytes=300000-', undefined]);
  t.is(digestOf(fs.readFileSync(store.blobPath(layer.digest))), layer.digest);

  // A partial whose bytes are wrong (say, power was lost before they were synced).
  store.delete(layer.digest);
  await leavePartial(Buffer.alloc(500_000));
  const honest = await startFakeRegistry(layout.dir, 'v1');
  t.teardown(() => honest.close());
  await pullImage(`${honest.host}/app:v1`, { store, insecure: true, retry: RETRY });
  t.deepEqual(honest.requests.filter((r) => r.path.endsWith(layer.digest)).map((r) => r.range), ['bytes=500000-', undefined]);
  t.is(digestOf(fs.readFileSync(store.blobPath(layer.digest))), layer.digest);
});

test('two processes pulling the same image at once fetch each layer once', async (t) => {
  const { dir, layout, registry } = await bigImage(t);
  const proxy = await startProxy({ host: '127.0.0.1', port: registry.port });
  t.teardown(() => proxy.close());
  const root = path.join(dir, 'content');
  const script = path.join(dir, 'pull.mts');
  fs.writeFileSync(script, `
    import { pullImage } from ${JSON.stringify(path.join(REPO, 'edge-agent/images/registry/index.ts'))};
    import { openContentStore } from ${JSON.stringify(path.join(REPO, 'storage/content/index.ts'))};
    const pulled = await pullImage(process.argv[2], { store: openContentStore(process.argv[3]), insecure: true });
    process.stdout.write(JSON.stringify(pulled));
  `);
  const child = () => new Promise<string>((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', script, `${proxy.host}/big/app:v1`, root], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SKERRY_LOG_LEVEL: 'warn' } });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d));
    proc.stderr.on('data', (d: Buffer) => (err += d));
    proc.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${err}`))));
  });
  const [a, b] = (await Promise.all([child(), child()])).map((s) => JSON.parse(s) as { manifestDigest: string; bytesFetched: number });
  t.is(a!.manifestDigest, b!.manifestDigest);
  for (const layer of layout.images[0]!.layers) {
    t.is(proxy.requests.filter((r) => r.startsWith(`GET /v2/big/app/blobs/${layer.digest} `)).length, 1, layer.digest);
  }
  t.true(proxy.downstream < layout.totalSize * 1.05 + 16 * 1024, `${proxy.downstream}`);
});
