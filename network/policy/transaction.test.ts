import test from 'ava';
import { compilePolicy, type NetworkPolicy, type PolicyInput, type PolicyPod } from './index.ts';
import { policyChainName } from './names.ts';
import { renderPlan } from './render.ts';
import { diffScript, fullScript } from './transaction.ts';

const pod = (namespace: string, name: string, ip: string, labels: Record<string, string> = { app: name }): PolicyPod => ({
  namespace,
  name,
  labels,
  ips: [ip],
  ports: [{ name: 'http', containerPort: 8080 }],
});
const PODS = [pod('x', 'a', '10.0.0.1'), pod('x', 'b', '10.0.0.2'), pod('y', 'a', '10.0.1.1')];
const fromB: NetworkPolicy = { metadata: { namespace: 'x', name: 'from-b' }, spec: { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'b' } } }] }] } };
const input = (policies: NetworkPolicy[], pods = PODS): PolicyInput => ({ policies, pods, namespaces: [], localPodIps: pods.map((p) => p.ips[0]!) });
const state = (policies: NetworkPolicy[], pods = PODS) => renderPlan(compilePolicy(input(policies, pods)));
const IN = policyChainName('x/from-b', 'ingress');

test('a policy renders as a chain of set lookups, a pod chain and a verdict map entry', (t) => {
  const s = state([fromB]);
  t.deepEqual(s.chains[IN], {
    comment: 'x/from-b ingress',
    rules: [`ip saddr @${IN}-r0-pods4 accept`, `ip6 saddr @${IN}-r0-pods6 accept`],
  });
  t.deepEqual(s.chains['pod-0a000001-in'], { rules: [`jump ${IN}`, 'counter drop'] });
  t.deepEqual(s.sets[`${IN}-r0-pods4`], { type: 'ipv4_addr', interval: false, elements: ['10.0.0.2'] });
  t.deepEqual(s.maps.ingress4, { '10.0.0.1': 'goto pod-0a000001-in' });
  t.deepEqual(s.maps.egress4, {});
});

test('ports, named ports and blocks are matched in one rule per peer kind and port kind', (t) => {
  const p: NetworkPolicy = {
    metadata: { namespace: 'x', name: 'mixed' },
    spec: {
      podSelector: { matchLabels: { app: 'a' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24', except: ['10.0.0.128/25'] } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 80, endPort: 90 }, { port: 'http' }] }],
    },
  };
  const chain = policyChainName('x/mixed', 'egress');
  const s = state([p]);
  t.deepEqual(s.chains[chain]!.rules, [
    `ip daddr @${chain}-r0-cidr4 meta l4proto . th dport { tcp . 80-90, udp . 53 } accept`,
    `ip daddr @${chain}-r0-cidr4 ip daddr . meta l4proto . th dport @${chain}-r0-named4 accept`,
  ]);
  t.deepEqual(s.sets[`${chain}-r0-cidr4`], { type: 'ipv4_addr', interval: true, elements: ['10.0.0.0-10.0.0.127'] });
  t.deepEqual(s.sets[`${chain}-r0-named4`]!.elements, ['10.0.0.1 . tcp . 8080', '10.0.0.2 . tcp . 8080']);
  t.is(s.sets[`${chain}-r0-named6`], undefined, 'an IPv4 block needs no IPv6 named-port set');
});

test('from nothing: the table is replaced whole, base chains last', (t) => {
  const script = fullScript(state([fromB]));
  t.deepEqual(script.slice(0, 3), ['add table inet skerry-policy', 'delete table inet skerry-policy', 'add table inet skerry-policy']);
  t.true(script.includes(`add element inet skerry-policy ${IN}-r0-pods4 { 10.0.0.2 }`));
  t.true(script.includes('add element inet skerry-policy ingress4 { 10.0.0.1 : goto pod-0a000001-in }'));
  t.true(script.includes('add chain inet skerry-policy forward-ingress { type filter hook forward priority filter + 1; policy accept; }'));
  t.true(script.indexOf('add rule inet skerry-policy forward-egress ct state established,related accept') < script.indexOf('add rule inet skerry-policy forward-egress ip saddr vmap @egress4'));
});

test('nothing changed: nothing to send', (t) => {
  t.deepEqual(diffScript(state([fromB]), state([fromB])), []);
});

test('a pod label change is set elements only', (t) => {
  const relabeled = [PODS[0]!, pod('x', 'b', '10.0.0.2', { app: 'c' }), pod('y', 'a', '10.0.1.1')];
  t.deepEqual(diffScript(state([fromB]), state([fromB], relabeled)), [`delete element inet skerry-policy ${IN}-r0-pods4 { 10.0.0.2 }`]);
  const newPeer = [...PODS, pod('x', 'b2', '10.0.0.9', { app: 'b' })];
  t.deepEqual(diffScript(state([fromB]), state([fromB], newPeer)), [`add element inet skerry-policy ${IN}-r0-pods4 { 10.0.0.9 }`]);
});

test('a pod that becomes isolated gets its chain and map entry; one that leaves loses them, in a safe order', (t) => {
  const twoA = [...PODS, pod('x', 'a2', '10.0.0.3', { app: 'a' })];
  t.deepEqual(diffScript(state([fromB]), state([fromB], twoA)), [
    'add chain inet skerry-policy pod-0a000003-in',
    `add rule inet skerry-policy pod-0a000003-in jump ${IN}`,
    'add rule inet skerry-policy pod-0a000003-in counter drop',
    'add element inet skerry-policy ingress4 { 10.0.0.3 : goto pod-0a000003-in }',
  ]);
  t.deepEqual(diffScript(state([fromB], twoA), state([fromB])), [
    'delete element inet skerry-policy ingress4 { 10.0.0.3 }',
    'flush chain inet skerry-policy pod-0a000003-in',
    'delete chain inet skerry-policy pod-0a000003-in',
  ]);
});

test("a policy change rebuilds only that policy's chain and sets", (t) => {
  const other: NetworkPolicy = { metadata: { namespace: 'y', name: 'deny' }, spec: { podSelector: {} } };
  const changed: NetworkPolicy = { ...fromB, spec: { ...fromB.spec, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'b' } } }], ports: [{ port: 80 }] }] } };
  const script = diffScript(state([fromB, other]), state([changed, other]));
  t.deepEqual(script, [
    `flush chain inet skerry-policy ${IN}`,
    `add rule inet skerry-policy ${IN} ip saddr @${IN}-r0-pods4 meta l4proto . th dport { tcp . 80 } accept`,
    `add rule inet skerry-policy ${IN} ip6 saddr @${IN}-r0-pods6 meta l4proto . th dport { tcp . 80 } accept`,
  ]);
});

test('a deleted policy goes after every reference to it', (t) => {
  const script = diffScript(state([fromB]), state([]));
  t.deepEqual(script, [
    'delete element inet skerry-policy ingress4 { 10.0.0.1 }',
    `flush chain inet skerry-policy ${IN}`,
    'flush chain inet skerry-policy pod-0a000001-in',
    `delete chain inet skerry-policy ${IN}`,
    'delete chain inet skerry-policy pod-0a000001-in',
    `delete set inet skerry-policy ${IN}-r0-pods4`,
    `delete set inet skerry-policy ${IN}-r0-pods6`,
  ]);
});

test('10,000 peers are one set in chunks of 1,000 elements, not 10,000 rules', (t) => {
  const many = Array.from({ length: 10_000 }, (_, i) => pod('x', `b${i}`, `10.1.${i >> 8}.${i & 255}`, { app: 'b' }));
  const s = state([fromB], [...PODS, ...many]);
  t.deepEqual(s.chains[IN]!.rules, state([fromB]).chains[IN]!.rules);
  t.is(s.sets[`${IN}-r0-pods4`]!.elements.length, 10_001);
  const adds = fullScript(s).filter((l) => l.startsWith(`add element inet skerry-policy ${IN}-r0-pods4 `));
  t.is(adds.length, 11);
});

test('names from the view cannot break out of a comment', (t) => {
  const evil: NetworkPolicy = { ...fromB, metadata: { namespace: 'x', name: 'a"; }\nflush ruleset\n' } };
  const script = fullScript(state([evil]));
  t.false(script.some((line) => line.includes('\n')));
  t.true(script.some((line) => line.endsWith('{ comment "x/a__ __flush ruleset_ ingress"; }')));
});
