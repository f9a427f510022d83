// The nft script that turns one state of the table into the next, run as one `nft -f -`
// transaction (all of it or nothing). Without a previous state the table is made anew; with
// one, only what differs is touched: set elements for pod and label changes, a flush and
// refill for a chain whose rules changed, map elements for pods that start or stop being
// isolated. Steps are ordered so that nothing is deleted while a rule still refers to it.
import { TABLE } from './names.ts';
import { MAPS, type NftChain, type NftSet, type NftState } from './render.ts';

const T = `inet ${TABLE}`;
/** Elements per `add element` line: long enough to be cheap, short enough to read an error. */
const CHUNK = 1000;

/** Base chains: egress is decided where a pod's packets enter the node's forwarding or its own input; ingress where they are forwarded to a pod. */
const BASE_CHAINS = [
  { name: 'forward-egress', hook: 'forward', priority: 'filter', match: 'saddr', direction: 'egress' },
  { name: 'input-egress', hook: 'input', priority: 'filter', match: 'saddr', direction: 'egress' },
  { name: 'forward-ingress', hook: 'forward', priority: 'filter + 1', match: 'daddr', direction: 'ingress' },
] as const;

function baseChainLines(): string[] {
  return BASE_CHAINS.flatMap((c) => [
    // Two base chains on one hook: an accept ends only its own chain, so a forwarded packet
    // must be accepted by the sender's egress and by the receiver's ingress; a drop in either is final.
    `add chain ${T} ${c.name} { type filter hook ${c.hook} priority ${c.priority}; policy accept; }`,
    `add rule ${T} ${c.name} ct state established,related accept`,
    // A TCP segment that is not a SYN yet is "new" to conntrack is a connection picked up
    // mid-stream: one whose entry a narrowed policy cut. Without this, the server's
    // retransmission to a client on another node (whose side no chain here judges) would
    // make a fresh entry, and the client's next segments would pass as established.
    ...(c.hook === 'forward' ? [`add rule ${T} ${c.name} meta l4proto tcp ct state new tcp flags & (syn | rst) == 0 drop`] : []),
    `add rule ${T} ${c.name} meta l4proto ipv6-icmp icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept`,
    ...MAPS.filter((m) => m.direction === c.direction).map((m) => `add rule ${T} ${c.name} ${m.family === 4 ? 'ip' : 'ip6'} ${c.match} vmap @${m.name}`),
  ]);
}

/** Comments come from object names in the view: only harmless characters reach the script. */
const quote = (s: string) => `"${s.replace(/[^A-Za-z0-9 ._/-]/g, '_').slice(0, 200)}"`;

const addSet = (name: string, set: NftSet) => `add set ${T} ${name} { type ${set.type};${set.interval ? ' flags interval;' : ''} }`;
const addChain = (name: string, chain: NftChain) => `add chain ${T} ${name}${chain.comment ? ` { comment ${quote(chain.comment)}; }` : ''}`;
const addRules = (name: string, chain: NftChain) => chain.rules.map((r) => `add rule ${T} ${name} ${r}`);

function elementLines(verb: 'add' | 'delete', name: string, elements: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < elements.length; i += CHUNK) out.push(`${verb} element ${T} ${name} { ${elements.slice(i, i + CHUNK).join(', ')} }`);
  return out;
}

const mapElements = (entries: Record<string, string>) => Object.entries(entries).map(([k, v]) => `${k} : ${v}`);

/** The whole table from nothing; an old table of the same name (a previous agent's) is replaced. */
export function fullScript(next: NftState): string[] {
  return [
    `add table ${T}`,
    `delete table ${T}`,
    `add table ${T}`,
    ...MAPS.map((m) => `add map ${T} ${m.name} { type ${m.family === 4 ? 'ipv4_addr' : 'ipv6_addr'} : verdict; }`),
    ...Object.entries(next.sets).flatMap(([name, set]) => [addSet(name, set), ...elementLines('add', name, set.elements)]),
    ...Object.entries(next.chains).map(([name, chain]) => addChain(name, chain)),
    ...Object.entries(next.chains).flatMap(([name, chain]) => addRules(name, chain)),
    ...MAPS.flatMap((m) => elementLines('add', m.name, mapElements(next.maps[m.name] ?? {}))),
    ...baseChainLines(),
  ];
}

const sameChain = (a: NftChain, b: NftChain) => a.comment === b.comment && a.rules.length === b.rules.length && a.rules.every((r, i) => r === b.rules[i]);

function minus(a: string[], b: string[]): string[] {
  const drop = new Set(b);
  return a.filter((x) => !drop.has(x));
}

/** The changes from `prev` to `next`; empty when nothing differs. */
export function diffScript(prev: NftState, next: NftState): string[] {
  // A set's name says its kind and family, so a kept name never changes type.
  const newSets = Object.keys(next.sets).filter((n) => !prev.sets[n]);
  const goneSets = Object.keys(prev.sets).filter((n) => !next.sets[n]);
  const keptSets = Object.keys(next.sets).filter((n) => prev.sets[n]);
  const newChains = Object.keys(next.chains).filter((n) => !prev.chains[n] || prev.chains[n]!.comment !== next.chains[n]!.comment);
  const goneChains = Object.keys(prev.chains).filter((n) => !next.chains[n] || newChains.includes(n));
  const changedChains = Object.keys(next.chains).filter((n) => !newChains.includes(n) && !sameChain(prev.chains[n]!, next.chains[n]!));
  const mapChanges = MAPS.map((m) => {
    const before = mapElements(prev.maps[m.name] ?? {});
    const after = mapElements(next.maps[m.name] ?? {});
    return { name: m.name, removed: minus(before, after), added: minus(after, before) };
  });
  return [
    // 1. Away with map entries and rules that point at what goes, before it goes.
    ...mapChanges.flatMap((c) => elementLines('delete', c.name, c.removed.map((e) => e.split(' : ')[0]!))),
    ...[...goneChains, ...changedChains].map((n) => `flush chain ${T} ${n}`),
    ...goneChains.map((n) => `delete chain ${T} ${n}`),
    ...goneSets.map((n) => `delete set ${T} ${n}`),
    // 2. New sets and chains, then the elements of the sets that stay.
    ...newSets.flatMap((n) => [addSet(n, next.sets[n]!), ...elementLines('add', n, next.sets[n]!.elements)]),
    ...newChains.map((n) => addChain(n, next.chains[n]!)),
    ...keptSets.flatMap((n) => [
      ...elementLines('delete', n, minus(prev.sets[n]!.elements, next.sets[n]!.elements)),
      ...elementLines('add', n, minus(next.sets[n]!.elements, prev.sets[n]!.elements)),
    ]),
    // 3. Rules, then the map entries that lead to them.
    ...[...newChains, ...changedChains].flatMap((n) => addRules(n, next.chains[n]!)),
    ...mapChanges.flatMap((c) => elementLines('add', c.name, c.added)),
  ];
}

/** Removes the table and all in it; nothing when there is none. */
export const deleteScript = (): string[] => [`add table ${T}`, `delete table ${T}`];
