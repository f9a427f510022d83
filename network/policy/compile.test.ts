import test from 'ava';
import { compilePolicy, isAllowed, type NetworkPolicy, type NetworkPolicySpec, type PolicyInput, type PolicyPlan, type PolicyPod } from './index.ts';
import { policyChainName } from './names.ts';

// x/a 10.0.0.1, x/b 10.0.0.2, y/a 10.0.1.1, y/b 10.0.1.2 (remote), z/c fd00::3 (dual stack: 10.0.2.3)
const pod = (namespace: string, name: string, ips: string[], ports: PolicyPod['ports'] = []): PolicyPod => ({ namespace, name, labels: { app: name }, ips, ports });
const PODS: PolicyPod[] = [
  pod('x', 'a', ['10.0.0.1'], [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]),
  pod('x', 'b', ['10.0.0.2'], [{ name: 'http', containerPort: 9090 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }]),
  pod('y', 'a', ['10.0.1.1'], [{ name: 'http', containerPort: 80 }]),
  pod('y', 'b', ['10.0.1.2']),
  pod('z', 'c', ['10.0.2.3', 'fd00::3'], [{ name: 'http', containerPort: 81 }]),
];
const LOCAL = ['10.0.0.1', '10.0.0.2', '10.0.1.1', '10.0.2.3', 'fd00::3'];

function input(policies: NetworkPolicy[], changes: Partial<PolicyInput> = {}): PolicyInput {
  return {
    policies,
    pods: PODS,
    namespaces: [
      { name: 'x', labels: { team: 'x' } },
      { name: 'y', labels: { team: 'y', env: 'prod' } },
      { name: 'z', labels: { team: 'z', env: 'prod' } },
    ],
    localPodIps: LOCAL,
    ...changes,
  };
}

const np = (namespace: string, name: string, spec: NetworkPolicySpec): NetworkPolicy => ({ metadata: { namespace, name }, spec });
const allows = (plan: PolicyPlan, src: string, dst: string, port = 80, protocol = 'tcp') => isAllowed(plan, { src, dst, protocol, port });

test('no policy: nothing is isolated, nothing is programmed per pod', (t) => {
  const plan = compilePolicy(input([]));
  t.deepEqual(plan, { pods: {}, chains: {}, problems: [] });
  t.true(allows(plan, '10.0.0.1', '10.0.1.1'));
});

test('policyTypes default to Ingress, plus Egress when egress rules are given', (t) => {
  const ingressOnly = compilePolicy(input([np('x', 'p', { podSelector: {}, ingress: [] })]));
  t.deepEqual(Object.keys(ingressOnly.pods), ['10.0.0.1', '10.0.0.2']);
  t.deepEqual(ingressOnly.pods['10.0.0.1'], { pod: 'x/a', ingress: [policyChainName('x/p', 'ingress')] });
  const withEgress = compilePolicy(input([np('x', 'p', { podSelector: {}, egress: [{}] })]));
  t.deepEqual(withEgress.pods['10.0.0.1'], { pod: 'x/a', ingress: [policyChainName('x/p', 'ingress')], egress: [policyChainName('x/p', 'egress')] });
  const explicit = compilePolicy(input([np('x', 'p', { podSelector: {}, policyTypes: ['Egress'], ingress: [{}] })]));
  t.deepEqual(explicit.pods['10.0.0.1'], { pod: 'x/a', egress: [policyChainName('x/p', 'egress')] }, 'ingress rules of an Egress-only policy are ignored');
});

test('a policy selects pods of its own namespace only; remote pods are not isolated here', (t) => {
  const plan = compilePolicy(input([np('y', 'deny', { podSelector: {} })]));
  t.deepEqual(Object.keys(plan.pods), ['10.0.1.1'], 'y/b runs on another node');
  t.false(allows(plan, '10.0.0.1', '10.0.1.1'));
  t.true(allows(plan, '10.0.0.1', '10.0.1.2'));
  t.true(allows(plan, '10.0.0.1', '10.0.0.2'));
});

test('peers: podSelector in the policy namespace, namespaceSelector, both ANDed, peers ORed', (t) => {
  const sameNs = compilePolicy(input([np('x', 'p', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ podSelector: {} }] }] })]));
  t.true(allows(sameNs, '10.0.0.2', '10.0.0.1'));
  t.false(allows(sameNs, '10.0.1.1', '10.0.0.1'), 'a podSelector alone means the policy namespace');
  const nsAndPod = compilePolicy(
    input([np('x', 'p', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'prod' } }, podSelector: { matchLabels: { app: 'b' } } }] }] })]),
  );
  t.deepEqual(nsAndPod.chains[policyChainName('x/p', 'ingress')]!.rules, [{ peers: { pods: ['10.0.1.2'] } }]);
  const ored = compilePolicy(
    input([np('x', 'p', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'z' } } }, { podSelector: { matchLabels: { app: 'b' } } }] }] })]),
  );
  t.deepEqual(ored.chains[policyChainName('x/p', 'ingress')]!.rules, [{ peers: { pods: ['10.0.0.2', '10.0.2.3', 'fd00:0:0:0:0:0:0:3'] } }]);
});

test('a namespace the view does not know has no labels', (t) => {
  const plan = compilePolicy(input([np('x', 'p', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] } }] }] })], { namespaces: [] }));
  t.deepEqual(plan.chains[policyChainName('x/p', 'ingress')]!.rules[0]!.peers!.pods!.length, 6);
});

test('ipBlocks become ranges with the excepts cut out, merged across peers of a rule', (t) => {
  const plan = compilePolicy(
    input([
      np('x', 'p', {
        podSelector: { matchLabels: { app: 'a' } },
        ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.1.0/24'] } }, { ipBlock: { cidr: '10.0.1.2/32' } }, { ipBlock: { cidr: 'fd00::/64' } }] }],
      }),
    ]),
  );
  t.deepEqual(plan.chains[policyChainName('x/p', 'ingress')]!.rules[0]!.peers, {
    blocks: ['10.0.0.0-10.0.0.255', '10.0.1.2', '10.0.2.0-10.0.255.255', 'fd00:0:0:0:0:0:0:0-fd00:0:0:0:ffff:ffff:ffff:ffff'],
  });
  t.true(allows(plan, '10.0.0.2', '10.0.0.1'));
  t.false(allows(plan, '10.0.1.1', '10.0.0.1'), 'inside the except');
  t.true(allows(plan, '10.0.1.2', '10.0.0.1'), 'the second block puts it back');
  t.true(allows(plan, 'fd00::9', '10.0.0.1'));
  t.false(allows(plan, '192.168.0.1', '10.0.0.1'));
});

test('ports: numbers, endPort ranges, protocol-only, default TCP; overlapping ranges merged', (t) => {
  const plan = compilePolicy(
    input([np('x', 'p', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ ports: [{ port: 80 }, { port: 79, endPort: 85 }, { protocol: 'UDP' }, { protocol: 'SCTP', port: 9000, endPort: 9001 }] }] })]),
  );
  t.deepEqual(plan.chains[policyChainName('x/p', 'ingress')]!.rules[0]!.ports, {
    ranges: [
      { protocol: 'sctp', first: 9000, last: 9001 },
      { protocol: 'tcp', first: 79, last: 85 },
      { protocol: 'udp', first: 0, last: 65535 },
    ],
  });
  t.true(allows(plan, '10.0.1.1', '10.0.0.1', 85));
  t.false(allows(plan, '10.0.1.1', '10.0.0.1', 86));
  t.true(allows(plan, '10.0.1.1', '10.0.0.1', 4242, 'udp'));
  t.true(allows(plan, '10.0.1.1', '10.0.0.1', 9001, 'sctp'));
  t.false(allows(plan, '10.0.1.1', '10.0.0.1', 80, 'sctp'));
  t.false(isAllowed(plan, { src: '10.0.1.1', dst: '10.0.0.1', protocol: 'icmp' }), 'a rule with ports allows no portless protocol');
});

test('named ports resolve on the local pod for ingress and on each peer for egress, protocol included', (t) => {
  const ingress = compilePolicy(input([np('x', 'p', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }, { port: 'dns', protocol: 'UDP' }, { port: 'dns' }] }] })]));
  t.deepEqual(ingress.chains[policyChainName('x/p', 'ingress')]!.rules[0]!.ports, {
    ranges: [],
    named: [
      { ip: '10.0.0.1', protocol: 'tcp', port: 8080 },
      { ip: '10.0.0.2', protocol: 'tcp', port: 9090 },
      { ip: '10.0.0.2', protocol: 'udp', port: 53 },
    ],
  });
  t.true(allows(ingress, '10.0.1.1', '10.0.0.1', 8080));
  t.false(allows(ingress, '10.0.1.1', '10.0.0.1', 9090), "x/b's http is not x/a's");
  t.false(allows(ingress, '10.0.1.1', '10.0.0.2', 53, 'tcp'), 'dns is a UDP port');
  const egress = compilePolicy(input([np('x', 'p', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 'http' }] }] })]));
  t.true(allows(egress, '10.0.0.1', '10.0.1.1', 80));
  t.true(allows(egress, '10.0.0.1', '10.0.2.3', 81));
  t.true(allows(egress, '10.0.0.1', 'fd00::3', 81));
  t.false(allows(egress, '10.0.0.1', '10.0.2.3', 80));
  t.false(allows(egress, '10.0.0.1', '10.0.1.2', 80), 'y/b has no http port');
  const none = compilePolicy(input([np('x', 'p', { podSelector: {}, ingress: [{ ports: [{ port: 'nope' }] }] })]));
  t.deepEqual(none.chains[policyChainName('x/p', 'ingress')]!.rules[0]!.ports, { ranges: [], named: [] }, 'an unresolved name allows nothing');
});

test('egress named ports toward an ipBlock resolve on the pods inside the block', (t) => {
  const plan = compilePolicy(input([np('x', 'p', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.1.0/24' } }], ports: [{ port: 'http' }] }] })]));
  t.deepEqual(plan.chains[policyChainName('x/p', 'egress')]!.rules[0]!.ports!.named, [{ ip: '10.0.1.1', protocol: 'tcp', port: 80 }]);
  t.true(allows(plan, '10.0.0.1', '10.0.1.1', 80));
  t.false(allows(plan, '10.0.0.1', '10.0.2.3', 81));
});

test('the union of all selecting policies is allowed; both ends are checked', (t) => {
  const plan = compilePolicy(
    input([
      np('x', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
      np('x', 'a-from-y', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'y' } } }] }] }),
      np('x', 'b-to-a', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'a' } } }] }] }),
      np('x', 'a-from-b', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'b' } } }], ports: [{ port: 8080 }] }] }),
    ]),
  );
  t.deepEqual(plan.pods['10.0.0.1']!.ingress, [policyChainName('x/a-from-b', 'ingress'), policyChainName('x/a-from-y', 'ingress'), policyChainName('x/deny', 'ingress')]);
  t.true(allows(plan, '10.0.1.1', '10.0.0.1'));
  t.true(allows(plan, '10.0.0.2', '10.0.0.1', 8080), "b's egress and a's ingress both allow it");
  t.false(allows(plan, '10.0.0.2', '10.0.0.1', 80), "a's ingress allows b on 8080 only");
  t.false(allows(plan, '10.0.0.1', '10.0.0.2', 8080), 'a may not send anywhere');
  t.false(allows(plan, '10.0.0.2', '10.0.1.1'), 'b may send to a only');
});

test('empty from/to and empty ports mean all; a rule emptied by bad entries means nothing', (t) => {
  const plan = compilePolicy(
    input([
      np('x', 'p', {
        podSelector: { matchLabels: { app: 'a' } },
        ingress: [{ from: [{ ipBlock: { cidr: 'bogus' } }], ports: [] }, { from: [], ports: [{ protocol: 'ICMP' }] }],
      }),
    ]),
  );
  t.deepEqual(plan.chains[policyChainName('x/p', 'ingress')]!.rules, [{ peers: {} }, { ports: { ranges: [] } }]);
  t.false(allows(plan, '10.0.0.2', '10.0.0.1'));
  t.deepEqual(plan.problems, [
    'NetworkPolicy x/p: spec.ingress[0].from[0].ipBlock.cidr: "bogus" is not a CIDR (address/prefix length)',
    'NetworkPolicy x/p: spec.ingress[1].ports[0].protocol: "ICMP" is not TCP, UDP or SCTP',
  ]);
});

test('unreadable parts are reported naming the field, and enforced closed', (t) => {
  const plan = compilePolicy(
    input(
      [
        np('x', 'bad-selector', { podSelector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['a'] }] }, ingress: [{}] }),
        np('y', 'bad-types', { podSelector: {}, policyTypes: ['Ingres'] }),
        np('y', 'bad-peer', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }, {}] }] }),
        np('y', 'bad-except', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] } }] }] }),
        np('y', 'bad-ports', { podSelector: {}, ingress: [{ ports: [{ port: 'http', endPort: 90 }, { port: 90, endPort: 80 }, { port: 0 }, { endPort: 5 }] }] }),
        { metadata: { name: 'no-namespace' }, spec: {} } as NetworkPolicy,
        np('x', 'bad-selector', { podSelector: {} }),
      ],
      { pods: [...PODS, { namespace: 'x', name: 'odd', labels: {}, ips: ['10.0.0.300'], ports: [{ name: 'p', containerPort: 70000 }] }], localPodIps: [...LOCAL, 'nope'] },
    ),
  );
  t.deepEqual(plan.problems, [
    'pod x/odd: ips[0]: "10.0.0.300" is not an IP address',
    'pod x/odd: ports[0].containerPort: 70000 is not a port (1-65535)',
    'localPodIps[5]: "nope" is not an IP address',
    'NetworkPolicy x/bad-selector: spec.podSelector.matchExpressions[0].operator: "Equals" is not In, NotIn, Exists or DoesNotExist; the policy selects every pod of its namespace',
    'NetworkPolicy y/bad-types: spec.policyTypes: ["Ingres"] is not a list of Ingress and Egress; both are isolated',
    'NetworkPolicy y/bad-peer: spec.ingress[0].from[0]: may not specify both ipBlock and another peer',
    'NetworkPolicy y/bad-peer: spec.ingress[0].from[1]: must specify a peer',
    'NetworkPolicy y/bad-except: spec.ingress[0].from[0].ipBlock.except[0]: "10.1.0.0/24" is not inside cidr "10.0.0.0/16"',
    'NetworkPolicy y/bad-ports: spec.ingress[0].ports[0].endPort: may not be given with a named port',
    'NetworkPolicy y/bad-ports: spec.ingress[0].ports[1].endPort: 80 is not a port from 90 to 65535',
    'NetworkPolicy y/bad-ports: spec.ingress[0].ports[2].port: 0 is not a port (1-65535) or a port name',
    'NetworkPolicy y/bad-ports: spec.ingress[0].ports[3].endPort: may not be given without port',
    'policies[5]: metadata needs a namespace and a name',
    'NetworkPolicy x/bad-selector: appears twice; the first is enforced',
  ]);
  // x/bad-selector selects every x pod and allows all ingress; y/bad-types isolates y/a's egress too.
  t.deepEqual(Object.keys(plan.pods), ['10.0.0.1', '10.0.0.2', '10.0.1.1']);
  t.false(allows(plan, '10.0.1.1', '10.0.0.1'), "y/a's egress is isolated by bad-types and no policy allows it");
  t.true(allows(plan, '10.0.0.2', '10.0.0.1'));
  t.false(allows(plan, '10.0.0.1', '10.0.1.1', 80), 'y/a accepts nothing: every peer and port of its policies was unreadable');
});

test('whole lists missing are refused outright', (t) => {
  t.throws(() => compilePolicy({ policies: [], pods: [], namespaces: [] } as unknown as PolicyInput), { message: 'localPodIps: is not a list' });
  t.throws(() => compilePolicy({ policies: {}, pods: [], namespaces: [], localPodIps: [] } as unknown as PolicyInput), { message: 'policies: is not a list' });
});

test('compiling is deterministic: policy and pod order do not matter', (t) => {
  const policies = [
    np('x', 'b', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] }),
    np('x', 'a', { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] }),
  ];
  const one = compilePolicy(input(policies));
  const other = compilePolicy(input([...policies].reverse(), { pods: [...PODS].reverse(), localPodIps: [...LOCAL].reverse() }));
  t.deepEqual(JSON.stringify(other), JSON.stringify(one));
});

test('host-network pods are neither isolated nor peers: their addresses are the node', (t) => {
  const node = { namespace: 'x', name: 'h', labels: { app: 'a' }, ips: ['192.168.1.10'], ports: [], hostNetwork: true };
  const plan = compilePolicy(input([np('x', 'p', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] })], { pods: [...PODS, node], localPodIps: [...LOCAL, '192.168.1.10'] }));
  t.is(plan.pods['192.168.1.10'], undefined);
  t.deepEqual(plan.chains[policyChainName('x/p', 'ingress')]!.rules[0]!.peers!.pods, ['10.0.0.1', '10.0.0.2']);
});
