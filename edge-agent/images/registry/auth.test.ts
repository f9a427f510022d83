import test from 'ava';
import { Authenticator, basicHeader, parseChallenges } from './auth.ts';
import { registryMessage } from './client.ts';

test('WWW-Authenticate challenges are parsed with quoted and bare parameters', (t) => {
  t.deepEqual(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:library/busybox:pull"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:library/busybox:pull' } },
  ]);
  t.deepEqual(parseChallenges('Basic realm="Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
  t.deepEqual(parseChallenges('Basic realm=plain, Bearer realm="a,b", error="insufficient_scope"'), [
    { scheme: 'basic', params: { realm: 'plain' } },
    { scheme: 'bearer', params: { realm: 'a,b', error: 'insufficient_scope' } },
  ]);
  t.deepEqual(parseChallenges('Bearer realm="with \\"quote\\""'), [{ scheme: 'bearer', params: { realm: 'with "quote"' } }]);
  t.deepEqual(parseChallenges(''), []);
});

test('Basic is sent only after a Basic challenge, and only once', async (t) => {
  const auth = new Authenticator({ username: 'u', password: 'p' }, async () => t.fail('no token for Basic') as never);
  t.is(auth.header('r'), undefined);
  t.true(await auth.answer('r', 'Basic realm="x"', undefined));
  t.is(auth.header('r'), basicHeader({ username: 'u', password: 'p' }));
  t.false(await auth.answer('r', 'Basic realm="x"', auth.header('r')));
  const anonymous = new Authenticator(undefined, async () => ({ token: 'x', expiresIn: 60 }));
  t.false(await anonymous.answer('r', 'Basic realm="x"', undefined));
});

test('a Bearer challenge fetches one token per repository, shared by requests that race', async (t) => {
  const asked: string[] = [];
  const auth = new Authenticator({ username: 'u', password: 'p' }, async ({ realm, basic }) => {
    asked.push(`${realm.href} ${basic}`);
    await new Promise((r) => setTimeout(r, 20));
    return { token: `t${asked.length}`, expiresIn: 300 };
  });
  const challenge = 'Bearer realm="http://127.0.0.1:1/token",service="svc"';
  await Promise.all([auth.answer('team/app', challenge, undefined), auth.answer('team/app', challenge, undefined)]);
  t.deepEqual(asked, [`http://127.0.0.1:1/token?service=svc&scope=repository%3Ateam%2Fapp%3Apull ${basicHeader({ username: 'u', password: 'p' })}`]);
  t.is(auth.header('team/app'), 'Bearer t1');
  t.is(auth.header('other'), undefined);
});

test('a static token is sent as Bearer and not renegotiated', async (t) => {
  const auth = new Authenticator({ token: 'abc' }, async () => t.fail() as never);
  t.is(auth.header('any'), 'Bearer abc');
  t.false(await auth.answer('any', 'Bearer realm="http://127.0.0.1:1/token"', 'Bearer abc'));
});

test('registry error documents become one line', (t) => {
  t.is(registryMessage(Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}')), 'MANIFEST_UNKNOWN: manifest unknown ({"Tag":"x"})');
  t.is(registryMessage(Buffer.from('<html>\n  bad gateway\n</html>')), '<html> bad gateway </html>');
  t.is(registryMessage(Buffer.alloc(0)), 'no error document');
});
