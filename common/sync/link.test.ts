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
