// Whether a plan lets one connection through, decided the way the nft rules decide it: the
// sender's egress (when it is an isolated local pod) and the receiver's ingress (likewise)
// must both accept. Used to find the tracked connections a narrowed plan no longer allows.
import { canonicalAddress, parseAddress, parseRange, rangeContains } from './addresses.ts';
import type { CompiledPeers, CompiledPorts, PolicyChain, PolicyPlan } from './types.ts';

export interface Connection {
  /** The address that opened the connection. */
  src: string;
  /** The address that receives it (after any Service DNAT). */
  dst: string;
  /** 'tcp', 'udp', 'sctp', or another protocol name (which no port rule matches). */
  protocol: string;
  /** The receiver's port; absent for protocols without ports. */
  port?: number;
}

function peersMatch(peers: CompiledPeers | undefined, peer: string): boolean {
  if (!peers) return true;
  if (peers.pods?.includes(peer)) return true;
  const address = parseAddress(peer);
  return !!address && (peers.blocks ?? []).some((b) => {
    const range = parseRange(b);
    return !!range && rangeContains(range, address);
  });
}

function portsMatch(ports: CompiledPorts | undefined, c: Connection, receiver: string): boolean {
  if (!ports) return true;
  const { port, protocol } = c;
  if (port === undefined) return false;
  if (ports.ranges.some((r) => r.protocol === protocol && port >= r.first && port <= r.last)) return true;
  return (ports.named ?? []).some((n) => n.ip === receiver && n.protocol === protocol && n.port === port);
}

function chainAllows(chain: PolicyChain | undefined, peer: string, c: Connection, receiver: string): boolean {
  return !!chain && chain.rules.some((rule) => peersMatch(rule.peers, peer) && portsMatch(rule.ports, c, receiver));
}

export function isAllowed(plan: PolicyPlan, connection: Connection): boolean {
  const src = canonicalAddress(connection.src) ?? connection.src;
  const dst = canonicalAddress(connection.dst) ?? connection.dst;
  const egress = plan.pods[src]?.egress;
  if (egress && !egress.some((name) => chainAllows(plan.chains[name], dst, connection, dst))) return false;
  const ingress = plan.pods[dst]?.ingress;
  return !ingress || ingress.some((name) => chainAllows(plan.chains[name], src, connection, dst));
}
