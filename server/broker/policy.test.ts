import test from 'ava';
import { SERVER_SUBSCRIPTIONS, nodeTopic } from '../../common/sync/index.ts';
import { type BrokerPrincipal, isValidPrincipal, principalMayPublish, principalMaySubscribe, principalName } from './policy.ts';

const server: BrokerPrincipal = { kind: 'server' };
const a: BrokerPrincipal = { kind: 'node', node: 'node-a' };

test('a node publishes to its own up and presence only', (t) => {
  t.true(principalMayPublish(a, nodeTopic('node-a', 'up')));
  t.true(principalMayPublish(a, nodeTopic('node-a', 'presence')));
  for (const topic of [nodeTopic('node-a', 'down'), nodeTopic('node-a', 'head'), nodeTopic('node-b', 'up'), '$SYS/x', 'skerry/v1/nodes/node-a/up/x']) {
    t.false(principalMayPublish(a, topic), topic);
  }
});

test('a node subscribes to its own down and head, named exactly', (t) => {
  t.true(principalMaySubscribe(a, nodeTopic('node-a', 'down')));
  t.true(principalMaySubscribe(a, nodeTopic('node-a', 'head')));
  for (const filter of ['#', '+/#', '$SYS/#', 'skerry/v1/nodes/+/down', 'skerry/v1/nodes/node-a/#', nodeTopic('node-b', 'down'), nodeTopic('node-a', 'up')]) {
    t.false(principalMaySubscribe(a, filter), filter);
  }
});

test('the server subscribes to SERVER_SUBSCRIPTIONS and single up/presence topics only', (t) => {
  for (const filter of [...SERVER_SUBSCRIPTIONS, nodeTopic('node-a', 'up'), nodeTopic('node-a', 'presence')]) t.true(principalMaySubscribe(server, filter), filter);
  for (const filter of ['#', '$SYS/#', 'skerry/v1/nodes/+/down', 'skerry/v1/nodes/+/#', nodeTopic('node-a', 'down')]) t.false(principalMaySubscribe(server, filter), filter);
  t.true(principalMayPublish(server, nodeTopic('node-a', 'down')));
  t.true(principalMayPublish(server, nodeTopic('node-a', 'head')));
  t.false(principalMayPublish(server, nodeTopic('node-a', 'up')));
  t.false(principalMayPublish(server, '$SYS/x'));
});

test('principal names and validity', (t) => {
  t.is(principalName(server), 'skerry-server');
  t.is(principalName(a), 'node-a');
  t.true(isValidPrincipal(a));
  t.false(isValidPrincipal({ kind: 'node', node: 'skerry-server' }));
  t.false(isValidPrincipal({ kind: 'node', node: 'a/b' }));
});
