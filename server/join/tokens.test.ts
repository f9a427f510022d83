import test from 'ava';
import { ApiError } from '../api/index.ts';
import { bootstrapTokenSecret } from './bootstrap-token.ts';
import { objectStore } from './fixture.test-helper.ts';
import { checkBootstrapToken, createToken, listTokens, revokeToken, SECRET_TYPE, sweepExpiredTokens } from './tokens.ts';

const HASH = 'cd'.repeat(32);
const NOW = new Date('2030-06-01T12:00:00Z');

test('a created token is listed, joins while valid, and not once revoked', async (t) => {
  const objects = await objectStore(t);
  const { token, printed } = await createToken(objects, HASH, { description: 'site A', now: NOW });
  t.is(printed, `K10${HASH}::${token.id}.${token.secret}`);
  t.deepEqual(token.expires, new Date('2030-06-02T12:00:00Z'), 'default TTL is 24 h');
  t.deepEqual((await listTokens(objects)).map((x) => [x.id, x.description, x.usages]), [[token.id, 'site A', ['authentication']]]);
  t.is((await checkBootstrapToken(objects, HASH, printed, NOW))?.id, token.id);
  t.is((await checkBootstrapToken(objects, HASH, `${token.id}.${token.secret}`, NOW))?.id, token.id, 'the bare form joins too');
  t.true(await revokeToken(objects, printed));
  t.is(await checkBootstrapToken(objects, HASH, printed, NOW), undefined);
  t.false(await revokeToken(objects, token.id), 'revoking twice finds nothing');
  const bad = await t.throwsAsync(revokeToken(objects, 'not-a-token'));
  t.is((bad as ApiError).code, 400);
});

test('wrong secret, another CA, expiry and missing usage are all refused', async (t) => {
  const objects = await objectStore(t);
  const { token, printed } = await createToken(objects, HASH, { ttlMs: 1000, now: NOW });
  t.is(await checkBootstrapToken(objects, HASH, `${token.id}.${'x'.repeat(16)}`, NOW), undefined);
  t.is(await checkBootstrapToken(objects, HASH, printed.replace(HASH, 'ef'.repeat(32)), NOW), undefined, 'pinned to a CA not ours');
  t.is(await checkBootstrapToken(objects, HASH, printed, new Date(NOW.getTime() + 1000)), undefined, 'expired');
  t.is(await checkBootstrapToken(objects, HASH, 'server:0000', NOW), undefined);
  const signingOnly = bootstrapTokenSecret({ id: 'sig123', secret: '0123456789abcdef' });
  const data = signingOnly.data as Record<string, string>;
  delete data['usage-bootstrap-authentication'];
  data['usage-bootstrap-signing'] = Buffer.from('true').toString('base64');
  await objects.create(SECRET_TYPE, 'kube-system', signingOnly);
  t.is(await checkBootstrapToken(objects, HASH, 'sig123.0123456789abcdef', NOW), undefined, 'not for authentication');
});

test('ttl 0 never expires; the sweep deletes only expired tokens', async (t) => {
  const objects = await objectStore(t);
  const forever = await createToken(objects, HASH, { ttlMs: 0, now: NOW });
  const short = await createToken(objects, HASH, { ttlMs: 1000, now: NOW });
  t.is(forever.token.expires, undefined);
  t.deepEqual(await sweepExpiredTokens(objects, new Date(NOW.getTime() + 5000)), [short.token.id]);
  t.deepEqual((await listTokens(objects)).map((x) => x.id), [forever.token.id]);
});
