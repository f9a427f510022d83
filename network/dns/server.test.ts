// The server on 127.0.0.1 (random ports), against a fake upstream the test runs.
import dgram from 'node:dgram';
import net from 'node:net';
import test from 'ava';
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet, RecordType } from 'dns-packet';
import { componentLogger } from '../../common/index.ts';
import type { Endpoints, Service } from '../services/index.ts';
import { startNodeDns, type NodeDns } from './server.ts';
import { buildZone, type ClusterZone } from './zone.ts';

const logger = componentLogger('test').child({}, { level: 'silent' });
type Reply = DecodedPacket & { rcode: string };
const dataOf = (answer: Answer) => (answer as { data?: unknown }).data;

function headless(name: string, count: number): { service: Service; endpoints: Endpoints } {
  const addresses = Array.from({ length: count }, (_, i) => ({ ip: `10.42.${i >> 8}.${i & 255}` }));
  return {
    service: { metadata: { namespace: 'default', name }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] } },
    endpoints: { metadata: { namespace: 'default', name }, subsets: [{ addresses, ports: [{ name: 'http', port: 8080 }] }] },
  };
}

function zoneWith(extra: Service[] = []): ClusterZone {
  const sized = [headless('pods', 3), headless('some', 40), headless('many', 100)];
  return buildZone({
    services: [{ metadata: { namespace: 'default', name: 'web' }, spec: { clusterIP: '10.43.0.10', ports: [{ name: 'http', port: 80 }] } }, ...sized.map((s) => s.service), ...extra],
    endpoints: sized.map((s) => s.endpoints),
  });
}

function encodeQuery(name: string, type: RecordType, options: { id?: number; edns?: number; opcode?: number } = {}): Buffer {
  const packet: Packet = { type: 'query', id: options.id ?? 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] };
  if (options.edns) packet.additionals = [{ type: 'OPT', name: '.', udpPayloadSize: options.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }];
  const buffer = dnsPacket.encode(packet);
  if (options.opcode) buffer.writeUInt16BE(buffer.readUInt16BE(2) | (options.opcode << 11), 2);
  return buffer;
}

function udpExchange(port: number, message: Buffer, timeoutMs = 3000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => (socket.close(), resolve(undefined)), timeoutMs);
    socket.on('message', (reply) => (clearTimeout(timer), socket.close(), resolve(reply)));
    socket.send(message, port, '127.0.0.1');
  });
}

function tcpExchange(port: number, message: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
        socket.destroy();
        resolve(data.subarray(2, 2 + data.readUInt16BE(0)));
      }
    });
    const length = Buffer.alloc(2);
    length.writeUInt16BE(message.length);
    socket.write(Buffer.concat([length, message]));
  });
}

async function ask(server: NodeDns, name: string, type: RecordType = 'A', transport: 'udp' | 'tcp' = 'udp', options: { edns?: number } = {}): Promise<Reply> {
  const port = server.addresses[0]!.port;
  const message = encodeQuery(name, type, options);
  const reply = transport === 'udp' ? await udpExchange(port, message) : await tcpExchange(port, message);
  if (!reply) throw new Error(`no reply for ${name}`);
  return dnsPacket.decode(reply) as Reply;
}

interface FakeUpstream {
  address: string;
  seen: Array<{ transport: string; id: number; name: string }>;
  close(): Promise<void>;
}

/** Answers every A query with 192.0.2.53 over UDP and TCP; `silent` never answers. */
async function fakeUpstream(silent = false): Promise<FakeUpstream> {
  const seen: FakeUpstream['seen'] = [];
  const answer = (message: Buffer, transport: string): Buffer => {
    const query = dnsPacket.decode(message);
    seen.push({ transport, id: query.id!, name: query.questions![0]!.name });
    return dnsPacket.encode({ type: 'response', id: query.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: query.questions, answers: [{ type: 'A', name: query.questions![0]!.name, ttl: 60, data: '192.0.2.53' }] });
  };
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()));
  const port = udp.address().port;
  udp.on('message', (message, from) => !silent && udp.send(answer(message, 'udp'), from.port, from.address));
  const tcp = net.createServer((socket) => {
    socket.on('data', (data) => {
      if (silent) return;
      const reply = answer(data.subarray(2), 'tcp');
      const length = Buffer.alloc(2);
      length.writeUInt16BE(reply.length);
      socket.end(Buffer.concat([length, reply]));
    });
  });
  await new Promise<void>((resolve, reject) => tcp.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  return {
    address: `127.0.0.1:${port}`,
    seen,
    close: async () => {
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

test('a service name is answered from the zone, over UDP and TCP, authoritative', async (t) => {
  const server = await startNodeDns({ listen: [{ address: '127.0.0.1', port: 0 }], upstreams: [], zone: () => zoneWith(), logger });
  t.teardown(() => server.close());
  for (const transport of ['udp', 'tcp'] as const) {
    const reply = await ask(server, 'web.default.svc.cluster.local', 'A', transport);
    t.is(reply.rcode, 'NOERROR');
    t.is(reply.id, 4242);
    t.true(reply.flag_aa && reply.flag_ra && reply.flag_rd);
    t.deepEqual(reply.answers!.map(dataOf), ['10.43.0.10']);
  }
});

test('headless: every ready endpoint; unknown names: NXDOMAIN with the SOA; AAAA: empty NOERROR', async (t) => {
  const server = await startNodeDns({ listen: [{ address: '127.0.0.1', port: 0 }], upstreams: [], zone: () => zoneWith(), logger });
  t.teardown(() => server.close());
  t.deepEqual((await ask(server, 'pods.default.svc.cluster.local')).answers!.map(dataOf), ['10.42.0.0', '10.42.0.1', '10.42.0.2']);
  const missing = await ask(server, 'nope.default.svc.cluster.local');
  t.is(missing.rcode, 'NXDOMAIN');
  t.is(missing.authorities![0]!.type, 'SOA');
  const aaaa = await ask(server, 'web.default.svc.cluster.local', 'AAAA');
  t.is(aaaa.rcode, 'NOERROR');
  t.deepEqual(aaaa.answers, []);
});

test('an answer too big for UDP comes truncated, then whole over TCP', async (t) => {
  const server = await startNodeDns({ listen: [{ address: '127.0.0.1', port: 0 }], upstreams: [], zone: () => zoneWith(), logger });
  t.teardown(() => server.close());
  const udp = await ask(server, 'some.default.svc.cluster.local');
  t.true(udp.flag_tc);
  t.deepEqual(udp.answers, []);
  // 40 A records (names are not compressed: about 1.9 kB) fit the 4096 bytes an EDNS client offers; 100 do not.
  t.is((await ask(server, 'some.default.svc.cluster.local', 'A', 'udp', { edns: 4096 })).answers!.length, 40);
  t.true((await ask(server, 'many.default.svc.cluster.local', 'A', 'udp', { edns: 4096 })).flag_tc);
  t.is((await ask(server, 'many.default.svc.cluster.local', 'A', 'tcp')).answers!.length, 100);
});

test('the zone function is read for every query: a new service answers at once, with no network involved', async (t) => {
  let zone = zoneWith();
  const server = await startNodeDns({ listen: [{ address: '127.0.0.1', port: 0 }], upstreams: ['127.0.0.1:9'], zone: () => zone, logger });
  t.teardown(() => server.close());
  t.is((await ask(server, 'late.default.svc.cluster.local')).rcode, 'NXDOMAIN');
  zone = zoneWith([{ metadata: { namespace: 'default', name: 'late' }, spec: { clusterIP: '10.43.0.99', ports: [{ port: 80 }] } }]);
  t.deepEqual((await ask(server, 'late.default.svc.cluster.local')).answers!.map(dataOf), ['10.43.0.99']);
});

test('other names are forwarded to the upstream and its answer relayed under the client id', async (t) => {
  const upstream = await fakeUpstream();
  const server = await startNodeDns({ listen: [{ address: '127.0.0.1', port: 0 }], upstreams: [upstream.address], zone: () => zoneWith(), logger });
  t.teardown(async () => (await server.close(), await upstream.close()));
  for (const transport of ['udp', 'tcp'] as const) {
    const reply = await ask(server, 'example.org', 'A', transport);
    t.is(reply.id, 4242);
    t.is(reply.rcode, 'NOERROR');
    t.deepEqual(reply.answers!.map(dataOf), ['192.0.2.53']);
  }
  t.deepEqual(upstream.seen.map((s) => [s.transport, s.name]), [['udp', 'example.org'], ['tcp', 'example.org']]);
  // The upstream saw fresh ids, not the client's.
  t.true(upstream.seen.some((s) => s.id !== 4242));
});

test('a silent upstream is skipped for the next one; when none answers the client gets SERVFAIL', async (t) => {
  const silent = await fakeUpstream(true);
  const good = await fakeUpstream();
  const server = await startNodeDns({ listen: [{ address: '127.0.0.1', port: 0 }], upstreams: [silent.address, good.address], zone: () => zoneWith(), logger, forwardTimeoutMs: 200 });
  const lonely = await startNodeDns({ listen: [{ address: '127.0.0.1', port: 0 }], upstreams: [silent.address], zone: () => zoneWith(), logger, forwardTimeoutMs: 200 });
  t.teardown(async () => (await server.close(), await lonely.close(), await silent.close(), await good.close()));
  t.deepEqual((await ask(server, 'example.net')).answers!.map(dataOf), ['192.0.2.53']);
  const started = performance.now();
  const failed = await ask(lonely, 'example.net');
  t.is(failed.rcode, 'SERVFAIL');
  t.true(performance.now() - started < 2000);
});

test('malformed and unsupported queries get FORMERR and NOTIMP; a runt gets nothing', async (t) => {
  const server = await startNodeDns({ listen: [{ address: '127.0.0.1', port: 0 }], upstreams: [], zone: () => zoneWith(), logger });
  t.teardown(() => server.close());
  const port = server.addresses[0]!.port;
  const garbage = Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0]), Buffer.from([0xff, 0xff])]);
  const formerr = dnsPacket.decode((await udpExchange(port, garbage))!) as Reply;
  t.is(formerr.id, 0x1234);
  t.is(formerr.rcode, 'FORMERR');
  const notimp = dnsPacket.decode((await udpExchange(port, encodeQuery('web.default.svc.cluster.local', 'A', { opcode: 2 })))!) as Reply;
  t.is(notimp.rcode, 'NOTIMP');
  t.is(await udpExchange(port, Buffer.from([1, 2, 3]), 300), undefined);
});

test('bad options are refused naming the field; an address in use names the address; close stops answering', async (t) => {
  const zone = () => zoneWith();
  await t.throwsAsync(startNodeDns({ listen: [], upstreams: [], zone }), { message: 'listen: needs at least one { address, port }' });
  await t.throwsAsync(startNodeDns({ listen: [{ address: 'localhost', port: 53 }], upstreams: [], zone }), { message: 'listen[0].address: "localhost" is not an IP address' });
  await t.throwsAsync(startNodeDns({ listen: [{ address: '127.0.0.1', port: 0 }], upstreams: ['8.8.8.8', 'dns'], zone }), { message: /^upstreams\[1\]: "dns" is not an IP address/ });
  const server = await startNodeDns({ listen: [{ address: '127.0.0.1', port: 0 }], upstreams: [], zone, logger });
  const port = server.addresses[0]!.port;
  await t.throwsAsync(startNodeDns({ listen: [{ address: '127.0.0.1', port }], upstreams: [], zone, logger }), { message: `cannot listen for DNS on 127.0.0.1:${port}: EADDRINUSE` });
  await server.close();
  t.is(await udpExchange(port, encodeQuery('web.default.svc.cluster.local', 'A'), 300), undefined);
});
