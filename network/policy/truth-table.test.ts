// NetworkPolicy truth tables against the kernel, in the spirit of the upstream network-policy
// e2e tests and Cyclonus: namespaces x, y, z with pods a, b, c each (9 network namespaces on
// one node's bridge), listeners on TCP and UDP 80 and 81 in every pod, and for each case every
// (source pod, destination pod, port) connection probed at once and compared with a truth
// table written by hand for the case (a predicate here, never the compiler's output). Cases
// run in order and each is applied incrementally over the one before, so the diffs between
// very different plans are exercised as much as the plans themselves.
import test, { type ExecutionContext } from 'ava';
import { runTool } from '../host/index.ts';
import { applyPolicy, compilePolicy, type NetworkPolicy, type NetworkPolicySpec, type PolicyInput, type PolicyPlan } from './index.ts';
import { createPolicyLab, policyLabUnavailable, PORTS, type LabPod, type LabPort, type PolicyLab } from './lab.test-helper.ts';
import { renderPlan } from './render.ts';

const why = policyLabUnavailable();
const kTest = why ? test.skip : test.serial;
if (why) {
  test(`NetworkPolicy truth tables skipped: ${why}`, (t) => {
    t.log(why);
    t.pass();
  });
}

const NAMESPACES = ['x', 'y', 'z'];
const POD_NAMES = ['a', 'b', 'c'];
const KEYS = NAMESPACES.flatMap((ns) => POD_NAMES.map((p) => `${ns}/${p}`));
/** Drops must not answer within this; allowed connections answer in a few milliseconds. */
const PROBE_TIMEOUT_MS = 700;

let lab: PolicyLab | undefined;
let previous: PolicyPlan | undefined;
const totals = { cases: 0, probes: 0 };

test.before(async () => {
  if (!why) lab = await createPolicyLab(KEYS);
});

test.after.always(async () => {
  await lab?.destroy();
});

type Labels = Record<string, string>;

/** How the cluster differs from the default (pod=<name>, ns=<namespace>, every pod local). */
interface World {
  podLabels?: Record<string, Labels>;
  namespaceLabels?: Record<string, Labels>;
  /** Pods gone from the API (their namespaces still send and listen). */
  deleted?: string[];
  /** Pods the view knows but that run on another node. */
  remote?: string[];
}

interface End {
  ns: string;
  pod: string;
  key: string;
}

type Expect = (from: End, to: End, port: LabPort) => boolean;

/** Container ports by name; `web` is 80 on a and b but 81 on c, so named ports must resolve per pod. */
const containerPorts = (pod: string) => [
  { name: 'serve-80-tcp', containerPort: 80, protocol: 'TCP' },
  { name: 'serve-81-tcp', containerPort: 81, protocol: 'TCP' },
  { name: 'serve-80-udp', containerPort: 80, protocol: 'UDP' },
  { name: 'serve-81-udp', containerPort: 81, protocol: 'UDP' },
  { name: 'web', containerPort: pod === 'c' ? 81 : 80, protocol: 'TCP' },
];

function inputFor(policies: NetworkPolicy[], world: World): PolicyInput {
  const pods = lab!.pods
    .filter((p) => !world.deleted?.includes(p.key))
    .map((p) => ({ namespace: p.namespace, name: p.name, labels: world.podLabels?.[p.key] ?? { pod: p.name }, ips: [p.ip], ports: containerPorts(p.name) }));
  const namespaces = NAMESPACES.map((name) => ({ name, labels: world.namespaceLabels?.[name] ?? { ns: name } }));
  const localPodIps = pods.filter((p) => !world.remote?.includes(`${p.namespace}/${p.name}`)).map((p) => p.ips[0]!);
  return { policies, pods, namespaces, localPodIps };
}

const end = (p: LabPod): End => ({ ns: p.namespace, pod: p.name, key: p.key });
const portName = (p: LabPort) => `${p.protocol}/${p.port}`;

async function enforce(t: ExecutionContext, policies: NetworkPolicy[], world: World = {}) {
  const plan = compilePolicy(inputFor(policies, world));
  t.deepEqual(plan.problems, []);
  const started = performance.now();
  const result = await applyPolicy(previous, plan, { netns: lab!.nodeNetns });
  // Before any assertion (a failed one throws): the next case diffs against what the kernel has.
  previous = plan;
  t.log(`applied in ${(performance.now() - started).toFixed(0)} ms: ${result.mode}, ${result.commands} nft lines, ${result.cutConnections} connections cut`);
  t.is(result.fallback, undefined, 'the incremental update applied as it was');
  t.is(result.cutFailed, undefined);
  return result;
}

/** Probes every pair of different pods on every port and compares with `expect`. */
async function check(t: ExecutionContext, expect: Expect): Promise<void> {
  const probes = lab!.pods.flatMap((from) => lab!.pods.filter((to) => to !== from).flatMap((to) => PORTS.map((port) => ({ from, to, port }))));
  const started = performance.now();
  const outcomes = await lab!.probe(probes, PROBE_TIMEOUT_MS);
  t.log(`${probes.length} probes in ${(performance.now() - started).toFixed(0)} ms`);
  const wrong = probes.flatMap((p, i) => {
    const want = expect(end(p.from), end(p.to), p.port) ? 'ok' : 'drop';
    return outcomes[i] === want ? [] : [`${p.from.key} -> ${p.to.key} ${portName(p.port)}: expected ${want}, got ${outcomes[i]}`];
  });
  totals.cases += 1;
  totals.probes += probes.length;
  t.deepEqual(wrong, [], `${wrong.length} of ${probes.length} probes differ from the truth table`);
}

const np = (namespace: string, name: string, spec: NetworkPolicySpec): NetworkPolicy => ({ metadata: { namespace, name }, spec });
const labels = (l: Labels) => ({ matchLabels: l });
const podA = labels({ pod: 'a' });
const is = (p: LabPort, protocol: string, port?: number) => p.protocol === protocol && (port === undefined || p.port === port);

interface Case {
  title: string;
  policies: NetworkPolicy[];
  world?: World;
  expect: Expect;
}

const denyIngressX = np('x', 'deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
const fromPodB = np('x', 'from-b', { podSelector: podA, ingress: [{ from: [{ podSelector: labels({ pod: 'b' }) }] }] });
const fromNsY = np('x', 'from-y', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: labels({ ns: 'y' }) }] }] });

const CASES: Case[] = [
  { title: 'no policy: everything is allowed', policies: [], expect: () => true },
  { title: 'default deny ingress in x', policies: [denyIngressX], expect: (_f, t) => t.ns !== 'x' },
  { title: 'default deny egress in x', policies: [np('x', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] })], expect: (f) => f.ns !== 'x' },
  {
    title: 'default deny both ways in x',
    policies: [np('x', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })],
    expect: (f, t) => f.ns !== 'x' && t.ns !== 'x',
  },
  { title: 'allow all ingress in x: isolated, yet everything allowed', policies: [np('x', 'allow-all', { podSelector: {}, ingress: [{}] })], expect: () => true },
  { title: 'allow all egress in x', policies: [np('x', 'allow-all-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] })], expect: () => true },
  {
    title: 'deny all plus allow all: the union allows everything',
    policies: [denyIngressX, np('x', 'allow-all', { podSelector: {}, ingress: [{}] })],
    expect: () => true,
  },
  { title: 'podSelector picks the isolated pod: only x/a', policies: [np('x', 'deny-a', { podSelector: podA, policyTypes: ['Ingress'] })], expect: (_f, t) => t.key !== 'x/a' },
  { title: 'ingress from a podSelector: pods of the same namespace only', policies: [fromPodB], expect: (f, t) => t.key !== 'x/a' || f.key === 'x/b' },
  {
    title: 'ingress from an empty podSelector: every pod of the namespace',
    policies: [np('x', 'from-x', { podSelector: podA, ingress: [{ from: [{ podSelector: {} }] }] })],
    expect: (f, t) => t.key !== 'x/a' || f.ns === 'x',
  },
  { title: 'ingress from a namespaceSelector', policies: [fromNsY], expect: (f, t) => t.key !== 'x/a' || f.ns === 'y' },
  {
    title: 'the same policy changed to another namespace is rebuilt in place',
    policies: [np('x', 'from-y', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: labels({ ns: 'z' }) }] }] })],
    expect: (f, t) => t.key !== 'x/a' || f.ns === 'z',
  },
  {
    title: 'an empty namespaceSelector with a podSelector: those pods in every namespace',
    policies: [np('x', 'from-any-b', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: {}, podSelector: labels({ pod: 'b' }) }] }] })],
    expect: (f, t) => t.key !== 'x/a' || f.pod === 'b',
  },
  {
    title: 'namespaceSelector AND podSelector in one peer',
    policies: [np('x', 'from-y-c', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: labels({ ns: 'y' }), podSelector: labels({ pod: 'c' }) }] }] })],
    expect: (f, t) => t.key !== 'x/a' || f.key === 'y/c',
  },
  {
    title: 'two peers are OR',
    policies: [np('x', 'from-y-or-c', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: labels({ ns: 'y' }) }, { podSelector: labels({ pod: 'c' }) }] }] })],
    expect: (f, t) => t.key !== 'x/a' || f.ns === 'y' || f.key === 'x/c',
  },
  {
    title: 'matchExpressions In',
    policies: [np('x', 'from-b-c', { podSelector: podA, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] } }] }] })],
    expect: (f, t) => t.key !== 'x/a' || (f.ns === 'x' && f.pod !== 'a'),
  },
  {
    title: 'matchExpressions NotIn on namespaces',
    policies: [np('x', 'not-x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'ns', operator: 'NotIn', values: ['x'] }] } }] }] })],
    expect: (f, t) => t.key !== 'x/a' || f.ns !== 'x',
  },
  {
    title: 'matchExpressions Exists, NotIn and DoesNotExist',
    policies: [
      np('y', 'not-from-a', {
        podSelector: { matchExpressions: [{ key: 'pod', operator: 'Exists' }] },
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchExpressions: [{ key: 'ns', operator: 'Exists' }] },
                podSelector: { matchExpressions: [{ key: 'pod', operator: 'NotIn', values: ['a'] }] },
              },
            ],
          },
        ],
      }),
      np('x', 'no-role-no-egress', { podSelector: { matchExpressions: [{ key: 'role', operator: 'DoesNotExist' }] }, policyTypes: ['Egress'] }),
    ],
    expect: (f, t) => f.ns !== 'x' && (t.ns !== 'y' || f.pod !== 'a'),
  },
  {
    title: 'ipBlock with except (ingress)',
    // x/a .10, x/b .11, x/c .12, y/a .13, y/b .14, y/c .15, z/a .16, z/b .17, z/c .18
    policies: [np('x', 'block', { podSelector: podA, ingress: [{ from: [{ ipBlock: { cidr: '10.42.0.0/24', except: ['10.42.0.12/30'] } }] }] })],
    expect: (f, t) => t.key !== 'x/a' || !['x/c', 'y/a', 'y/b', 'y/c'].includes(f.key),
  },
  {
    title: 'ipBlock (egress)',
    policies: [np('x', 'to-block', { podSelector: podA, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.42.0.16/30' } }] }] })],
    expect: (f, t) => f.key !== 'x/a' || t.ns === 'z',
  },
  {
    title: 'two ipBlocks, one with two excepts',
    policies: [
      np('x', 'blocks', {
        podSelector: podA,
        ingress: [{ from: [{ ipBlock: { cidr: '10.42.0.8/29', except: ['10.42.0.12/31', '10.42.0.15/32'] } }, { ipBlock: { cidr: '10.42.0.18/32' } }] }],
      }),
    ],
    expect: (f, t) => t.key !== 'x/a' || ['x/b', 'y/b', 'z/c'].includes(f.key),
  },
  {
    title: 'ipBlock 0.0.0.0/0 except the pod network allows no pod',
    policies: [np('x', 'outside', { podSelector: podA, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.42.0.0/24'] } }] }] })],
    expect: (f) => f.key !== 'x/a',
  },
  { title: 'ingress port by number: TCP 80', policies: [np('x', 'tcp80', { podSelector: podA, ingress: [{ ports: [{ port: 80 }] }] })], expect: (_f, t, p) => t.key !== 'x/a' || is(p, 'tcp', 80) },
  {
    title: 'ingress UDP 81 only',
    policies: [np('x', 'udp81', { podSelector: podA, ingress: [{ ports: [{ protocol: 'UDP', port: 81 }] }] })],
    expect: (_f, t, p) => t.key !== 'x/a' || is(p, 'udp', 81),
  },
  {
    title: 'a protocol without a port: every UDP port',
    policies: [np('x', 'udp', { podSelector: podA, ingress: [{ ports: [{ protocol: 'UDP' }] }] })],
    expect: (_f, t, p) => t.key !== 'x/a' || is(p, 'udp'),
  },
  {
    title: 'endPort: TCP 80-81',
    policies: [np('x', 'range', { podSelector: podA, ingress: [{ ports: [{ port: 80, endPort: 81 }] }] })],
    expect: (_f, t, p) => t.key !== 'x/a' || is(p, 'tcp'),
  },
  {
    title: 'endPort: UDP 79-80',
    policies: [np('x', 'range-udp', { podSelector: podA, ingress: [{ ports: [{ protocol: 'UDP', port: 79, endPort: 80 }] }] })],
    expect: (_f, t, p) => t.key !== 'x/a' || is(p, 'udp', 80),
  },
  {
    title: 'egress port by number: TCP 81, not UDP 81',
    policies: [np('x', 'egress-tcp81', { podSelector: podA, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'TCP', port: 81 }] }] })],
    expect: (f, _t, p) => f.key !== 'x/a' || is(p, 'tcp', 81),
  },
  {
    title: 'named ports on ingress',
    policies: [np('x', 'named', { podSelector: podA, ingress: [{ ports: [{ port: 'serve-81-tcp' }, { protocol: 'UDP', port: 'serve-80-udp' }] }] })],
    expect: (_f, t, p) => t.key !== 'x/a' || is(p, 'tcp', 81) || is(p, 'udp', 80),
  },
  {
    title: 'a named port with another protocol resolves to nothing',
    policies: [np('x', 'named-wrong-protocol', { podSelector: podA, ingress: [{ ports: [{ protocol: 'UDP', port: 'serve-80-tcp' }] }] })],
    expect: (_f, t) => t.key !== 'x/a',
  },
  {
    title: 'a named port is resolved on each receiving pod (ingress)',
    policies: [np('x', 'web-in', { podSelector: {}, ingress: [{ ports: [{ port: 'web' }] }] })],
    expect: (_f, t, p) => t.ns !== 'x' || is(p, 'tcp', t.pod === 'c' ? 81 : 80),
  },
  {
    title: 'a named port is resolved on each peer (egress)',
    policies: [np('x', 'web-out', { podSelector: podA, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'web' }] }] })],
    expect: (f, t, p) => f.key !== 'x/a' || is(p, 'tcp', t.pod === 'c' ? 81 : 80),
  },
  {
    title: 'ingress and egress rules in one policy',
    policies: [
      np('x', 'both', {
        podSelector: podA,
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ namespaceSelector: labels({ ns: 'y' }) }] }],
        egress: [{ to: [{ namespaceSelector: labels({ ns: 'z' }) }] }],
      }),
    ],
    expect: (f, t) => (t.key !== 'x/a' || f.ns === 'y') && (f.key !== 'x/a' || t.ns === 'z'),
  },
  {
    title: 'policyTypes [Ingress] ignores egress rules',
    policies: [np('x', 'ingress-only', { podSelector: podA, policyTypes: ['Ingress'], egress: [{ to: [{ namespaceSelector: labels({ ns: 'z' }) }] }] })],
    expect: (_f, t) => t.key !== 'x/a',
  },
  {
    title: 'policyTypes [Egress] ignores ingress rules',
    policies: [np('x', 'egress-only', { podSelector: podA, policyTypes: ['Egress'], ingress: [{ from: [{ namespaceSelector: labels({ ns: 'y' }) }] }] })],
    expect: (f) => f.key !== 'x/a',
  },
  {
    title: 'no policyTypes but egress rules: both directions isolated',
    policies: [np('x', 'implicit', { podSelector: podA, egress: [{ to: [{ namespaceSelector: labels({ ns: 'z' }) }] }] })],
    expect: (f, t) => t.key !== 'x/a' && (f.key !== 'x/a' || t.ns === 'z'),
  },
  {
    title: 'union of two policies on one pod',
    policies: [
      np('x', 'y-tcp80', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: labels({ ns: 'y' }) }], ports: [{ port: 80 }] }] }),
      np('x', 'z-udp81', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: labels({ ns: 'z' }) }], ports: [{ protocol: 'UDP', port: 81 }] }] }),
    ],
    expect: (f, t, p) => t.key !== 'x/a' || (f.ns === 'y' && is(p, 'tcp', 80)) || (f.ns === 'z' && is(p, 'udp', 81)),
  },
  {
    title: 'union of a namespace-wide deny and a pod allow',
    policies: [denyIngressX, fromPodB],
    expect: (f, t) => t.ns !== 'x' || (t.key === 'x/a' && f.key === 'x/b'),
  },
  { title: 'a policy in y does not touch x', policies: [np('y', 'deny-a', { podSelector: podA, policyTypes: ['Ingress'] })], expect: (_f, t) => t.key !== 'y/a' },
  {
    title: 'replies pass both ways: established traffic is accepted before any isolation',
    policies: [
      np('x', 'a-to-y-b', { podSelector: podA, policyTypes: ['Ingress', 'Egress'], egress: [{ to: [{ namespaceSelector: labels({ ns: 'y' }), podSelector: labels({ pod: 'b' }) }] }] }),
      np('y', 'b-from-x-a', { podSelector: labels({ pod: 'b' }), policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ namespaceSelector: labels({ ns: 'x' }), podSelector: podA }] }] }),
    ],
    // x/a accepts nothing and y/b sends nothing, yet y/b's answers reach x/a.
    expect: (f, t) => (f.key === 'x/a' ? t.key === 'y/b' : t.key === 'y/b' ? f.key === 'x/a' : t.key !== 'x/a' && f.key !== 'y/b'),
  },
  {
    title: 'pods on other nodes are not enforced here',
    policies: [np('z', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })],
    world: { remote: ['z/a', 'z/b', 'z/c'] },
    expect: () => true,
  },
  {
    title: 'peers are resolved from pods on other nodes too',
    policies: [np('x', 'from-z', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: labels({ ns: 'z' }) }] }] })],
    world: { remote: ['z/a', 'z/b', 'z/c'] },
    expect: (f, t) => t.key !== 'x/a' || f.ns === 'z',
  },
  { title: 'before a pod label change: from pod=b', policies: [fromPodB], expect: (f, t) => t.key !== 'x/a' || f.key === 'x/b' },
  {
    title: 'a pod label change: x/c becomes pod=b',
    policies: [fromPodB],
    world: { podLabels: { 'x/c': { pod: 'b' } } },
    expect: (f, t) => t.key !== 'x/a' || f.key === 'x/b' || f.key === 'x/c',
  },
  { title: 'before a namespace label change: from ns=y', policies: [fromNsY], expect: (f, t) => t.key !== 'x/a' || f.ns === 'y' },
  {
    title: 'a namespace label change: z becomes ns=y',
    policies: [fromNsY],
    world: { namespaceLabels: { z: { ns: 'y' } } },
    expect: (f, t) => t.key !== 'x/a' || f.ns === 'y' || f.ns === 'z',
  },
  {
    title: 'a label change takes a pod out of a policy: x/a becomes pod=d',
    policies: [np('x', 'deny-a', { podSelector: podA, policyTypes: ['Ingress'] })],
    world: { podLabels: { 'x/a': { pod: 'd' } } },
    expect: () => true,
  },
  {
    title: 'pod deletion removes it from peer sets',
    policies: [fromPodB],
    world: { deleted: ['x/b'] },
    expect: (_f, t) => t.key !== 'x/a',
  },
  {
    title: 'deleting an isolated pod ends its isolation',
    policies: [np('y', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })],
    world: { deleted: ['y/a'] },
    expect: (_f, t) => t.ns !== 'y' || t.key === 'y/a',
  },
  {
    title: 'an empty namespaceSelector and podSelector: every pod everywhere',
    policies: [np('x', 'from-all-pods', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {}, podSelector: {} }] }] })],
    expect: () => true,
  },
];

for (const c of CASES) {
  kTest(`truth table: ${c.title}`, async (t) => {
    await enforce(t, c.policies, c.world);
    await check(t, c.expect);
  });
}

kTest('a pod label change is one set element in one transaction, not a rebuild', async (t) => {
  await enforce(t, [fromPodB]);
  const result = await enforce(t, [fromPodB], { podLabels: { 'x/c': { pod: 'b' } } });
  t.deepEqual([result.mode, result.commands], ['incremental', 1]);
  await check(t, (f, to) => to.key !== 'x/a' || f.key === 'x/b' || f.key === 'x/c');
});

kTest('the node reaches isolated pods (kubelet probes); isolated egress covers the node', async (t) => {
  await enforce(t, [np('x', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })]);
  const x = lab!.pods.filter((p) => p.namespace === 'x');
  const y = lab!.pod('y/a');
  const probes = [
    ...x.flatMap((p) => PORTS.map((port) => ({ from: 'node' as const, to: p, port }))),
    ...x.flatMap((p) => PORTS.map((port) => ({ from: p, to: 'node' as const, port }))),
    ...PORTS.map((port) => ({ from: y, to: 'node' as const, port })),
  ];
  const outcomes = await lab!.probe(probes, PROBE_TIMEOUT_MS);
  totals.probes += probes.length;
  const want = probes.map((p) => (p.from === 'node' || p.from === y ? 'ok' : 'drop'));
  t.deepEqual(outcomes, want);
});

kTest('a narrowed policy cuts the established connections it refuses, and only those', async (t) => {
  const wide = np('x', 'conn', { podSelector: podA, ingress: [{ from: [{ podSelector: labels({ pod: 'b' }) }, { podSelector: labels({ pod: 'c' }) }] }] });
  await enforce(t, [wide]);
  const [a, b, c] = ['x/a', 'x/b', 'x/c'].map((key) => lab!.pod(key));
  const connections = { 'b-a-80': [b!, 80], 'b-a-81': [b!, 81], 'c-a-80': [c!, 80] } as const;
  for (const [id, [from, port]] of Object.entries(connections)) {
    t.is(await lab!.open(id, from, a!, port, 1000), 'ok', id);
    t.is(await lab!.send(id, 1000), 'ok', id);
  }
  // x/b keeps port 81 only, x/c loses everything. Without the cut, established traffic would flow on.
  const narrowed = np('x', 'conn', { podSelector: podA, ingress: [{ from: [{ podSelector: labels({ pod: 'b' }) }], ports: [{ port: 81 }] }] });
  const result = await enforce(t, [narrowed]);
  t.true(result.cutConnections >= 2, `cut ${result.cutConnections}`);
  t.is(await lab!.send('b-a-80', PROBE_TIMEOUT_MS), 'drop');
  t.is(await lab!.send('c-a-80', PROBE_TIMEOUT_MS), 'drop');
  t.is(await lab!.send('b-a-81', 1000), 'ok', 'the connection still allowed keeps flowing');
  for (const id of Object.keys(connections)) await lab!.close(id);
});

kTest('a table changed behind the plan is rebuilt from it', async (t) => {
  await enforce(t, [denyIngressX]);
  // As `nft flush ruleset` by someone else would leave it.
  const deleted = await runTool(lab!.nodeNetns, 'nft', ['delete', 'table', 'inet', 'skerry-policy']);
  t.is(deleted.code, 0, deleted.stderr);
  const plan = compilePolicy(inputFor([fromNsY], {}));
  const result = await applyPolicy(previous, plan, { netns: lab!.nodeNetns });
  previous = plan;
  t.is(result.mode, 'full');
  t.regex(result.fallback ?? '', /nft -f - in .* failed/);
  await check(t, (f, to) => to.key !== 'x/a' || f.ns === 'y');
});

kTest('10,000 peer addresses cost what one does: same rules, one set', async (t) => {
  const world: World = {};
  const base = inputFor([fromNsY], world);
  // 10,000 pods of namespace y on other nodes (addresses outside the lab), plus the lab's pods.
  const many = Array.from({ length: 10_000 }, (_, i) => ({ namespace: 'y', name: `far-${i}`, labels: { pod: 'far' }, ips: [`10.99.${i >> 8}.${i & 255}`], ports: [] }));
  const one = compilePolicy({ ...base, pods: [...base.pods, ...many.slice(0, 1)] });
  const big = compilePolicy({ ...base, pods: [...base.pods, ...many] });
  const rulesOf = (plan: PolicyPlan) => Object.values(renderPlan(plan).chains).reduce((n, c) => n + c.rules.length, 0);
  t.is(rulesOf(big), rulesOf(one), 'the chains do not grow with the peers');
  let started = performance.now();
  await applyPolicy(previous, one, { netns: lab!.nodeNetns });
  const applyOne = performance.now() - started;
  started = performance.now();
  const grown = await applyPolicy(one, big, { netns: lab!.nodeNetns });
  const applyBig = performance.now() - started;
  previous = big;
  t.is(grown.mode, 'incremental');
  const timeProbes = async () => {
    const probes = lab!.pods.filter((p) => p.namespace === 'y').flatMap((from) => Array.from({ length: 20 }, () => ({ from, to: lab!.pod('x/a'), port: PORTS[0] })));
    const s = performance.now();
    const outcomes = await lab!.probe(probes, 2000);
    t.true(outcomes.every((o) => o === 'ok'));
    return performance.now() - s;
  };
  const withBig = await timeProbes();
  await applyPolicy(big, one, { netns: lab!.nodeNetns });
  previous = one;
  const withOne = await timeProbes();
  t.log(`apply 1 peer: ${applyOne.toFixed(0)} ms; add 9,999 peers: ${applyBig.toFixed(0)} ms; 60 connections through the policy: ${withOne.toFixed(0)} ms with 1 peer, ${withBig.toFixed(0)} ms with 10,000`);
});

kTest('summary: cases and probes', (t) => {
  t.log(`${totals.cases} truth-table cases, ${totals.probes} probes`);
  t.true(totals.cases >= 40);
});
