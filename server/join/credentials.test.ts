import crypto from 'node:crypto';
import test from 'ava';
import { SERVER_MQTT_USER } from '../../common/sync/index.ts';
import { createNodeCredentials, nodeAndSecret } from './credentials.ts';
import { CLUSTER_TOKEN, objectStore } from './fixture.test-helper.ts';
import { admitNode, NODE_PASSWORD_NAMESPACE, nodePasswordSecretName } from './node-password.ts';
import { SECRET_TYPE } from './tokens.ts';

async function joined(t: Parameters<typeof objectStore>[0]) {
  const objects = await objectStore(t);
  const admitted = await admitNode(objects, 'gw-1', 'p'.repeat(32));
  if (!admitted.ok) throw new Error('not admitted');
  let clock = 1_000_000;
  const credentials = createNodeCredentials(objects, CLUSTER_TOKEN.secret, () => clock);
  return { objects, credential: admitted.credential, credentials, advance: (ms: number) => void (clock += ms) };
}

test('Basic node:credential and Bearer node:<name>:<credential> name the node; anything else is nobody', async (t) => {
  const { credential, credentials } = await joined(t);
  t.is(await credentials.authenticateNode({ scheme: 'basic', username: 'gw-1', secret: credential }), 'gw-1');
  t.is(await credentials.authenticateNode({ scheme: 'bearer', secret: `node:gw-1:${credential}` }), 'gw-1');
  t.is(await credentials.authenticateNode({ scheme: 'basic', username: 'gw-2', secret: credential }), undefined, "another node's name");
  t.is(await credentials.authenticateNode({ scheme: 'basic', username: 'gw-1', secret: `${credential}0` }), undefined);
  t.is(await credentials.authenticateNode({ scheme: 'bearer', secret: credential }), undefined);
  t.is(await credentials.authenticateNode({ scheme: 'basic', username: 'GW-1', secret: credential }), undefined, 'not a node name');
});

test('a removed node is refused once the short cache expires; a re-issued credential is seen at once after forget', async (t) => {
  const { objects, credential, credentials, advance } = await joined(t);
  const basic = { scheme: 'basic' as const, username: 'gw-1', secret: credential };
  t.is(await credentials.authenticateNode(basic), 'gw-1');
  await objects.delete(SECRET_TYPE, NODE_PASSWORD_NAMESPACE, nodePasswordSecretName('gw-1'));
  t.is(await credentials.authenticateNode(basic), 'gw-1', 'still cached');
  advance(5_001);
  t.is(await credentials.authenticateNode(basic), undefined, 'gone within seconds');
  const again = await admitNode(objects, 'gw-1', 'q'.repeat(32));
  t.is(await credentials.authenticateNode({ ...basic, secret: again.ok ? again.credential : '' }), undefined, 'the refusal is cached too');
  credentials.forget('gw-1');
  t.is(await credentials.authenticateNode({ ...basic, secret: again.ok ? again.credential : '' }), 'gw-1');
});

test('MQTT: the server user has an HMAC-derived password, nodes their credential', async (t) => {
  const { credential, credentials } = await joined(t);
  const expected = crypto.createHmac('sha256', CLUSTER_TOKEN.secret).update('skerry mqtt server').digest('hex');
  t.is(credentials.serverMqttPassword(), expected);
  t.deepEqual(await credentials.authenticateMqtt(SERVER_MQTT_USER, Buffer.from(expected)), { kind: 'server' });
  t.is(await credentials.authenticateMqtt(SERVER_MQTT_USER, Buffer.from(credential)), undefined);
  t.deepEqual(await credentials.authenticateMqtt('gw-1', Buffer.from(credential)), { kind: 'node', node: 'gw-1' });
  t.is(await credentials.authenticateMqtt('gw-1', Buffer.from(expected)), undefined);
  t.is(await credentials.authenticateMqtt('skerry/v1/nodes/#', Buffer.from(credential)), undefined);
  t.deepEqual(await credentials.mqttUsers(), [
    { username: SERVER_MQTT_USER, password: expected },
    { username: 'gw-1', password: credential },
  ]);
});

test('bearer parsing takes the credential after the last colon', (t) => {
  t.deepEqual(nodeAndSecret({ scheme: 'bearer', secret: 'node:a.b:c0ffee' }), { node: 'a.b', secret: 'c0ffee' });
  t.is(nodeAndSecret({ scheme: 'bearer', secret: 'node::c0ffee' }), undefined);
  t.is(nodeAndSecret({ scheme: 'basic', username: '', secret: 'x' }), undefined);
});
