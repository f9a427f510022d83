import test from 'ava';
import {
  bootstrapTokenSecret,
  formatJoinToken,
  generateBootstrapToken,
  isExpired,
  parseDuration,
  parseJoinToken,
  readBootstrapTokenSecret,
  rfc3339,
  secretsEqual,
  tokenIdOf,
} from './bootstrap-token.ts';

const HASH = 'ab'.repeat(32);

test('a generated token is kubeadm-shaped and printed in K3s pinned form', (t) => {
  const token = generateBootstrapToken();
  t.regex(token.id, /^[a-z0-9]{6}$/);
  t.regex(token.secret, /^[a-z0-9]{16}$/);
  t.not(generateBootstrapToken().secret, token.secret);
  t.is(formatJoinToken(HASH, token), `K10${HASH}::${token.id}.${token.secret}`);
});

test('parse: pinned and bare bootstrap tokens, the cluster token and anything else', (t) => {
  t.deepEqual(parseJoinToken(`K10${HASH}::abc123.0123456789abcdef`), { caHash: HASH, kind: 'bootstrap', id: 'abc123', secret: '0123456789abcdef' });
  t.deepEqual(parseJoinToken(' abc123.0123456789abcdef\n'), { kind: 'bootstrap', id: 'abc123', secret: '0123456789abcdef' });
  t.deepEqual(parseJoinToken(`K10${HASH}::server:beef`), { caHash: HASH, kind: 'other', credential: 'server:beef' });
  t.deepEqual(parseJoinToken('hunter2'), { kind: 'other', credential: 'hunter2' });
  t.is(parseJoinToken('ABC123.0123456789abcdef').kind, 'other', 'upper case is not a bootstrap token');
  t.is(parseJoinToken('abc123.0123456789abcde').kind, 'other', 'a 15-character secret is not one either');
  t.is(tokenIdOf('abc123'), 'abc123');
  t.is(tokenIdOf(`K10${HASH}::abc123.0123456789abcdef`), 'abc123');
  t.is(tokenIdOf('abc12'), undefined);
});

test('the Secret round-trips, with upstream key names and base64 data', (t) => {
  const expires = new Date('2030-01-02T03:04:05.678Z');
  const secret = bootstrapTokenSecret({ id: 'abc123', secret: '0123456789abcdef', expires, description: 'site A' });
  t.is(secret.metadata.name, 'bootstrap-token-abc123');
  t.is(secret.metadata.namespace, 'kube-system');
  t.is(secret.type, 'bootstrap.kubernetes.io/token');
  const data = secret.data as Record<string, string>;
  t.is(Buffer.from(data.expiration!, 'base64').toString(), '2030-01-02T03:04:05Z');
  t.is(Buffer.from(data['usage-bootstrap-authentication']!, 'base64').toString(), 'true');
  t.deepEqual(readBootstrapTokenSecret(secret), { id: 'abc123', secret: '0123456789abcdef', expires: new Date('2030-01-02T03:04:05Z'), description: 'site A', usages: ['authentication'] });
  const forever = readBootstrapTokenSecret(bootstrapTokenSecret({ id: 'abc123', secret: '0123456789abcdef' }))!;
  t.is(forever.expires, undefined);
  t.false(isExpired(forever, new Date(8.64e15)));
});

test('a Secret that is not a well-formed token of its own name is no token', (t) => {
  const good = bootstrapTokenSecret({ id: 'abc123', secret: '0123456789abcdef' });
  t.is(readBootstrapTokenSecret({ ...good, type: 'Opaque' }), undefined);
  t.is(readBootstrapTokenSecret({ ...good, metadata: { name: 'bootstrap-token-zzz999' } }), undefined, 'name and id disagree');
  t.is(readBootstrapTokenSecret({ ...good, data: { ...(good.data as object), 'token-secret': Buffer.from('short').toString('base64') } }), undefined);
  const garbledExpiry = { ...good, data: { ...(good.data as object), expiration: Buffer.from('tomorrow').toString('base64') } };
  t.true(isExpired(readBootstrapTokenSecret(garbledExpiry)!, new Date()), 'an unreadable expiration has expired');
});

test('expiry is inclusive of the expiration instant', (t) => {
  const expires = new Date('2030-01-01T00:00:00Z');
  t.false(isExpired({ expires }, new Date('2029-12-31T23:59:59Z')));
  t.true(isExpired({ expires }, expires));
  t.is(rfc3339(new Date(0)), '1970-01-01T00:00:00Z');
});

test('durations read as Go writes them; 0 is never', (t) => {
  t.is(parseDuration('24h'), 86_400_000);
  t.is(parseDuration('1h30m'), 5_400_000);
  t.is(parseDuration('1s'), 1000);
  t.is(parseDuration('1.5s'), 1500);
  t.is(parseDuration('250ms'), 250);
  t.is(parseDuration('0'), 0);
  for (const bad of ['', '24', 'h', '1d', '-1h', '1h ', 'forever']) t.is(parseDuration(bad), undefined, bad);
});

test('secrets compare by content, whatever their lengths', (t) => {
  t.true(secretsEqual('0123456789abcdef', '0123456789abcdef'));
  t.false(secretsEqual('0123456789abcdeF', '0123456789abcdef'));
  t.false(secretsEqual('', '0123456789abcdef'));
});
