import test from 'ava';
import { createAuthenticator, type NodeAuthenticator } from './authenticator.ts';

const token = { full: 'K10aaaa::server:0123456789abcdef0123456789abcdef', secret: '0123456789abcdef0123456789abcdef' };

test('the whole cluster token or its secret part is the cluster; anything else is nobody', async (t) => {
  const auth = createAuthenticator(token);
  t.deepEqual(await auth.authenticate({ scheme: 'basic', username: 'x', secret: token.full }), { kind: 'cluster' });
  t.deepEqual(await auth.authenticate({ scheme: 'bearer', secret: token.secret }), { kind: 'cluster' });
  t.is(await auth.authenticate({ scheme: 'basic', username: 'x', secret: `${token.secret}0` }), undefined);
  t.is(await auth.authenticate({ scheme: 'bearer', secret: '' }), undefined);
  t.is(await auth.authenticate(undefined), undefined);
});

test('node credentials are whatever the node authenticator vouches for', async (t) => {
  const nodes: NodeAuthenticator = { authenticateNode: async (c) => (c.username === 'gw-1' && c.secret === 'node-secret' ? 'gw-1' : undefined) };
  const auth = createAuthenticator(token, nodes);
  t.deepEqual(await auth.authenticate({ scheme: 'basic', username: 'gw-1', secret: 'node-secret' }), { kind: 'node', node: 'gw-1' });
  t.is(await auth.authenticate({ scheme: 'basic', username: 'gw-2', secret: 'node-secret' }), undefined);
});
