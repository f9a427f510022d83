import test from 'ava';
import { changedPods, cutFilters, parseConntrackLine, refusedConnections, type TrackedConnection } from './conntrack.ts';
import { compilePolicy, type NetworkPolicy, type PolicyPod } from './index.ts';

test('conntrack -L lines: protocol, TCP state, original and reply tuples', (t) => {
  t.deepEqual(
    parseConntrackLine('tcp      6 431999 ESTABLISHED src=10.42.0.11 dst=10.43.0.10 sport=40000 dport=80 src=10.42.0.10 dst=10.42.0.11 sport=8080 dport=40000 [ASSURED] mark=0 use=1', 'ipv4'),
    {
      family: 'ipv4',
      protocol: 'tcp',
      state: 'ESTABLISHED',
      original: { src: '10.42.0.11', dst: '10.43.0.10', sport: 40000, dport: 80 },
      reply: { src: '10.42.0.10', dst: '10.42.0.11', sport: 8080, dport: 40000 },
    },
  );
  t.deepEqual(parseConntrackLine('udp      17 29 src=10.0.0.1 dst=10.0.0.2 sport=5 dport=53 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5 mark=0 use=1', 'ipv4'), {
    family: 'ipv4',
    protocol: 'udp',
    original: { src: '10.0.0.1', dst: '10.0.0.2', sport: 5, dport: 53 },
    reply: { src: '10.0.0.2', dst: '10.0.0.1', sport: 53, dport: 5 },
  });
  t.deepEqual(parseConntrackLine('icmp     1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=7 src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=7 mark=0 use=1', 'ipv4')?.original, {
    src: '10.0.0.1',
    dst: '10.0.0.2',
  });
  t.is(parseConntrackLine('conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.', 'ipv4'), undefined);
  t.is(parseConntrackLine('', 'ipv4'), undefined);
});

const pod = (namespace: string, name: string, ip: string, app = name): PolicyPod => ({ namespace, name, labels: { app }, ips: [ip], ports: [] });
const PODS = [pod('x', 'a', '10.0.0.1'), pod('x', 'b', '10.0.0.2'), pod('x', 'c', '10.0.0.3'), pod('y', 'a', '10.0.1.1')];
const policy = (from: string[], ports?: number[]): NetworkPolicy => ({
  metadata: { namespace: 'x', name: 'p' },
  spec: { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: from.map((app) => ({ podSelector: { matchLabels: { app } } })), ...(ports ? { ports: ports.map((port) => ({ port })) } : {}) }] },
});
const plan = (policies: NetworkPolicy[], pods = PODS) => compilePolicy({ policies, pods, namespaces: [], localPodIps: pods.map((p) => p.ips[0]!) });

const conn = (src: string, dst: string, dport: number, state = 'ESTABLISHED', protocol = 'tcp'): TrackedConnection => ({
  family: 'ipv4',
  protocol,
  state,
  original: { src, dst, sport: 40000 + dport, dport },
  reply: { src: dst, dst: src, sport: dport, dport: 40000 + dport },
});

test('changed pods: the local pods whose enforcement differs, all of them at first', (t) => {
  const before = plan([policy(['b', 'c'])]);
  t.deepEqual([...changedPods(undefined, before)], ['10.0.0.1']);
  t.deepEqual([...changedPods(before, before)], []);
  t.deepEqual([...changedPods(before, plan([policy(['b'])]))], ['10.0.0.1']);
  t.deepEqual([...changedPods(before, plan([]))], [], 'no longer isolated: nothing to cut');
  t.deepEqual([...changedPods(before, plan([policy(['b', 'c'])], [...PODS, pod('x', 'd', '10.0.0.4', 'b')]))], ['10.0.0.1'], 'a new peer changes the set');
});

test('only refused, live connections of changed pods are cut; the node and finished ones are left', (t) => {
  const next = plan([policy(['c'])]);
  const list = [
    conn('10.0.0.2', '10.0.0.1', 80), // x/b -> x/a: refused now
    conn('10.0.0.3', '10.0.0.1', 80), // x/c -> x/a: still allowed
    conn('10.0.0.2', '10.0.0.1', 81, 'TIME_WAIT'), // finished
    conn('10.0.0.254', '10.0.0.1', 80), // the node (kubelet)
    conn('10.0.1.1', '10.0.0.2', 80), // x/b is not isolated
  ];
  t.deepEqual(refusedConnections(next, list, new Set(['10.0.0.1']), new Set(['10.0.0.254'])), [list[0]]);
});

test('one filter per pair when all its connections are refused, else per receiver port; DNAT judged on the reply', (t) => {
  const next = plan([policy(['b'], [80])]);
  const dnat: TrackedConnection = {
    family: 'ipv4',
    protocol: 'tcp',
    state: 'ESTABLISHED',
    original: { src: '10.0.0.3', dst: '10.43.0.9', sport: 5000, dport: 443 },
    reply: { src: '10.0.0.1', dst: '10.0.0.3', sport: 80, dport: 5000 },
  };
  const list = [
    conn('10.0.0.2', '10.0.0.1', 80), // allowed
    conn('10.0.0.2', '10.0.0.1', 81), // refused: port
    { ...conn('10.0.0.2', '10.0.0.1', 81), original: { src: '10.0.0.2', dst: '10.0.0.1', sport: 1, dport: 81 } }, // same class
    conn('10.0.0.3', '10.0.0.1', 80, 'ESTABLISHED', 'udp'), // x/c refused on every connection
    dnat, // x/c through a Service: refused as x/c -> x/a:80
  ];
  t.deepEqual(cutFilters(next, list, new Set(['10.0.0.1']), new Set()), [
    '-D -f ipv4 -p tcp -s 10.0.0.2 -d 10.0.0.1 -r 10.0.0.1 --dport 81 --reply-port-src 81',
    '-D -f ipv4 -s 10.0.0.3 -r 10.0.0.1',
  ]);
});
