/**
 * Parts 2 and 5 of the network bench, NetworkPolicy on the server pod's node:
 *
 * - the data path: small UDP datagrams and one TCP stream from a pod on the other node, with
 *   no policy and with one whose ingress peers are 10,000 pod addresses (the client among
 *   them), round by round;
 * - the control path: 1,000 pods in 20 namespaces with two policies each, a change that
 *   stops two real client pods (one on each node) from reaching the server, timed from the
 *   applyPolicy call to the first connection attempt that is dropped, and an established
 *   connection that the same change cuts (conntrack).
 */
import { applyPolicy, compilePolicy, deletePolicyTable, type NetworkPolicy, type PolicyInput, type PolicyPlan, type PolicyPod } from '../../network/policy/index.ts';
import type { Lab } from '../../test/lab/index.ts';
import { ECHO_PORT, type BenchPod } from './network-lab.ts';
import { connectLatencies, connects, startProber, startStream, tcpThroughput, udpRate, type ProbeOutcome, type StreamResult, type TcpRun, type UdpRun } from './network-probes.ts';
import { middle } from './network-stats.ts';
import { summarize, type Summary } from './stats.ts';

const NAMESPACE = 'bench';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const pod = (namespace: string, name: string, ip: string, labels: Record<string, string>): PolicyPod => ({ namespace, name, labels, ips: [ip], ports: [] });

function policy(namespace: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy {
  return { metadata: { namespace, name }, spec };
}

function compiled(input: PolicyInput): PolicyPlan {
  const plan = compilePolicy(input);
  if (plan.problems.length > 0) throw new Error(`policy view: ${plan.problems.join('; ')}`);
  return plan;
}

export interface DataPathPods {
  client: BenchPod;
  server: BenchPod;
  /** On the server's node, not a peer: its connections must be dropped while the policy holds. */
  outsider: BenchPod;
}

/** The server selected by one policy whose ingress peers are `peers` pod addresses, the client's among them. */
export function manyPeersPlan(pods: DataPathPods, peers: number): PolicyPlan {
  const far = Array.from({ length: peers - 1 }, (_, i) => pod(NAMESPACE, `far-${i}`, `10.60.${i >> 8}.${i & 255}`, { role: 'client' }));
  return compiled({
    policies: [policy(NAMESPACE, 'server-peers', { podSelector: { matchLabels: { app: 'server' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }] })],
    pods: [
      ...far,
      pod(NAMESPACE, pods.client.name, pods.client.ip, { role: 'client' }),
      pod(NAMESPACE, pods.server.name, pods.server.ip, { app: 'server' }),
      pod(NAMESPACE, pods.outsider.name, pods.outsider.ip, { role: 'outsider' }),
    ],
    namespaces: [{ name: NAMESPACE, labels: {} }],
    localPodIps: [pods.server.ip, pods.outsider.ip],
  });
}

export interface DataPathSettings {
  /** Pairs of UDP runs (no policy, policy), short: the rate swings with whatever else runs. */
  udpRounds: number;
  udpSeconds: number;
  /** Pairs of TCP runs, each followed by the connects. */
  tcpRounds: number;
  tcpSeconds: number;
  omit: number;
  datagramBytes: number;
  peers: number;
  connects: number;
}

interface Case {
  udp: UdpRun[];
  tcp: TcpRun[];
  connectMs: number[];
}

export interface DataPathResult {
  noPolicy: Case;
  policy: Case;
  pps: { noPolicy: number; policy: number };
  mbits: { noPolicy: number; policy: number };
  connect: { noPolicy: Summary; policy: Summary };
  apply: { ms: number[]; commands: number; elements: number };
  /** What the policy let through while it held: the client yes, the outsider no. */
  checks: { client: string; outsider: string };
}

/** Rounds of [no policy, 10,000-peer policy] (order alternating), each: a UDP rate, and in the first tcpRounds a TCP stream and connects. */
export async function measureDataPath(lab: Lab, pods: DataPathPods, settings: DataPathSettings, progress: (m: string) => void): Promise<DataPathResult> {
  const netns = pods.server.node.host.netnsPath;
  const plan = manyPeersPlan(pods, settings.peers);
  const elements = Object.values(plan.chains).flatMap((c) => c.rules).reduce((n, r) => n + (r.peers?.pods?.length ?? 0), 0);
  const cases: Record<'noPolicy' | 'policy', Case> = { noPolicy: { udp: [], tcp: [], connectMs: [] }, policy: { udp: [], tcp: [], connectMs: [] } };
  const applyMs: number[] = [];
  let commands = 0;
  let checks = { client: '', outsider: '' };
  const echoTarget = `${pods.server.ip}:${ECHO_PORT}`;
  const rounds = Math.max(settings.udpRounds, settings.tcpRounds);
  try {
    for (let round = 0; round < rounds; round++) {
      const order: Array<'noPolicy' | 'policy'> = round % 2 === 0 ? ['noPolicy', 'policy'] : ['policy', 'noPolicy'];
      for (const kind of order) {
        if (kind === 'policy') {
          const t0 = performance.now();
          commands = (await applyPolicy(undefined, plan, { netns })).commands;
          applyMs.push(performance.now() - t0);
          if (round === 0) {
            checks = { client: await connects(lab, pods.client, pods.server.ip, ECHO_PORT, 1000), outsider: await connects(lab, pods.outsider, pods.server.ip, ECHO_PORT, 300) };
            if (checks.client !== 'ok' || checks.outsider !== 'drop') throw new Error(`the ${settings.peers}-peer policy does not hold: client ${checks.client} (want ok), outsider ${checks.outsider} (want drop)`);
          }
        } else {
          await deletePolicyTable({ netns });
        }
        const c = cases[kind];
        if (round < settings.udpRounds) c.udp.push(await udpRate(lab, pods.client, pods.server.ip, settings.udpSeconds, settings.datagramBytes));
        if (round < settings.tcpRounds) {
          c.tcp.push(await tcpThroughput(lab, pods.client, pods.server.ip, settings.tcpSeconds, settings.omit));
          const latencies = await connectLatencies(lab, pods.client, settings.connects, [echoTarget]);
          // The first few pay for ARP and cold caches.
          c.connectMs.push(...(latencies.samples[echoTarget] ?? []).slice(5));
        }
      }
      const last = (k: 'noPolicy' | 'policy') => `${(cases[k].udp.at(-1)!.receivedPps / 1000).toFixed(0)} kpps${round < settings.tcpRounds ? `, ${cases[k].tcp.at(-1)!.mbits.toFixed(0)} Mbit/s` : ''}`;
      progress(`policy data path round ${round + 1}/${rounds}: no policy ${last('noPolicy')}; ${settings.peers} peers ${last('policy')}`);
    }
  } finally {
    await deletePolicyTable({ netns });
  }
  const pps = (c: Case) => middle(c.udp.map((u) => u.receivedPps));
  const mbits = (c: Case) => middle(c.tcp.map((t) => t.mbits));
  return {
    ...cases,
    pps: { noPolicy: pps(cases.noPolicy), policy: pps(cases.policy) },
    mbits: { noPolicy: mbits(cases.noPolicy), policy: mbits(cases.policy) },
    connect: { noPolicy: summarize(cases.noPolicy.connectMs), policy: summarize(cases.policy.connectMs) },
    apply: { ms: applyMs, commands, elements },
    checks,
  };
}

// ---------------------------------------------------------------------------------------
// Part 5: from a policy change to enforcement.

export interface EnforcementPods {
  server: BenchPod;
  /** On the other node. */
  remoteClient: BenchPod;
  /** On the server's node. */
  localClient: BenchPod;
}

const NAMESPACES = 20;
const PODS_PER_NAMESPACE = 50;
const LOCAL_PER_NAMESPACE = 5;

/**
 * 1,000 pods (20 namespaces × 50, 5 of each on the server's node, the rest elsewhere) plus the
 * three real ones in bench-0; per namespace a default deny and `allow-clients` (app=server
 * from role=client on TCP 8080). `narrowed` requires tier=trusted in bench-0's
 * allow-clients, which the real clients lack.
 */
export function enforcementInput(pods: EnforcementPods, narrowed: boolean): PolicyInput {
  const all: PolicyPod[] = [];
  const local: string[] = [];
  const nodeNet = pods.server.ip.split('.').slice(0, 3).join('.');
  for (let n = 0; n < NAMESPACES; n++) {
    for (let j = 0; j < PODS_PER_NAMESPACE; j++) {
      const isLocal = j < LOCAL_PER_NAMESPACE;
      // Local ones from .100 up: the bench's real pods got the lowest addresses of the node.
      const ip = isLocal ? `${nodeNet}.${100 + n * LOCAL_PER_NAMESPACE + j}` : `10.42.${100 + n}.${j + 2}`;
      if (isLocal) local.push(ip);
      all.push(pod(`bench-${n}`, `p-${j}`, ip, { ...(j % 10 === 0 ? { app: 'server' } : { role: 'client' }), ...(j % 2 === 1 ? { tier: 'trusted' } : {}) }));
    }
  }
  all.push(
    pod('bench-0', pods.server.name, pods.server.ip, { app: 'server' }),
    pod('bench-0', pods.remoteClient.name, pods.remoteClient.ip, { role: 'client' }),
    pod('bench-0', pods.localClient.name, pods.localClient.ip, { role: 'client' }),
  );
  local.push(pods.server.ip, pods.localClient.ip);
  const policies: NetworkPolicy[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `bench-${n}`;
    const from = { matchLabels: { role: 'client', ...(narrowed && n === 0 ? { tier: 'trusted' } : {}) } };
    policies.push(
      policy(ns, 'default-deny', { podSelector: {}, policyTypes: ['Ingress'] }),
      policy(ns, 'allow-clients', { podSelector: { matchLabels: { app: 'server' } }, ingress: [{ from: [{ podSelector: from }], ports: [{ protocol: 'TCP', port: ECHO_PORT }] }] }),
    );
  }
  return { policies, pods: all, namespaces: Array.from({ length: NAMESPACES }, (_, n) => ({ name: `bench-${n}`, labels: { name: `bench-${n}` } })), localPodIps: local };
}

export interface EnforcementSettings {
  rounds: number;
  /** How long each prober runs; the change comes `leadMs` after they start. */
  probeSeconds: number;
  leadMs: number;
  probeTimeoutMs: number;
  probeGapMs: number;
  streamGapMs: number;
}

/** What became of an established connection when the change refused it. */
export interface CutOutcome {
  /** From the applyPolicy call to the first send whose echo never came or came late (ms). */
  stalledAfterMs: number;
  /** When a stalled connection got an echo through again (ms from the call): the cut did not hold. */
  resumedAfterMs?: number;
  /** It never stalled, or it resumed: the connection outlived the policy that refuses it. */
  survived: boolean;
  exchanges: number;
}

export interface EnforcementRound {
  applyMs: number;
  mode: string;
  commands: number;
  cutConnections: number;
  /** From the applyPolicy call to the first dropped attempt after the last successful one, per prober. */
  blockedAfterMs: { remote: number; local: number };
  /** The established connection of each client. */
  cut: { remote: CutOutcome; local: CutOutcome };
  attempts: { remote: number; local: number };
}

export interface EnforcementResult {
  pods: number;
  policies: number;
  localPods: number;
  fullCommands: number;
  fullApplyMs: number;
  compileMs: number;
  rounds: EnforcementRound[];
}

/** When a prober saw the block: the first non-ok attempt after the last ok one, relative to t0 (ms). */
function blockedAfter(outcomes: ProbeOutcome[], t0: number, who: string): number {
  const lastOk = outcomes.map((o) => o[1]).lastIndexOf('ok');
  if (lastOk < 0) throw new Error(`${who}: no connection got through even before the change`);
  if (outcomes[lastOk]![0] * 1000 < t0 - 1000) throw new Error(`${who}: connections stopped more than a second before the change`);
  const first = outcomes[lastOk + 1];
  if (!first) return Number.NaN; // never blocked
  const bad = outcomes.slice(lastOk + 1).find((o) => o[1] !== 'drop');
  if (bad) throw new Error(`${who}: after the change a connection ended with ${bad[1]}, not a silent drop`);
  return first[0] * 1000 - t0;
}

/** An echo later than this is a stall: a dropped segment waits for a retransmission timeout (≥ 200 ms). */
export const STALL_MS = 150;

/** Where the established connection stalled after t0, and whether it came back. */
function cutOutcome(stream: StreamResult, t0: number, who: string): CutOutcome {
  const ms = (epochSeconds: number) => epochSeconds * 1000;
  const before = stream.exchanges.filter(([, echoed]) => echoed !== null && ms(echoed) < t0);
  if (before.length === 0) throw new Error(`${who}: the established connection carried nothing before the change`);
  const stall = stream.exchanges.findIndex(([sent, echoed]) => (echoed === null || ms(echoed) - ms(sent) > STALL_MS) && (echoed === null || ms(echoed) > t0));
  if (stall < 0) return { stalledAfterMs: Number.NaN, survived: true, exchanges: stream.exchanges.length };
  const [sent, echoed] = stream.exchanges[stall]!;
  const outcome: CutOutcome = { stalledAfterMs: ms(sent) - t0, survived: echoed !== null, exchanges: stream.exchanges.length };
  if (echoed !== null) outcome.resumedAfterMs = ms(echoed) - t0;
  return outcome;
}

export async function measureEnforcement(lab: Lab, pods: EnforcementPods, settings: EnforcementSettings, progress: (m: string) => void): Promise<EnforcementResult> {
  const netns = pods.server.node.host.netnsPath;
  const c0 = performance.now();
  const openInput = enforcementInput(pods, false);
  const open = compiled(openInput);
  const closed = compiled(enforcementInput(pods, true));
  const compileMs = (performance.now() - c0) / 2;
  const rounds: EnforcementRound[] = [];
  const target = [pods.server.ip, ECHO_PORT] as const;
  try {
    const f0 = performance.now();
    const full = await applyPolicy(undefined, open, { netns });
    const fullApplyMs = performance.now() - f0;
    for (let round = 0; round < settings.rounds; round++) {
      for (const client of [pods.remoteClient, pods.localClient]) {
        const check = await connects(lab, client, ...target, 1000);
        if (check !== 'ok') throw new Error(`before the change ${client.name} cannot reach the server: ${check}`);
      }
      const streamSeconds = settings.probeSeconds + 0.5;
      const streams = { remote: await startStream(lab, pods.remoteClient, ...target, streamSeconds, settings.streamGapMs), local: await startStream(lab, pods.localClient, ...target, streamSeconds, settings.streamGapMs) };
      const probers = {
        remote: await startProber(lab, pods.remoteClient, ...target, settings.probeSeconds, settings.probeTimeoutMs, settings.probeGapMs),
        local: await startProber(lab, pods.localClient, ...target, settings.probeSeconds, settings.probeTimeoutMs, settings.probeGapMs),
      };
      await sleep(settings.leadMs);
      // Epoch milliseconds, as the probers' time.time() (both read CLOCK_REALTIME).
      const t0 = performance.timeOrigin + performance.now();
      const result = await applyPolicy(open, closed, { netns });
      const applyMs = performance.timeOrigin + performance.now() - t0;
      const [remoteOutcomes, localOutcomes, remoteStream, localStream] = await Promise.all([probers.remote.result, probers.local.result, streams.remote.result, streams.local.result]);
      const r: EnforcementRound = {
        applyMs,
        mode: result.mode,
        commands: result.commands,
        cutConnections: result.cutConnections,
        blockedAfterMs: { remote: blockedAfter(remoteOutcomes, t0, 'remote client'), local: blockedAfter(localOutcomes, t0, 'local client') },
        cut: { remote: cutOutcome(remoteStream, t0, 'remote client'), local: cutOutcome(localStream, t0, 'local client') },
        attempts: { remote: remoteOutcomes.length, local: localOutcomes.length },
      };
      rounds.push(r);
      const cutText = (c: CutOutcome) => (Number.isNaN(c.stalledAfterMs) ? 'NEVER (kept flowing)' : `${c.stalledAfterMs.toFixed(0)} ms${c.resumedAfterMs === undefined ? '' : `, RESUMED at ${c.resumedAfterMs.toFixed(0)} ms`}`);
      progress(
        `policy change round ${round + 1}/${settings.rounds}: applyPolicy ${r.applyMs.toFixed(0)} ms (${r.mode}, ${r.commands} nft commands, ${r.cutConnections} conntrack entries cut); ` +
          `new connections dropped after ${r.blockedAfterMs.remote.toFixed(0)} ms (remote), ${r.blockedAfterMs.local.toFixed(0)} ms (local); established connection stalled after ${cutText(r.cut.remote)} (remote), ${cutText(r.cut.local)} (local)`,
      );
      await applyPolicy(closed, open, { netns });
    }
    return {
      pods: openInput.pods.length,
      policies: openInput.policies.length,
      localPods: openInput.localPodIps.length,
      fullCommands: full.commands,
      fullApplyMs,
      compileMs,
      rounds,
    };
  } finally {
    await deletePolicyTable({ netns });
  }
}
