// The tunnel in one process: the server's endpoint and the node's client over real TLS and
// gRPC on loopback, a CRI log file as the container, and a TCP proxy to cut the link.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { StreamMessage, StreamRequest } from '../../common/sync/index.ts';
import type { TunnelFrame } from '../../common/tunnel/index.ts';
import { startTunnelClient } from '../../edge-agent/tunnel/index.ts';
import { startTcpProxy } from '../../test/helpers/tcp-proxy.ts';
import { ApiError, type NodeStream } from '../api/index.ts';
import { ensureServingMaterial } from '../tls/index.ts';
import { startTunnel, type Tunnel } from './index.ts';

const NODE = 'edge-1';
const PASSWORD = 'secret-credential-of-edge-1';
const logRequest: StreamRequest extends infer R ? Omit<Extract<R, { kind: 'logs' }>, 'id'> : never = {
  kind: 'logs', namespace: 'default', pod: 'p', container: 'c', logs: { follow: false, previous: false, timestamps: false },
};

async function setup(t: import('ava').ExecutionContext, options: { answerTimeoutMs?: number; online?: boolean; password?: string } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-tunnel-'));
  const tls = await ensureServingMaterial(path.join(dir, 'tls'), []);
  const logPath = path.join(dir, '0.log');
  fs.writeFileSync(logPath, ['one', 'two', 'three'].map((w, i) => `2024-01-01T00:00:0${i}.000000000Z stdout F ${w}\n`).join(''));
  let deliver: (request: StreamMessage) => void = () => undefined;
  const tunnel: Tunnel = await startTunnel({
    listen: { host: '127.0.0.1', port: 0 },
    tls,
    authenticateNode: async (c) => (c.username === NODE && c.secret === PASSWORD ? NODE : undefined),
    online: () => options.online ?? true,
    ask: (_node, request) => deliver({ t: 'stream', epoch: 'e', ...request } as StreamMessage),
    answerTimeoutMs: options.answerTimeoutMs ?? 10_000,
  });
  const proxy = await startTcpProxy(tunnel.address.port);
  const client = startTunnelClient({
    identity: { credential: { username: NODE, password: options.password ?? PASSWORD }, caPem: tls.caCert },
    url: `https://127.0.0.1:${proxy.port}`,
    locate: (ns, pod, container, previous) => (ns === 'default' && pod === 'p' && container === 'c' && !previous ? { logPath } : undefined),
  });
  deliver = (request) => client.handle(request);
  t.teardown(async () => {
    client.stop();
    await proxy.close();
    await tunnel.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { tunnel, proxy, client, logPath, silence: () => (deliver = () => undefined) };
}

async function body(stream: NodeStream): Promise<string> {
  let text = '';
  for await (const frame of stream.frames as AsyncIterable<TunnelFrame>) if (frame.type === 'stdout') text += frame.data.toString();
  return text;
}

test('a node dials in and the log comes through', async (t) => {
  const { tunnel } = await setup(t);
  t.is(await body(await tunnel.open(NODE, logRequest)), 'one\ntwo\nthree\n');
  t.is(await body(await tunnel.open(NODE, { ...logRequest, logs: { ...logRequest.logs, tailLines: 1 } })), 'three\n');
  t.is(tunnel.waiting(), 0);
});

test('the node’s Status for a missing previous container becomes the API error', async (t) => {
  const { tunnel } = await setup(t);
  const error = await t.throwsAsync(tunnel.open(NODE, { ...logRequest, logs: { ...logRequest.logs, previous: true } }), { instanceOf: ApiError });
  t.is(error?.code, 400);
  t.is(error?.message, 'previous terminated container "c" in pod "p" not found');
});

test('an offline node is a 503 at once', async (t) => {
  const { tunnel } = await setup(t, { online: false });
  const started = Date.now();
  const error = await t.throwsAsync(tunnel.open(NODE, logRequest), { instanceOf: ApiError });
  t.is(error?.code, 503);
  // At once: far below the 10 s answer timeout (and loose enough for a busy CI machine).
  t.true(Date.now() - started < 1000, `${Date.now() - started} ms`);
});

test('a node that does not answer is a 504 naming it', async (t) => {
  const s = await setup(t, { answerTimeoutMs: 300 });
  s.silence();
  const error = await t.throwsAsync(s.tunnel.open(NODE, logRequest), { instanceOf: ApiError });
  t.is(error?.code, 504);
  t.regex(error!.message, /node "edge-1" did not answer over the tunnel/);
  t.is(s.tunnel.waiting(), 0);
});

test('wrong node credentials never get the stream', async (t) => {
  const s = await setup(t, { answerTimeoutMs: 1_500, password: 'not-the-credential' });
  const error = await t.throwsAsync(s.tunnel.open(NODE, logRequest), { instanceOf: ApiError });
  t.is(error?.code, 504);
});

test('after the tunnel is cut, the next request dials again', async (t) => {
  const s = await setup(t);
  t.is(await body(await s.tunnel.open(NODE, logRequest)), 'one\ntwo\nthree\n');
  s.proxy.refuse();
  s.proxy.heal();
  t.is(await body(await s.tunnel.open(NODE, logRequest)), 'one\ntwo\nthree\n');
  s.proxy.refuse();
  setTimeout(() => s.proxy.heal(), 1_000);
  t.is(await body(await s.tunnel.open(NODE, logRequest)), 'one\ntwo\nthree\n', 'dialled again with back-off while refused');
});
