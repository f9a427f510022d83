import test from 'ava';
import { isNodeName, nodeMayPublish, nodeMaySubscribe, nodeTopic, parseNodeTopic, serverMayPublish } from './index.ts';

test('a node publishes only to its own up and presence', (t) => {
  t.true(nodeMayPublish('a', nodeTopic('a', 'up')));
  t.true(nodeMayPublish('a', nodeTopic('a', 'presence')));
  t.false(nodeMayPublish('a', nodeTopic('a', 'down')));
  t.false(nodeMayPublish('a', nodeTopic('b', 'up')));
  t.false(nodeMayPublish('a', 'skerry/v1/nodes/a/up/extra'));
});

test('a node subscribes only to its own down and head, never with wildcards', (t) => {
  t.true(nodeMaySubscribe('a', nodeTopic('a', 'down')));
  t.true(nodeMaySubscribe('a', nodeTopic('a', 'head')));
  for (const filter of ['#', '+/#', '$SYS/#', 'skerry/v1/nodes/+/down', 'skerry/v1/nodes/a/#', nodeTopic('b', 'down'), nodeTopic('a', 'up')]) t.false(nodeMaySubscribe('a', filter), filter);
});

test('node names cannot smuggle levels or wildcards', (t) => {
  for (const bad of ['a/b', 'a+', '#', 'A', '', 'skerry-server', 'a\nb']) t.false(isNodeName(bad), bad);
  t.true(isNodeName('edge-01.site.example'));
  t.is(parseNodeTopic('skerry/v1/nodes/a+/up'), undefined);
});

test('the server writes only down and head', (t) => {
  t.true(serverMayPublish(nodeTopic('x', 'down')));
  t.false(serverMayPublish(nodeTopic('x', 'up')));
});
