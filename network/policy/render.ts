// The plan as nft objects: per policy and direction a chain whose rules match sets (peer pod
// addresses, ipBlock intervals, named-port tuples), per isolated local pod a chain that jumps
// into the chains of the policies selecting it and drops what none accepted, and verdict maps
// from pod address to pod chain. A packet costs one map lookup and a few set lookups however
// many peers there are.
import { parseAddress, parseRange, type Family } from './addresses.ts';
import { podChainName, ruleSetName, verdictMapName } from './names.ts';
import type { CompiledPeers, CompiledPorts, CompiledRule, Direction, PolicyChain, PolicyPlan } from './types.ts';

export interface NftSet {
  type: string;
  interval: boolean;
  elements: string[];
}

export interface NftChain {
  comment?: string;
  rules: string[];
}

/** The table's variable part; the base chains and the maps themselves never change. */
export interface NftState {
  sets: Record<string, NftSet>;
  chains: Record<string, NftChain>;
  /** Verdict map name → pod address → verdict. */
  maps: Record<string, Record<string, string>>;
}

const FAMILIES: Family[] = [4, 6];
const IP: Record<Family, string> = { 4: 'ip', 6: 'ip6' };
const ADDR_TYPE: Record<Family, string> = { 4: 'ipv4_addr', 6: 'ipv6_addr' };

const familyOf = (ip: string): Family | undefined => parseAddress(ip)?.family;

interface Match {
  /** The address family the match implies; undefined matches both. */
  family?: Family;
  text: string;
}

function peerMatches(state: NftState, chain: string, index: number, peers: CompiledPeers | undefined, field: string): Match[] {
  if (!peers) return [{ text: '' }];
  const out: Match[] = [];
  if (peers.pods) {
    for (const family of FAMILIES) {
      const name = ruleSetName(chain, index, 'pods', family);
      state.sets[name] = { type: ADDR_TYPE[family], interval: false, elements: peers.pods.filter((ip) => familyOf(ip) === family) };
      out.push({ family, text: `${IP[family]} ${field} @${name}` });
    }
  }
  for (const family of FAMILIES) {
    const blocks = (peers.blocks ?? []).filter((b) => parseRange(b)?.family === family);
    if (blocks.length === 0) continue;
    const name = ruleSetName(chain, index, 'cidr', family);
    state.sets[name] = { type: ADDR_TYPE[family], interval: true, elements: blocks };
    out.push({ family, text: `${IP[family]} ${field} @${name}` });
  }
  return out;
}

function portMatches(state: NftState, chain: string, index: number, ports: CompiledPorts | undefined, family: Family | undefined): string[] {
  if (!ports) return [''];
  const out: string[] = [];
  if (ports.ranges.length > 0) {
    const elements = ports.ranges.map((r) => `${r.protocol} . ${r.first === r.last ? r.first : `${r.first}-${r.last}`}`);
    out.push(`meta l4proto . th dport { ${elements.join(', ')} }`);
  }
  if (!ports.named) return out;
  for (const f of family ? [family] : FAMILIES) {
    const name = ruleSetName(chain, index, 'named', f);
    const elements = ports.named.filter((n) => familyOf(n.ip) === f).map((n) => `${n.ip} . ${n.protocol} . ${n.port}`);
    state.sets[name] = { type: `${ADDR_TYPE[f]} . inet_proto . inet_service`, interval: false, elements };
    out.push(`${IP[f]} daddr . meta l4proto . th dport @${name}`);
  }
  return out;
}

function ruleLines(state: NftState, chain: string, index: number, rule: CompiledRule, direction: Direction): string[] {
  const field = direction === 'ingress' ? 'saddr' : 'daddr';
  return peerMatches(state, chain, index, rule.peers, field).flatMap((peer) =>
    portMatches(state, chain, index, rule.ports, peer.family).map((port) => [peer.text, port, 'accept'].filter(Boolean).join(' ')),
  );
}

function renderPolicyChain(state: NftState, name: string, chain: PolicyChain): void {
  state.chains[name] = { comment: `${chain.policy} ${chain.direction}`, rules: chain.rules.flatMap((rule, i) => ruleLines(state, name, i, rule, chain.direction)) };
}

function renderPod(state: NftState, ip: string, direction: Direction, chains: string[]): void {
  const family = familyOf(ip);
  if (!family) throw new Error(`pod address ${JSON.stringify(ip)} is not an IP address`);
  const name = podChainName(ip, direction);
  // Whatever no selecting policy accepted is dropped; the counter shows how much.
  state.chains[name] = { rules: [...chains.map((c) => `jump ${c}`), 'counter drop'] };
  state.maps[verdictMapName(direction, family)]![ip] = `goto ${name}`;
}

export const MAPS = FAMILIES.flatMap((f) => (['ingress', 'egress'] as Direction[]).map((d) => ({ name: verdictMapName(d, f), family: f, direction: d })));

export function renderPlan(plan: PolicyPlan): NftState {
  const state: NftState = { sets: {}, chains: {}, maps: Object.fromEntries(MAPS.map((m) => [m.name, {}])) };
  for (const [name, chain] of Object.entries(plan.chains)) renderPolicyChain(state, name, chain);
  for (const [ip, verdict] of Object.entries(plan.pods)) {
    if (verdict.ingress) renderPod(state, ip, 'ingress', verdict.ingress);
    if (verdict.egress) renderPod(state, ip, 'egress', verdict.egress);
  }
  return state;
}
