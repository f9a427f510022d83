import test from 'ava';
import { objectStore } from './fixture.test-helper.ts';
import { admitNode, getNodeRecord, hashNodePassword, NODE_PASSWORD_NAMESPACE, nodePasswordSecretName, verifyNodePassword } from './node-password.ts';
import { SECRET_TYPE } from './tokens.ts';

const PASSWORD = 'f'.repeat(64);

test('scrypt hashes carry their parameters and a random salt, and verify only the password', async (t) => {
  const hash = await hashNodePassword(PASSWORD);
  t.regex(hash, /^scrypt\$16384\$8\$1\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
  t.not(await hashNodePassword(PASSWORD), hash, 'salted');
  t.true(await verifyNodePassword(PASSWORD, hash));
  t.false(await verifyNodePassword(`${PASSWORD}0`, hash));
});

test('a hash that cannot be read, or asks for absurd work, matches nothing', async (t) => {
  const hash = await hashNodePassword(PASSWORD);
  for (const bad of ['', 'plain', hash.replace('scrypt', 'bcrypt'), hash.replace('$16384$', '$4294967296$'), hash.replace('$8$', '$0$'), `${hash}$extra`, hash.replace(/\$[0-9a-f]{64}$/, '$')]) {
    t.false(await verifyNodePassword(PASSWORD, bad), bad);
  }
});

test('the first join records the node; the same password gets the same credential, another is refused', async (t) => {
  const objects = await objectStore(t);
  const first = await admitNode(objects, 'gw-1', PASSWORD);
  t.true(first.ok && first.created);
  const credential = first.ok ? first.credential : '';
  t.regex(credential, /^[0-9a-f]{64}$/);
  t.deepEqual(await admitNode(objects, 'gw-1', PASSWORD), { ok: true, credential, created: false });
  t.deepEqual(await admitNode(objects, 'gw-1', 'e'.repeat(64)), { ok: false });
  const secret = await objects.get(SECRET_TYPE, NODE_PASSWORD_NAMESPACE, nodePasswordSecretName('gw-1'));
  t.is(secret.type, 'skerry.io/node-password');
  t.false(JSON.stringify(secret).includes(PASSWORD), 'only the hash is kept');
});

test('deleting the Secret lets another machine take the name', async (t) => {
  const objects = await objectStore(t);
  const first = await admitNode(objects, 'gw-1', PASSWORD);
  await objects.delete(SECRET_TYPE, NODE_PASSWORD_NAMESPACE, nodePasswordSecretName('gw-1'));
  const second = await admitNode(objects, 'gw-1', 'e'.repeat(64));
  t.true(second.ok && second.created);
  t.not(second.ok && second.credential, first.ok && first.credential, 'a new credential');
});

test('two first joins racing for a name: one wins, the other is checked against it', async (t) => {
  const objects = await objectStore(t);
  const [a, b] = await Promise.all([admitNode(objects, 'gw-1', PASSWORD), admitNode(objects, 'gw-1', 'e'.repeat(64))]);
  t.is([a, b].filter((r) => r.ok).length, 1);
  t.truthy(await getNodeRecord(objects, 'gw-1'));
});

test('a node Secret someone garbled holds the name against every password', async (t) => {
  const objects = await objectStore(t);
  await objects.create(SECRET_TYPE, NODE_PASSWORD_NAMESPACE, { apiVersion: 'v1', kind: 'Secret', metadata: { name: nodePasswordSecretName('gw-1') }, type: 'skerry.io/node-password', data: {} });
  t.deepEqual(await admitNode(objects, 'gw-1', PASSWORD), { ok: false });
});
