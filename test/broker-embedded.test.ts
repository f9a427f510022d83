// What only the embedded broker promises beyond the shared ACL scenario (broker-acl.test.ts):
// its view of connected nodes, payload limits, a bounded stall behind a frozen subscriber,
// and an idempotent close.
import fs from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import type { IClientOptions, MqttClient } from 'mqtt';
import { SERVER_MQTT_USER, nodeTopic } from '../common/sync/index.ts';
import { type BrokerPrincipal, type EmbeddedBroker, type EmbeddedBrokerOptions, startEmbeddedBroker } from '../server/broker/index.ts';
import { Inbox, type TestPki, connectClient, makeTestPki } from '../server/broker/testing.ts';

const PASSWORD = 'secret';
let pki: TestPki | undefined;

test.before(async () => {
  pki = await makeTestPki('skerry-broker-embedded-');
});

test.after.always(() => {
  if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
});

/** Every node and the server share one password here; the ACL tests use distinct ones. */
async function anyKnownName(username: string, password: Buffer): Promise<BrokerPrincipal | undefined> {
  if (!password.equals(Buffer.from(PASSWORD))) return undefined;
  return username === SERVER_MQTT_USER ? { kind: 'server' } : { kind: 'node', node: username };
}

async function broker(t: ExecutionContext, options: Partial<EmbeddedBrokerOptions> = {}): Promise<EmbeddedBroker> {
  const started = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, tls: { cert: pki!.cert, key: pki!.key }, authenticate: anyKnownName, ...options });
  t.teardown(() => started.close());
  return started;
}

async function connectAs(t: ExecutionContext, target: EmbeddedBroker, user: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await connectClient(target.url, pki!.caCert, { username: user, password: PASSWORD, clientId: user, ...options });
  t.teardown(() => client.endAsync(true));
  return client;
}

function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));
}

async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

test('connectedNodes lists the nodes connected now, not the server', async (t) => {
  const target = await broker(t);
  await connectAs(t, target, SERVER_MQTT_USER);
  const a = await connectAs(t, target, 'node-a');
  await connectAs(t, target, 'node-b');
  t.true(await eventually(() => target.connectedNodes().length === 2));
  t.deepEqual(target.connectedNodes(), ['node-a', 'node-b']);
  await a.endAsync();
  t.true(await eventually(() => target.connectedNodes().length === 1));
  t.deepEqual(target.connectedNodes(), ['node-b']);
});

test('a payload over the limit is dropped; a packet far over it closes the connection', async (t) => {
  const target = await broker(t, { maxPayloadBytes: 1024 });
  const server = await connectAs(t, target, SERVER_MQTT_USER);
  const inbox = new Inbox(server);
  await server.subscribeAsync(nodeTopic('node-a', 'up'), { qos: 1 });
  const a = await connectAs(t, target, 'node-a');
  await a.publishAsync(nodeTopic('node-a', 'up'), Buffer.alloc(1025, 1), { qos: 1 });
  await a.publishAsync(nodeTopic('node-a', 'up'), Buffer.alloc(1024, 2), { qos: 1 });
  await a.publishAsync(nodeTopic('node-a', 'up'), 'marker', { qos: 1 });
  const before = await inbox.until(nodeTopic('node-a', 'up'), 'marker');
  t.deepEqual(before.map((m) => m.payload.length), [1024], 'only the payload within the limit arrived');
  // The frame guard cuts a packet that announces far more than limit + topic before aedes
  // buffers its body.
  const gone = closed(a);
  a.publish(nodeTopic('node-a', 'up'), Buffer.alloc(200_000, 3), { qos: 0 });
  await gone;
  t.pass();
});

test('a frozen subscriber holds up other nodes only until the drain timeout', async (t) => {
  const drainTimeoutMs = 1_000;
  const target = await broker(t, { drainTimeoutMs });
  const server = await connectAs(t, target, SERVER_MQTT_USER);
  const frozen = await connectAs(t, target, 'node-f', { keepalive: 0 });
  const b = await connectAs(t, target, 'node-b');
  await frozen.subscribeAsync(nodeTopic('node-f', 'down'), { qos: 0 });
  await b.subscribeAsync(nodeTopic('node-b', 'down'), { qos: 1 });
  const inboxB = new Inbox(b);
  // The frozen node stops reading (unpiped, or mqtt.js would resume it on its next 'drain'):
  // its socket buffers fill, then aedes waits for 'drain' on it.
  frozen.stream.unpipe();
  frozen.stream.pause();
  // More messages than the broker's 1,000 delivery slots, so that once the frozen node's
  // buffers are full every slot waits on it and node-b's message must wait for the timeout.
  const chunk = Buffer.alloc(8 * 1024, 7);
  for (let i = 0; i < 1_500; i++) server.publish(nodeTopic('node-f', 'down'), chunk, { qos: 0 });
  const started = Date.now();
  await server.publishAsync(nodeTopic('node-b', 'down'), 'after-freeze', { qos: 1 });
  await inboxB.until(nodeTopic('node-b', 'down'), 'after-freeze', 15_000);
  const waited = Date.now() - started;
  t.log(`node-b waited ${waited} ms behind the frozen node`);
  t.true(waited < drainTimeoutMs + 4_000, `waited ${waited} ms`);
  t.true(await eventually(() => !target.connectedNodes().includes('node-f')), 'the frozen node was cut off');
});

test('close ends every client and the listener, and can be called twice', async (t) => {
  const target = await broker(t);
  const a = await connectAs(t, target, 'node-a');
  const gone = closed(a);
  await Promise.all([target.close(), target.close()]);
  await gone;
  await target.close();
  await t.throwsAsync(connectClient(target.url, pki!.caCert, { username: 'node-a', password: PASSWORD, clientId: 'node-a', connectTimeout: 2_000 }));
});
