/**
 * The pod network (issue 7, point 7), side by side in one run, all inside one test/lab lab
 * (namespaces joined by an underlay bridge; nothing in the host's own namespace):
 *
 * 1. one TCP stream and ping round trips: host↔host over the underlay (the floor), a
 *    hand-built kernel VXLAN pair (the floor for any VXLAN overlay), the same pod topology
 *    built by hand over that pair, pod↔pod across two nodes with the overlay in 'auto'
 *    (direct routing) and in 'vxlan' mode; and each path's CPU per Gbit at a fixed rate;
 * 2. 64-byte UDP datagrams, a TCP stream and connects from a pod to a pod on another node,
 *    without a NetworkPolicy and with one whose ingress peers are 10,000 pod addresses;
 * 3. connect+request latency to a ClusterIP with 10,000 Services programmed, against the pod
 *    address directly;
 * 4. ADD and DEL of 100 pod networks, built-in chain against the reference plugins;
 * 5. a policy change among 1,000 pods: from the applyPolicy call until new connections are
 *    dropped, the nft commands it took, and an established connection cut.
 *
 * Pods are lab netns's wired by the built-in CNI plugin into their node's netns; every node
 * has its forwarding table and overlay synced through network/overlay. Needs root, iperf3,
 * python3, conntrack, nft, br_netfilter, VXLAN, the reference plugins in /usr/lib/cni and the
 * native addon. All namespaces share one kernel and this machine's CPUs: every number here
 * is CPU cost, not NIC speed.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createLab, labUnavailable, type Lab } from '../../test/lab/index.ts';
import { REFERENCE_PLUGINS, measureCni, type ChainKind, type ChainRound } from './network-cni.ts';
import { addPod, handBuiltPods, handBuiltVxlan, makeNode, startIperfServer, syncPair, tool, TOOLS } from './network-lab.ts';
import { measurePaths, type PathId, type PathResult } from './network-paths.ts';
import { startEchoServer } from './network-probes.ts';
import { measureDataPath, measureEnforcement, STALL_MS, type DataPathResult, type EnforcementResult } from './network-policy.ts';
import { measureServices, type ServiceResult } from './network-services.ts';
import type { Bench, BenchContext, BenchResult, ResultRow } from './report.ts';
import { middle, pairedRatios } from './network-stats.ts';
import { median } from './stats.ts';

const TARGETS = {
  /** Pod↔pod TCP across nodes in auto mode ≥ this × host↔host. */
  autoVsUnderlay: 0.9,
  /** Pod↔pod TCP in vxlan mode ≥ this × the hand-built VXLAN pair (within 5 %). */
  vxlanVsHandBuilt: 0.95,
  /** 64-byte UDP rate through a 10,000-peer policy ≥ this × without. */
  policyPps: 0.9,
  /** Connect+request p50 via a ClusterIP (10,000 Services) ≤ this × to the pod directly. */
  clusterIpVsDirect: 1.2,
  /** Built-in chain ADD per pod, ms. */
  builtinAddMs: 5,
  /** From applyPolicy to the block, and to the cut of an established connection, ms. */
  enforcementMs: 1000,
};

const ADDON = fileURLToPath(new URL('../../native/build/Release/skerry.node', import.meta.url));

function settingsFor(quick: boolean) {
  return {
    paths: { rounds: quick ? 1 : 4, seconds: quick ? 1 : 2, omit: quick ? 0 : 1, pings: quick ? 50 : 200, pingIntervalMs: 5, costRateGbit: 8 },
    dataPath: { udpRounds: quick ? 2 : 10, udpSeconds: 1, tcpRounds: quick ? 1 : 4, tcpSeconds: quick ? 1 : 2, omit: quick ? 0 : 1, datagramBytes: 64, peers: 10_000, connects: quick ? 100 : 300 },
    services: { services: 10_000, connects: quick ? 200 : 1000 },
    cni: { pods: quick ? 20 : 100, rounds: quick ? 1 : 3 },
    enforcement: { rounds: quick ? 2 : 5, probeSeconds: 2, leadMs: 400, probeTimeoutMs: 100, probeGapMs: 2, streamGapMs: 5 },
  };
}

function checkPrerequisites(): void {
  if (process.getuid?.() !== 0) throw new Error('the network bench needs root (network namespaces, nft, conntrack); run it as root');
  const lab = labUnavailable();
  if (lab) throw new Error(`the network bench needs the lab: ${lab}`);
  for (const name of Object.keys(TOOLS) as Array<keyof typeof TOOLS>) tool(name);
  if (!fs.existsSync('/proc/sys/net/bridge')) throw new Error('br_netfilter is not loaded (modprobe br_netfilter): bridged pod traffic would bypass the nft hooks');
  if (!fs.existsSync('/sys/module/vxlan') && !fs.existsSync(`/lib/modules/${os.release()}/kernel/drivers/net/vxlan`)) throw new Error('the kernel has no VXLAN (CONFIG_VXLAN)');
  const missing = REFERENCE_PLUGINS.filter((p) => !fs.existsSync(`/usr/lib/cni/${p}`));
  if (missing.length > 0) throw new Error(`reference CNI plugins missing in /usr/lib/cni: ${missing.join(', ')} (Debian package containernetworking-plugins)`);
  if (!fs.existsSync(ADDON) && !process.env.SKERRY_ADDON) throw new Error(`${ADDON} is missing; run \`npm run install\` (the built-in plugin needs the addon)`);
}

function versionOf(command: string, args: string[], pattern: RegExp): string {
  try {
    const out = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return pattern.exec(out)?.[1] ?? out.split('\n')[0]!.trim();
  } catch (error) {
    const out = String((error as { stdout?: string }).stdout ?? '');
    return pattern.exec(out)?.[1] ?? 'unknown';
  }
}

interface Measured {
  paths: Record<PathId, PathResult>;
  dataPath: DataPathResult;
  services: ServiceResult;
  cni: Record<ChainKind, ChainRound[]>;
  enforcement: EnforcementResult;
  topology: Record<string, unknown>;
}

async function measure(lab: Lab, context: BenchContext, s: ReturnType<typeof settingsFor>): Promise<Measured> {
  const { progress } = context;
  const [h0, h1, h2, h3, h4, h5] = lab.nodes as [typeof lab.nodes[0], typeof lab.nodes[0], typeof lab.nodes[0], typeof lab.nodes[0], typeof lab.nodes[0], typeof lab.nodes[0]];
  // Pair A (auto), pair B (vxlan): each pair is a cluster of its own.
  const [a0n, a1n, b0n, b1n] = await Promise.all([
    makeNode(h0, '10.42.0.0/24', lab.mtu, context.dir),
    makeNode(h1, '10.42.1.0/24', lab.mtu, context.dir),
    makeNode(h2, '10.42.2.0/24', lab.mtu, context.dir),
    makeNode(h3, '10.42.3.0/24', lab.mtu, context.dir),
  ]);
  const a0 = await addPod(lab, a0n, 'a0');
  const a1 = await addPod(lab, a1n, 'a1');
  const a1b = await addPod(lab, a1n, 'a1b');
  const b0 = await addPod(lab, b0n, 'b0');
  const b1 = await addPod(lab, b1n, 'b1');
  const syncA = await syncPair(a0n, a1n, 'auto');
  const syncB = await syncPair(b0n, b1n, 'vxlan');
  if (syncA.some((r) => r.direct.length !== 1) || syncB.some((r) => r.encapsulated.length !== 1)) {
    throw new Error(`overlay: pair A should route directly and pair B encapsulate: ${JSON.stringify([syncA, syncB].map((p) => p.map((r) => ({ direct: r.direct, encapsulated: r.encapsulated }))))}`);
  }
  const [vx0, vx1] = await handBuiltVxlan(lab, h4, h5);
  const handPods = await handBuiltPods(lab, h4, h5, [vx0, vx1]);
  await Promise.all([startIperfServer(lab, a1), startIperfServer(lab, b1), startIperfServer(lab, h1), startIperfServer(lab, h5), startEchoServer(lab, a1)]);
  progress(`lab ${lab.id}: pods a0 ${a0.ip} (n0), a1 ${a1.ip} and a1b ${a1b.ip} (n1), b0 ${b0.ip} (n2), b1 ${b1.ip} (n3); hand-built VXLAN ${vx0} (n4) ↔ ${vx1} (n5)`);

  const paths = await measurePaths(
    lab,
    [
      { id: 'underlay', from: h0, to: h1.ip },
      { id: 'vxlanPair', from: h4, to: vx1 },
      { id: 'handPods', from: handPods.from, to: handPods.to },
      { id: 'podAuto', from: a0, to: a1.ip },
      { id: 'podVxlan', from: b0, to: b1.ip },
    ],
    s.paths,
    progress,
  );
  const dataPath = await measureDataPath(lab, { client: a0, server: a1, outsider: a1b }, s.dataPath, progress);
  const services = await measureServices(lab, a0, a1, s.services, progress);
  const enforcement = await measureEnforcement(lab, { server: a1, remoteClient: a0, localClient: a1b }, s.enforcement, progress);
  const cni = await measureCni(lab, context.dir, s.cni, progress);
  const topology = {
    nodes: lab.nodes.map((h) => `${h.name} ${h.ip}`),
    pods: Object.fromEntries([a0, a1, a1b, b0, b1].map((p) => [p.name, `${p.ip} on ${p.node.host.name}`])),
    overlayMtu: a0n.chain.plugins[0]!.mtu,
    handBuiltVxlan: [vx0, vx1],
    overlaySync: { auto: syncA.map((r) => ({ direct: r.direct, encapsulated: r.encapsulated, ipCommands: r.ipCommands.length, bridgeCommands: r.bridgeCommands.length })), vxlan: syncB.map((r) => ({ direct: r.direct, encapsulated: r.encapsulated, ipCommands: r.ipCommands.length, bridgeCommands: r.bridgeCommands.length })) },
  };
  return { paths, dataPath, services, cni, enforcement, topology };
}

const f0 = (n: number) => n.toFixed(0);
const f2 = (n: number) => n.toFixed(2);
const list = (xs: number[], digits = 0) => xs.map((x) => x.toFixed(digits)).join(', ');

function pathRows(paths: Record<PathId, PathResult>, costRateGbit: number): ResultRow[] {
  const names: Record<PathId, string> = {
    underlay: 'host↔host over the underlay (floor)',
    vxlanPair: 'hand-built kernel VXLAN pair (VXLAN floor)',
    handPods: 'hand-built pod topology over that pair (netns, veth, bridge; no skerry)',
    podAuto: 'pod↔pod across nodes, overlay auto (direct routing)',
    podVxlan: 'pod↔pod across nodes, overlay vxlan',
  };
  const ids = Object.keys(names) as PathId[];
  const tcp = ids.map((id): ResultRow => ({
    id: `tcp_${id}`, metric: `TCP, ${names[id]}`, value: paths[id].mbits, unit: 'Mbit/s',
    notes: `median of ${paths[id].tcp.length} (${list(paths[id].tcp.map((r) => r.mbits))}); retransmits ${paths[id].tcp.map((r) => r.retransmits).join(', ')}`,
  }));
  const rtt = ids.map((id): ResultRow => ({
    id: `rtt_${id}`, metric: `Ping RTT, ${names[id]}`, value: paths[id].rtt.p50, unit: 'µs',
    notes: `median of ${paths[id].rtt.n}; p90 ${f0(paths[id].rtt.p90)}, p99 ${f0(paths[id].rtt.p99)} µs`,
  }));
  const { underlay, vxlanPair, handPods, podAuto, podVxlan } = paths;
  const rates = (p: PathResult) => p.tcp.map((r) => r.mbits);
  const autoRatios = pairedRatios(rates(podAuto), rates(underlay));
  const vxlanRatios = pairedRatios(rates(podVxlan), rates(vxlanPair));
  const ownRatios = pairedRatios(rates(podVxlan), rates(handPods));
  const topologyRatios = pairedRatios(rates(handPods), rates(vxlanPair));
  return [
    ...tcp,
    {
      id: 'ratio_tcp_auto_underlay', metric: 'TCP: pod (auto) / underlay', value: middle(autoRatios), unit: 'x', target: { op: '>=', value: TARGETS.autoVsUnderlay },
      notes: `median of the rounds' ratios (${list(autoRatios, 2)}); ratio of the medians ${f2(podAuto.mbits / underlay.mbits)}; pods have MTU 1450 (underlay − 50) in both modes, the underlay 1500`,
    },
    {
      id: 'ratio_tcp_vxlan_pair', metric: 'TCP: pod (vxlan) / hand-built VXLAN', value: middle(vxlanRatios), unit: 'x', target: { op: '>=', value: TARGETS.vxlanVsHandBuilt },
      notes: `median of the rounds' ratios (${list(vxlanRatios, 2)}); ratio of the medians ${f2(podVxlan.mbits / vxlanPair.mbits)}; the pair has no bridge, veth, pod netns, br_netfilter or nft table on its path`,
    },
    {
      id: 'ratio_tcp_handpods_pair', metric: 'TCP: hand-built pod topology / hand-built VXLAN', value: middle(topologyRatios), unit: 'x',
      notes: `median of the rounds' ratios (${list(topologyRatios, 2)}): what a pod netns, a veth and a bridge on each side cost, before anything skerry adds`,
    },
    {
      id: 'ratio_tcp_vxlan_handpods', metric: 'TCP: pod (vxlan) / hand-built pod topology', value: middle(ownRatios), unit: 'x',
      notes: `median of the rounds' ratios (${list(ownRatios, 2)}): what skerry adds to that topology (its nft tables, conntrack, br_netfilter)`,
    },
    ...costRows(paths, costRateGbit),
    ...rtt,
    { id: 'ratio_rtt_auto_underlay', metric: 'Ping RTT: pod (auto) / underlay', value: podAuto.rtt.p50 / underlay.rtt.p50, unit: 'x', notes: `medians; p99 ratio ${f2(podAuto.rtt.p99 / underlay.rtt.p99)}` },
    { id: 'ratio_rtt_vxlan_pair', metric: 'Ping RTT: pod (vxlan) / hand-built VXLAN', value: podVxlan.rtt.p50 / vxlanPair.rtt.p50, unit: 'x', notes: `medians; p99 ratio ${f2(podVxlan.rtt.p99 / vxlanPair.rtt.p99)}` },
  ];
}

/** CPU per Gbit at a fixed rate, per path, and the pod paths against their floors. */
function costRows(paths: Record<PathId, PathResult>, rateGbit: number): ResultRow[] {
  const { underlay, vxlanPair, handPods, podAuto, podVxlan } = paths;
  if (underlay.cpuMsPerGbit.length === 0) return [];
  const rows = (Object.keys(paths) as PathId[]).map((id): ResultRow => ({
    id: `cpu_${id}`, metric: `CPU per Gbit at ${rateGbit} Gbit/s, ${id}`, value: middle(paths[id].cpuMsPerGbit), unit: 'ms',
    notes: `median of ${paths[id].cpuMsPerGbit.length} (${list(paths[id].cpuMsPerGbit)}); all tasks' CPU (cgroup v1 cpuacct, ns) while one TCP stream runs at that rate`,
  }));
  const ratio = (id: string, metric: string, a: PathResult, b: PathResult, what: string): ResultRow => {
    const ratios = pairedRatios(a.cpuMsPerGbit, b.cpuMsPerGbit);
    return { id, metric, value: middle(ratios), unit: 'x', notes: `median of the rounds' ratios (${list(ratios, 2)}); ${what}` };
  };
  return [
    ...rows,
    ratio('cpu_ratio_auto_underlay', 'CPU per Gbit: pod (auto) / underlay', podAuto, underlay, 'above 1: the pod path costs more CPU per byte'),
    ratio('cpu_ratio_vxlan_pair', 'CPU per Gbit: pod (vxlan) / hand-built VXLAN', podVxlan, vxlanPair, 'above 1: the pod path costs more CPU per byte'),
    ratio('cpu_ratio_handpods_pair', 'CPU per Gbit: hand-built pod topology / hand-built VXLAN', handPods, vxlanPair, 'the topology alone'),
    ratio('cpu_ratio_vxlan_handpods', 'CPU per Gbit: pod (vxlan) / hand-built pod topology', podVxlan, handPods, 'what skerry adds to the topology'),
  ];
}

function dataPathRows(d: DataPathResult, peers: number): ResultRow[] {
  const udpNote = (runs: DataPathResult['policy']['udp']) =>
    `median of ${runs.length} (${list(runs.map((u) => u.receivedPps / 1000))}); sent ${list(runs.map((u) => u.sentPps / 1000))} kpps, lost ${list(runs.map((u) => u.lostPercent))} %`;
  const peersText = `${peers.toLocaleString('en-US')}-peer policy`;
  const udpRatios = pairedRatios(d.policy.udp.map((u) => u.receivedPps), d.noPolicy.udp.map((u) => u.receivedPps));
  const tcpRatios = pairedRatios(d.policy.tcp.map((t) => t.mbits), d.noPolicy.tcp.map((t) => t.mbits));
  return [
    { id: 'udp64_no_policy', metric: 'UDP 64 B received, pod→pod across nodes (auto), no policy', value: d.pps.noPolicy / 1000, unit: 'kpps', notes: udpNote(d.noPolicy.udp) },
    { id: 'udp64_policy', metric: `UDP 64 B received, same path, ${peersText}`, value: d.pps.policy / 1000, unit: 'kpps', notes: udpNote(d.policy.udp) },
    {
      id: 'ratio_udp64_policy', metric: `UDP 64 B: ${peersText} / no policy`, value: middle(udpRatios), unit: 'x', target: { op: '>=', value: TARGETS.policyPps },
      notes: `median of the rounds' ratios (${list(udpRatios, 2)}); ratio of the medians ${f2(d.pps.policy / d.pps.noPolicy)}`,
    },
    { id: 'tcp_no_policy', metric: 'TCP, same path, no policy', value: d.mbits.noPolicy, unit: 'Mbit/s', notes: `median of ${d.noPolicy.tcp.length} (${list(d.noPolicy.tcp.map((t) => t.mbits))})` },
    { id: 'tcp_policy', metric: `TCP, same path, ${peersText}`, value: d.mbits.policy, unit: 'Mbit/s', notes: `median of ${d.policy.tcp.length} (${list(d.policy.tcp.map((t) => t.mbits))})` },
    { id: 'ratio_tcp_policy', metric: `TCP: ${peersText} / no policy`, value: middle(tcpRatios), unit: 'x', notes: `median of the rounds' ratios (${list(tcpRatios, 2)}); ratio of the medians ${f2(d.mbits.policy / d.mbits.noPolicy)}` },
    {
      id: 'ratio_connect_policy', metric: `Connect+request p50: ${peersText} / no policy`, value: d.connect.policy.p50 / d.connect.noPolicy.p50, unit: 'x',
      notes: `${f0(d.connect.policy.p50 * 1000)} vs ${f0(d.connect.noPolicy.p50 * 1000)} µs (p99 ${f0(d.connect.policy.p99 * 1000)} vs ${f0(d.connect.noPolicy.p99 * 1000)}); every new connection looks its source up in the set`,
    },
    {
      id: 'policy_peers_apply', metric: `Programming the ${peersText} (whole table)`, value: median(d.apply.ms), unit: 'ms',
      notes: `${d.apply.commands} nft commands, ${d.apply.elements} set elements; median of ${d.apply.ms.length}; client ${d.checks.client}, outsider ${d.checks.outsider}`,
    },
  ];
}

function serviceRows(r: ServiceResult): ResultRow[] {
  const us = (ms: number) => ms * 1000;
  const svc = r.services.toLocaleString('en-US');
  return [
    { id: 'connect_direct_no_services', metric: 'Connect+request to the pod address, no Services', value: us(r.directBefore.p50), unit: 'µs', notes: `p50 of ${r.directBefore.n}; p99 ${f0(us(r.directBefore.p99))} µs` },
    { id: 'connect_direct', metric: `Connect+request to the pod address, ${svc} Service ports`, value: us(r.direct.p50), unit: 'µs', notes: `p50 of ${r.direct.n}; p99 ${f0(us(r.direct.p99))} µs` },
    { id: 'connect_cluster_ip', metric: `Connect+request to a ClusterIP, ${svc} Service ports`, value: us(r.clusterIp.p50), unit: 'µs', notes: `p50 of ${r.clusterIp.n}; p99 ${f0(us(r.clusterIp.p99))} µs; interleaved with the row above` },
    {
      id: 'ratio_cluster_ip_direct', metric: 'Connect+request p50: ClusterIP / pod address', value: r.clusterIp.p50 / r.direct.p50, unit: 'x', target: { op: '<=', value: TARGETS.clusterIpVsDirect },
      notes: `p99 ratio ${f2(r.clusterIp.p99 / r.direct.p99)}; vs before any Service ${f2(r.clusterIp.p50 / r.directBefore.p50)}`,
    },
    { id: 'services_load', metric: `Programming ${svc} Service ports (full load)`, value: r.applyMs, unit: 'ms', notes: `${r.commands} nft commands; compileServices ${f0(r.compileMs)} ms` },
  ];
}

function cniRows(cni: Record<ChainKind, ChainRound[]>, pods: number): ResultRow[] {
  const m = (kind: ChainKind, key: keyof ChainRound) => middle(cni[kind].map((r) => r[key]));
  const note = (kind: ChainKind, key: 'addMsPerPod' | 'delMsPerPod', cpu: 'addCpuMsPerPod' | 'delCpuMsPerPod') =>
    `median of ${cni[kind].length} rounds (${list(cni[kind].map((r) => r[key]), 2)}); CPU ${f2(m(kind, cpu))} ms/pod${key === 'addMsPerPod' ? `; first ADD (makes the bridge) ${f2(m(kind, 'firstAddMs'))} ms` : ''}`;
  return [
    { id: 'cni_add_builtin', metric: `Pod network ADD, built-in chain (${pods} pods in a row)`, value: m('builtin', 'addMsPerPod'), unit: 'ms', target: { op: '<=', value: TARGETS.builtinAddMs }, notes: note('builtin', 'addMsPerPod', 'addCpuMsPerPod') },
    { id: 'cni_add_reference', metric: 'Pod network ADD, reference chain (bridge+host-local, portmap, loopback)', value: m('reference', 'addMsPerPod'), unit: 'ms', notes: note('reference', 'addMsPerPod', 'addCpuMsPerPod') },
    { id: 'ratio_cni_add', metric: 'ADD: reference / built-in', value: m('reference', 'addMsPerPod') / m('builtin', 'addMsPerPod'), unit: 'x' },
    { id: 'cni_del_builtin', metric: 'Pod network DEL, built-in chain', value: m('builtin', 'delMsPerPod'), unit: 'ms', notes: note('builtin', 'delMsPerPod', 'delCpuMsPerPod') },
    { id: 'cni_del_reference', metric: 'Pod network DEL, reference chain', value: m('reference', 'delMsPerPod'), unit: 'ms', notes: note('reference', 'delMsPerPod', 'delCpuMsPerPod') },
  ];
}

function enforcementRows(e: EnforcementResult): ResultRow[] {
  const blocked = e.rounds.flatMap((r) => [r.blockedAfterMs.remote, r.blockedAfterMs.local]);
  const worst = (xs: number[]) => (xs.some((x) => !Number.isFinite(x)) ? Number.NaN : Math.max(...xs));
  const modes = [...new Set(e.rounds.map((r) => r.mode))].join(', ');
  const commands = e.rounds.map((r) => r.commands);
  const scale = `${e.pods.toLocaleString('en-US')} pods, ${e.policies} policies, ${e.localPods} local pods`;
  const cuts = (who: 'remote' | 'local') => e.rounds.map((r) => r.cut[who]);
  const stalls = [...cuts('remote'), ...cuts('local')].map((c) => c.stalledAfterMs).filter(Number.isFinite);
  const survivors = (who: 'remote' | 'local') => cuts(who).filter((c) => c.survived);
  const survivedText = (who: 'remote' | 'local', label: string) => {
    const kept = survivors(who);
    const never = kept.filter((c) => c.resumedAfterMs === undefined).length;
    const back = kept.filter((c) => c.resumedAfterMs !== undefined);
    const parts = [...(back.length ? [`echoing again ${list(back.map((c) => c.resumedAfterMs!))} ms after the change`] : []), ...(never ? [`${never} never stalled`] : [])];
    return `${label}: ${kept.length} of ${e.rounds.length}${parts.length ? ` (${parts.join('; ')})` : ''}`;
  };
  const stallList = (who: 'remote' | 'local') => cuts(who).map((c) => (Number.isFinite(c.stalledAfterMs) ? f0(c.stalledAfterMs) : 'never')).join(', ');
  return [
    {
      id: 'policy_change_blocked', metric: `Policy change → new connections dropped, worst (${scale})`, value: worst(blocked), unit: 'ms', target: { op: '<=', value: TARGETS.enforcementMs },
      notes: `${e.rounds.length} rounds × 2 probers (client on the other node, client on the server's node): ${list(blocked)} ms from the applyPolicy call to the first dropped attempt (an attempt every ≈2 ms)`,
    },
    { id: 'policy_change_apply', metric: 'applyPolicy of that change (nft + conntrack cut)', value: median(e.rounds.map((r) => r.applyMs)), unit: 'ms', notes: `rounds ${list(e.rounds.map((r) => r.applyMs))} ms; conntrack entries cut ${e.rounds.map((r) => r.cutConnections).join(', ')}` },
    {
      id: 'policy_change_commands', metric: 'nft commands for that change', value: median(commands), unit: 'commands',
      notes: `mode ${modes}; rounds ${commands.join(', ')}; a full build of the same plan: ${e.fullCommands} commands in ${f0(e.fullApplyMs)} ms; compilePolicy ${f0(e.compileMs)} ms`,
    },
    {
      id: 'policy_cut_stalled', metric: 'Narrowed policy → established connection stalls, worst', value: stalls.length ? Math.max(...stalls) : Number.NaN, unit: 'ms', target: { op: '<=', value: TARGETS.enforcementMs },
      notes: `client on the other node ${stallList('remote')} ms, on the server's node ${stallList('local')} ms: first send (one every 5 ms) whose echo did not come back within ${STALL_MS} ms`,
    },
    {
      id: 'policy_cut_survived', metric: 'Refused established connections that kept going', value: survivors('remote').length + survivors('local').length, unit: 'connections', target: { op: '<=', value: 0 },
      notes: `${survivedText('remote', 'client on the other node')}; ${survivedText('local', "client on the server's node")}`,
    },
  ];
}

/** The measurements without the raw per-sample arrays (RTTs, connect times): their summaries are kept. */
function detailsOf(m: Measured): Record<string, unknown> {
  const paths = Object.fromEntries(Object.entries(m.paths).map(([id, p]) => [id, { tcp: p.tcp, mbits: p.mbits, rttUs: p.rtt }]));
  const { noPolicy, policy, ...dataPath } = m.dataPath;
  return {
    paths,
    dataPath: { ...dataPath, udp: { noPolicy: noPolicy.udp, policy: policy.udp }, tcp: { noPolicy: noPolicy.tcp, policy: policy.tcp } },
    services: m.services,
    enforcement: m.enforcement,
    cni: m.cni,
  };
}

async function run(context: BenchContext): Promise<BenchResult> {
  const { quick, progress } = context;
  checkPrerequisites();
  const s = settingsFor(quick);
  const lab = await createLab({ nodes: 6, server: false });
  let measured: Measured;
  let leftovers: ReturnType<Lab['remaining']>;
  try {
    measured = await measure(lab, context, s);
  } finally {
    await lab.destroy();
    leftovers = lab.remaining();
    const left = [...leftovers.namespaces, ...leftovers.mounts, ...leftovers.pids.map(String)];
    progress(left.length ? `lab ${lab.id} left behind: ${left.join(', ')}` : `lab ${lab.id} removed`);
  }
  const rows = [
    ...pathRows(measured.paths, s.paths.costRateGbit),
    ...dataPathRows(measured.dataPath, s.dataPath.peers),
    ...serviceRows(measured.services),
    ...enforcementRows(measured.enforcement),
    ...cniRows(measured.cni, s.cni.pods),
  ];
  return {
    rows,
    versions: {
      iperf3: versionOf(tool('iperf3'), ['--version'], /^iperf (\S+)/),
      nft: versionOf(tool('nft'), ['--version'], /nftables (v\S+)/),
      conntrack: versionOf(tool('conntrack'), ['--version'], /conntrack (v\S+)/),
      // The Debian build prints "version unknown": ask the package.
      'containernetworking-plugins': versionOf('/usr/bin/dpkg-query', ['-W', '-f', '${Version}', 'containernetworking-plugins'], /^(\S+)/),
      python3: versionOf(tool('python3'), ['--version'], /Python (\S+)/),
    },
    config: {
      quick,
      settings: s,
      targets: TARGETS,
      topology: measured.topology,
      leftovers,
      method: [
        'Everything runs in one test/lab lab: an underlay netns with bridge br0 and six node netns\'s on 10.99.0.0/24 (veth ports, MTU 1500); nothing is added to the host\'s namespace, and the lab is destroyed at the end also on failure. All namespaces share one kernel and the machine\'s CPUs, so sender, receiver, softirq and every forwarding hop compete for the same cores: the numbers are CPU costs of each path, not link speeds.',
        'Pods are netns\'s wired by the built-in CNI plugin (addNetwork, hostNetns = the node\'s netns): bridge skerry0, a veth per pod, MTU 1450 (underlay − 50). Each node has setupNodeForwarding (ip_forward, br_netfilter, inet skerry-fw). Pair A (n0, n1) is synced with syncOverlay in auto mode (a direct route to the peer\'s pod CIDR on eth0), pair B (n2, n3) in vxlan mode (skerry.vxlan, VNI 1, port 8472). n4 and n5 hold a hand-built VXLAN pair (`ip link add skerryvx type vxlan id 42 dstport 4789 local … remote …`, MTU 1450, addresses on the devices); over it, a hand-built pod on each side: a netns whose veth is a port of a plain bridge (handbr0), routed into skerryvx: the topology of a skerry pod in vxlan mode without skerry\'s nft tables or br_netfilter.',
        `Paths: iperf3 3.12, one TCP stream of ${s.paths.seconds} s${s.paths.omit ? ` after ${s.paths.omit} s left out (slow start)` : ''}, the receiver's rate; then ${s.paths.pings} ICMP echoes ${s.paths.pingIntervalMs} ms apart (test/lab ping.py, a Python raw socket: its own cost is in every RTT alike). ${s.paths.rounds} rounds, the order of the five paths rotated each round; rates are medians of the rounds, ratios the median of each round\'s ratio (its two runs came within seconds of each other, so load that drifts falls on both), RTTs the median of all replies. CPU per Gbit: after the pings, one TCP stream held at ${s.paths.costRateGbit} Gbit/s (iperf3 -b) for ${s.paths.seconds + 1} s; the CPU time of all tasks over it (root cpuacct.usage, ns; softirq work done in a task\'s context is in it) over the Gbits received. A flat-out rate on shared cores swings with whatever else runs; the CPU per byte much less, and on a CPU-bound lab throughput is its inverse.`,
        `Policy data path: pod a0 (n0) → a1 (n1) in auto mode. ${s.dataPath.udpRounds} rounds of [no policy, policy] (alternating order); the policy selects a1 with one ingress rule from a podSelector matching ${s.dataPath.peers.toLocaleString('en-US')} pods (a0 and 9,999 addresses elsewhere), checked to let a0 in and drop a1b (same node, not a peer). Each case: iperf3 -u -l ${s.dataPath.datagramBytes} -b 0 for ${s.dataPath.udpSeconds} s (rate = datagrams the receiver got / s); in the first ${s.dataPath.tcpRounds} rounds also one TCP stream of ${s.dataPath.tcpSeconds} s${s.dataPath.omit ? ` (after ${s.dataPath.omit} s left out)` : ''} and ${s.dataPath.connects} sequential connect+32 B echo+close. Ratios: the median of each round\'s ratio.`,
        `Services: on the client's node n0, compileServices + applyServices (full load) of a Service echo (ClusterIP 10.43.0.10:80 → a1:8080, a Python echo server) plus ${s.services.services.toLocaleString('en-US')} others with two endpoints each. A Python client in a0 does ${s.services.connects} rounds of connect + 32 B request + echo + close, alternating ClusterIP and pod address (order reversed every other round); the first 10 of each left out. Also ${s.services.connects} to the pod address before the table existed.`,
        `Policy change: n1's view holds 1,000 pods in 20 namespaces (5 per namespace on n1, the rest elsewhere) plus the 3 real ones, and 40 policies (per namespace a default deny and allow-clients: app=server from role=client on TCP 8080). The change adds tier=trusted to bench-0's allow-clients selector, which the real clients a0 (n0) and a1b (n1) lack. Each of ${s.enforcement.rounds} rounds: from a0 and from a1b, an established connection echoing 16 B every ${s.enforcement.streamGapMs} ms and a new TCP connection every ≈${s.enforcement.probeGapMs} ms (${s.enforcement.probeTimeoutMs} ms to connect); ${s.enforcement.leadMs} ms later applyPolicy(open → narrowed). Times are from the applyPolicy call (epoch clock, as the probers' time.time()) to the first attempt that was dropped after the last one that connected, and to the first send on an established connection whose echo did not come back within ${STALL_MS} ms. An established connection that never stalled, or whose stalled echo came back later, outlived the policy. The policy is then widened again (not timed).`,
        `CNI: a node netns per chain and ${s.cni.pods} pod netns\'s made beforehand; ADD of all of them one after another, then DEL of all; ${s.cni.rounds} round(s), order alternating; the same pod netns\'s each round. Built-in: the in-process plugin (netlink through the addon), IPAM files on the bench\'s data directory. Reference: Debian\'s bridge (+host-local), portmap and loopback from /usr/lib/cni, each run through nsenter --net=<node>. CPU: this process plus its reaped children (10 ms ticks).`,
      ],
    },
    details: detailsOf(measured),
  };
}

export const networkBench: Bench = { name: 'network', title: 'Pod network: overlay, NetworkPolicy, Services, CNI', run };
