/**
 * Part 1 of the network bench: one TCP stream and ICMP round trips over four paths between
 * two lab nodes, measured round by round in rotating order so that whatever else the machine
 * does falls on all of them alike.
 */
import type { Lab, LabNetns } from '../../test/lab/index.ts';
import { cpuCostAvailable, pingRtts, tcpCpuCost, tcpThroughput, type TcpRun } from './network-probes.ts';
import { middle } from './network-stats.ts';
import { summarize, type Summary } from './stats.ts';

export type PathId = 'underlay' | 'vxlanPair' | 'handPods' | 'podAuto' | 'podVxlan';

export interface PathSpec {
  id: PathId;
  from: LabNetns;
  to: string;
}

export interface PathSettings {
  rounds: number;
  seconds: number;
  omit: number;
  pings: number;
  pingIntervalMs: number;
  /** Rate of the CPU-cost stream, Gbit/s; 0: not measured. */
  costRateGbit: number;
}

export interface PathResult {
  /** One per round, in round order. */
  tcp: TcpRun[];
  /** Median of the rounds' receiver rates. */
  mbits: number;
  rtt: Summary;
  /** Every reply's round trip, µs. */
  rttsUs: number[];
  /** CPU ms per Gbit at settings.costRateGbit, one per round; empty where not measured. */
  cpuMsPerGbit: number[];
}

export async function measurePaths(lab: Lab, paths: PathSpec[], settings: PathSettings, progress: (m: string) => void): Promise<Record<PathId, PathResult>> {
  const tcp = new Map<PathId, TcpRun[]>(paths.map((p) => [p.id, []]));
  const rtts = new Map<PathId, number[]>(paths.map((p) => [p.id, []]));
  const costs = new Map<PathId, number[]>(paths.map((p) => [p.id, []]));
  const measureCost = settings.costRateGbit > 0 && cpuCostAvailable();
  for (let round = 0; round < settings.rounds; round++) {
    const order = paths.map((_, i) => paths[(i + round) % paths.length]!);
    for (const path of order) {
      tcp.get(path.id)!.push(await tcpThroughput(lab, path.from, path.to, settings.seconds, settings.omit));
      rtts.get(path.id)!.push(...(await pingRtts(lab, path.from, path.to, settings.pings, settings.pingIntervalMs)));
      if (measureCost) costs.get(path.id)!.push(await tcpCpuCost(lab, path.from, path.to, settings.seconds + 1, settings.costRateGbit));
    }
    const line = paths.map((p) => `${p.id} ${tcp.get(p.id)!.at(-1)!.mbits.toFixed(0)} Mbit/s`).join(', ');
    progress(`paths round ${round + 1}/${settings.rounds}: ${line}`);
  }
  const result = {} as Record<PathId, PathResult>;
  for (const path of paths) {
    const runs = tcp.get(path.id)!;
    const samples = rtts.get(path.id)!;
    result[path.id] = { tcp: runs, mbits: middle(runs.map((r) => r.mbits)), rtt: summarize(samples), rttsUs: samples, cpuMsPerGbit: costs.get(path.id)! };
  }
  return result;
}
