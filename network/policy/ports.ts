// Which destination ports a rule allows: numbers and ranges per protocol, and named ports
// resolved to numbers on the pods that receive the connections.
import { compareAddresses } from './addresses.ts';
import type { PortSpec } from './parse.ts';
import type { CompiledPorts, NamedPort, PortRange } from './types.ts';
import type { PodView } from './view.ts';

/** `receivers`: the pods a named port is looked up on; a name matches a container port of the same protocol. */
export function compilePorts(ports: PortSpec[], receivers: PodView[]): CompiledPorts {
  const ranges: PortRange[] = [];
  const named: NamedPort[] = [];
  let anyNamed = false;
  for (const port of ports) {
    if (!('name' in port)) {
      ranges.push({ protocol: port.protocol, first: port.first, last: port.last });
      continue;
    }
    anyNamed = true;
    for (const pod of receivers) {
      for (const cp of pod.ports) if (cp.name === port.name && cp.protocol === port.protocol) for (const ip of pod.ips) named.push({ ip, protocol: cp.protocol, port: cp.port });
    }
  }
  const merged = mergePortRanges(ranges);
  return anyNamed ? { ranges: merged, named: uniqueNamed(named) } : { ranges: merged };
}

/** Per protocol, sorted and joined where they overlap or touch: nft refuses overlapping intervals. */
function mergePortRanges(ranges: PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.first - b.first);
  const out: PortRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.protocol === r.protocol && r.first <= last.last + 1) last.last = Math.max(last.last, r.last);
    else out.push({ ...r });
  }
  return out;
}

function uniqueNamed(list: NamedPort[]): NamedPort[] {
  const byKey = new Map(list.map((n) => [`${n.ip} ${n.protocol} ${n.port}`, n]));
  return [...byKey.values()].sort((a, b) => compareAddresses(a.ip, b.ip) || a.protocol.localeCompare(b.protocol) || a.port - b.port);
}
