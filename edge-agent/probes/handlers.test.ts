// The network handlers against servers on this host's loopback (the dialer a hostNetwork
// pod gets; the pod-namespace dialer is the addon's, tested in native/net and end to end),
// through runProbe, so the results and event texts are the kubelet's.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import test from 'ava';
import type { KubeContainer, Probe, ProbeKind, ProbeTarget } from '../pods/index.ts';
import { testTls } from '../../test/helpers/registry.ts';
import { dialEndpoint } from './handlers/dial.ts';
import { runProbe } from './run-probe.ts';
import { freePort } from '../../test/helpers/ports.ts';

const deps = { dial: dialEndpoint, kubeVersion: '1.31' };

interface Probed {
  result: string | undefined;
  events: string[];
}

async function probe(p: Probe, container: Partial<KubeContainer> = {}, kind: ProbeKind = 'liveness'): Promise<Probed> {
  const events: string[] = [];
  const target = {
    pod: { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [] } },
    container: { name: 'c', ...container }, handle: {} as never, network: { podIP: '127.0.0.1' }, startedAtMs: 0,
    event: (type: string, reason: string, message: string) => events.push(`${type} ${reason}: ${message}`),
  } as unknown as ProbeTarget;
  return { result: await runProbe(kind, p, target, new AbortController().signal, deps), events };
}

async function listen(server: net.Server, t: { teardown(fn: () => void): void }): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => void server.close());
  return (server.address() as net.AddressInfo).port;
}


/** /status/<code> answers with that code; /to/<path> redirects there; /where/<port>/… to another host. */
function app(seen: http.IncomingHttpHeaders[] = []): http.RequestListener {
  return (req, res) => {
    seen.push(req.headers);
    const url = req.url ?? '/';
    const status = /^\/status\/(\d+)/.exec(url);
    if (status) return void res.writeHead(Number(status[1])).end(`body of ${status[1]}`);
    if (url.startsWith('/to/')) return void res.writeHead(302, { location: url.slice(3) }).end();
    if (url === '/elsewhere') return void res.writeHead(301, { location: 'http://localhost:1/x' }).end('moved away');
    if (url === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
    if (url === '/slow') return;
    res.writeHead(200).end('fine');
  };
}

test('httpGet: 200-399 succeed, others fail with the status code; a 3xx not followed is a warning', async (t) => {
  const port = await listen(http.createServer(app()), t);
  t.deepEqual(await probe({ httpGet: { path: '/status/200', port } }), { result: 'success', events: [] });
  t.deepEqual(await probe({ httpGet: { path: '/status/404', port } }), { result: 'failure', events: ['Warning Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 404'] });
  t.deepEqual(await probe({ httpGet: { path: '/status/500', port } }, {}, 'readiness'), { result: 'failure', events: ['Warning Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 500'] });
  t.deepEqual(await probe({ httpGet: { path: '/elsewhere', port } }), { result: 'success', events: ['Warning ProbeWarning: Liveness probe warning: Probe terminated redirects, Response body: moved away'] });
});

test('httpGet sends the kubelet\'s headers and the user\'s, Host from them, and follows redirects within the host', async (t) => {
  const seen: http.IncomingHttpHeaders[] = [];
  const port = await listen(http.createServer(app(seen)), t);
  const headers = [{ name: 'x-custom', value: 'a' }, { name: 'Host', value: 'example.test' }];
  t.is((await probe({ httpGet: { path: '/to/status/204', port, httpHeaders: headers } })).result, 'success');
  t.is(seen.length, 2, 'the redirect was followed');
  t.like(seen[0], { 'user-agent': 'kube-probe/1.31', accept: '*/*', 'x-custom': 'a', host: 'example.test', connection: 'close' });
  const ua = await probe({ httpGet: { path: '/', port, httpHeaders: [{ name: 'User-Agent', value: 'mine' }, { name: 'Accept', value: '' }] } });
  t.is(ua.result, 'success');
  t.is(seen.at(-1)!['user-agent'], 'mine');
  t.is(seen.at(-1)!.accept, undefined, 'an empty Accept removes it');
  t.is(seen.at(-1)!.host, `127.0.0.1:${port}`);
  const loop = await probe({ httpGet: { path: '/loop', port } });
  t.deepEqual(loop.events, [`Warning Unhealthy: Liveness probe failed: Get "http://127.0.0.1:${port}/loop": stopped after 10 redirects`]);
});

test('httpGet failures read as Go\'s client: refused connections and timeouts', async (t) => {
  const closed = await freePort();
  const refused = await probe({ httpGet: { path: '/healthz', port: closed } });
  t.deepEqual(refused, { result: 'failure', events: [`Warning Unhealthy: Liveness probe failed: Get "http://127.0.0.1:${closed}/healthz": dial tcp 127.0.0.1:${closed}: connect: connection refused`] });
  const port = await listen(http.createServer(app()), t);
  const started = Date.now();
  const slow = await probe({ httpGet: { path: '/slow', port }, timeoutSeconds: 1 });
  t.true(Date.now() - started < 3_000);
  t.deepEqual(slow.events, [`Warning Unhealthy: Liveness probe failed: Get "http://127.0.0.1:${port}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`]);
});

test('ports by name; an unknown name is a probe error, thrown away with the kubelet\'s event', async (t) => {
  const port = await listen(http.createServer(app()), t);
  t.is((await probe({ httpGet: { path: '/', port: 'web' } }, { ports: [{ name: 'web', containerPort: port }] })).result, 'success');
  t.is((await probe({ tcpSocket: { port: String(port) } })).result, 'success', 'a number written as text');
  const unknown = await probe({ httpGet: { path: '/', port: 'nope' } });
  t.deepEqual(unknown, { result: undefined, events: ['Warning Unhealthy: Liveness probe errored and resulted in unknown state: strconv.Atoi: parsing "nope": invalid syntax'] });
});

test('httpGet over HTTPS does not check the certificate', async (t) => {
  const material = await testTls();
  const port = await listen(https.createServer({ cert: material.certPem, key: material.keyPem }, app()), t);
  t.deepEqual(await probe({ httpGet: { path: '/status/200', port, scheme: 'HTTPS' } }), { result: 'success', events: [] });
});

test('tcpSocket: an open port succeeds, a closed one fails with the dial error', async (t) => {
  const port = await listen(net.createServer((s) => s.end()), t);
  t.deepEqual(await probe({ tcpSocket: { port } }), { result: 'success', events: [] });
  const closed = await freePort();
  t.deepEqual(await probe({ tcpSocket: { port: closed } }), { result: 'failure', events: [`Warning Unhealthy: Liveness probe failed: dial tcp 127.0.0.1:${closed}: connect: connection refused`] });
});

/** A grpc-js server whose Health/Check answers from `statuses` by service name. */
async function healthServer(t: { teardown(fn: () => void): void }, statuses?: Record<string, number>): Promise<number> {
  const server = new grpc.Server();
  const raw = { requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b };
  if (statuses) {
    server.addService({ Check: { path: '/grpc.health.v1.Health/Check', requestStream: false, responseStream: false, ...raw } }, {
      Check: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
        const service = call.request.length > 2 ? call.request.subarray(2).toString() : '';
        const status = statuses[service];
        if (status === undefined) return done({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        done(null, Buffer.from([0x08, status]));
      },
    });
  }
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  t.teardown(() => server.forceShutdown());
  return port;
}

test('grpc: grpc.health.v1 Check as the kubelet reads it', async (t) => {
  const port = await healthServer(t, { '': 1, sick: 2 });
  t.deepEqual(await probe({ grpc: { port } }), { result: 'success', events: [] });
  t.deepEqual((await probe({ grpc: { port, service: 'sick' } })).events, ['Warning Unhealthy: Liveness probe failed: service unhealthy (responded with "NOT_SERVING")']);
  t.deepEqual((await probe({ grpc: { port, service: 'other' } })).events, ['Warning Unhealthy: Liveness probe failed: error: health rpc probe failed: rpc error: code = NotFound desc = unknown service']);
  const bare = await healthServer(t);
  t.deepEqual((await probe({ grpc: { port: bare } })).events, [`Warning Unhealthy: Liveness probe failed: this server doesn't implement the grpc health protocol (grpc.health.v1.Health): 127.0.0.1:${bare}`]);
  const closed = await freePort();
  t.deepEqual((await probe({ grpc: { port: closed }, timeoutSeconds: 1 })).events, [`Warning Unhealthy: Liveness probe failed: timeout: failed to connect service "127.0.0.1:${closed}" within 1s: context deadline exceeded`]);
});
