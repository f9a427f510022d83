// The link's reconnect back-off, against an in-process aedes behind a front door the test
// opens and closes. The jitter is pinned to its ceiling so every delay is known.
import net from 'node:net';
import test from 'ava';
import { Aedes } from 'aedes';
import { connectLink } from './link.ts';

test('after a long outage, the next drop is retried after the first delay, not the outage’s last', async (t) => {
  const broker = await Aedes.createBroker();
  const brokerServer = net.createServer(broker.handle);
  await new Promise<void>((resolve) => brokerServer.listen(0, '127.0.0.1', resolve));
  let refuse = true;
  const accepted: number[] = [];
  const live = new Set<net.Socket>();
  const front = net.createServer((client) => {
    if (refuse) return void client.destroy();
    accepted.push(Date.now());
    const upstream = net.connect((brokerServer.address() as net.AddressInfo).port, '127.0.0.1');
    live.add(client);
    client.pipe(upstream).pipe(client);
    const end = () => (live.delete(client), client.destroy(), upstream.destroy());
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  // Delays 20, 40, 80 … capped at 1 s: six refusals take the back-off to its cap.
  const client = connectLink({ url: `mqtt://127.0.0.1:${(front.address() as net.AddressInfo).port}`, username: 'u', password: 'p', keepaliveSeconds: 5, backoff: { initialMs: 20, maxMs: 1_000 }, random: () => 1 });
  client.on('error', () => undefined);
  t.teardown(async () => {
    await client.endAsync(true);
    front.close();
    brokerServer.close();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  });
  let closes = 0;
  client.on('close', () => void closes++);
  while (closes < 6) await new Promise((resolve) => setTimeout(resolve, 10));
  refuse = false;
  await new Promise((resolve) => client.once('connect', resolve));
  const droppedAt = Date.now();
  for (const socket of live) socket.destroy();
  await new Promise((resolve) => client.once('connect', resolve));
  const retriedAfter = accepted[1]! - droppedAt;
  t.log(`reconnected ${retriedAfter} ms after the drop (first delay 20 ms, the outage's last 1000 ms)`);
  t.true(retriedAfter < 500, `${retriedAfter} ms`);
});

/** A broker that accepts every connection and never acknowledges a publish: counts the publishes each connection gets. */
function silentBroker(): Promise<{ port: number; publishes: number[]; sockets: Set<net.Socket>; close(): void }> {
  const publishes: number[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const index = publishes.push(0) - 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        // Fixed header: type byte, then the remaining length as a base-128 varint.
        let length = 0;
        let at = 1;
        for (let shift = 0; at < buffered.length; shift += 7) {
          const byte = buffered[at++]!;
          length += (byte & 127) << shift;
          if (!(byte & 128)) break;
        }
        if (buffered.length < 2 || at + length > buffered.length) return;
        const type = buffered[0]! >> 4;
        if (type === 1) socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
        if (type === 3) publishes[index]!++;
        if (type === 12) socket.write(Buffer.from([0xd0, 0x00]));
        buffered = buffered.subarray(at + length);
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, publishes, sockets, close: () => server.close() })));
}

test('QoS 1 messages the broker never acknowledged are not replayed on the next connection', async (t) => {
  const broker = await silentBroker();
  const client = connectLink({ url: `mqtt://127.0.0.1:${broker.port}`, username: 'u', password: 'p', keepaliveSeconds: 5, backoff: { initialMs: 20, maxMs: 20 }, random: () => 1 });
  client.on('error', () => undefined);
  t.teardown(async () => {
    await client.endAsync(true);
    broker.close();
  });
  await new Promise((resolve) => client.once('connect', resolve));
  const failures: Error[] = [];
  for (let i = 0; i < 5; i++) client.publish('t', Buffer.from(`m${i}`), { qos: 1 }, (error) => error && failures.push(error));
  while (broker.publishes[0]! < 5) await new Promise((resolve) => setTimeout(resolve, 5));
  for (const socket of broker.sockets) socket.destroy();
  await new Promise((resolve) => client.once('connect', resolve));
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.is(broker.publishes.length, 2);
  t.is(broker.publishes[1], 0, 'nothing of the old connection is sent again');
  t.is(failures.length, 5, 'every dropped publish is told so');
});
