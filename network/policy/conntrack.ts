// Tracked connections a new plan no longer allows are removed: the rules accept established
// traffic first, so without this a connection opened while it was allowed would outlive the
// policy that narrowed it. Only connections touching a local pod whose enforcement changed are
// looked at, each is judged by the new plan exactly, and only those it refuses are deleted
// (never an allowed one: deleting it could turn its next reply into a refused "new" packet).
import { runTool } from '../host/index.ts';
import { canonicalAddress } from './addresses.ts';
import { isAllowed } from './allowed.ts';
import type { PolicyPlan } from './types.ts';

export interface Tuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

export interface TrackedConnection {
  family: 'ipv4' | 'ipv6';
  protocol: string;
  /** The TCP state (ESTABLISHED, TIME_WAIT, …); absent for other protocols. */
  state?: string;
  original: Tuple;
  reply: Tuple;
}

function tuple(fields: Map<string, string>): Tuple | undefined {
  const src = fields.get('src');
  const dst = fields.get('dst');
  if (!src || !dst) return undefined;
  const t: Tuple = { src: canonicalAddress(src) ?? src, dst: canonicalAddress(dst) ?? dst };
  if (fields.has('sport')) t.sport = Number(fields.get('sport'));
  if (fields.has('dport')) t.dport = Number(fields.get('dport'));
  return t;
}

/** One line of `conntrack -L`: protocol, number, [timeout, state,] then the original and the reply tuple. */
export function parseConntrackLine(line: string, family: TrackedConnection['family']): TrackedConnection | undefined {
  const words = line.trim().split(/\s+/);
  const protocol = words[0];
  if (!protocol) return undefined;
  const halves: Array<Map<string, string>> = [];
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq < 0) continue;
    const [k, v] = [word.slice(0, eq), word.slice(eq + 1)];
    if (k === 'src') halves.push(new Map());
    halves[halves.length - 1]?.set(k, v);
  }
  const original = halves[0] && tuple(halves[0]);
  const reply = halves[1] && tuple(halves[1]);
  if (!original || !reply) return undefined;
  const state = /^[A-Z_]+$/.test(words[3] ?? '') ? words[3] : undefined;
  return state ? { family, protocol, state, original, reply } : { family, protocol, original, reply };
}

export async function listConnections(netns: string | undefined): Promise<TrackedConnection[]> {
  const out: TrackedConnection[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const result = await runTool(netns, 'conntrack', ['-L', '-f', family]);
    if (result.code !== 0) throw new Error(`conntrack -L -f ${family} failed: ${result.stderr.trim() || `exit ${result.code}`}`);
    for (const line of result.stdout.split('\n')) {
      const c = parseConntrackLine(line, family);
      if (c) out.push(c);
    }
  }
  return out;
}

/** The node's own addresses in that namespace: its traffic to its pods (kubelet probes) is never cut. */
export async function nodeAddresses(netns: string | undefined): Promise<Set<string>> {
  const result = await runTool(netns, 'ip', ['-j', 'addr', 'show']);
  if (result.code !== 0) throw new Error(`ip -j addr show failed: ${result.stderr.trim() || `exit ${result.code}`}`);
  const links = JSON.parse(result.stdout || '[]') as Array<{ addr_info?: Array<{ local?: string }> }>;
  return new Set(links.flatMap((l) => (l.addr_info ?? []).map((a) => canonicalAddress(a.local ?? '') ?? '')).filter(Boolean));
}

/** The local pod addresses whose enforcement in `next` differs from `previous` (all of them without one). */
export function changedPods(previous: PolicyPlan | undefined, next: PolicyPlan): Set<string> {
  const summary = (plan: PolicyPlan, ip: string) => {
    const verdict = plan.pods[ip];
    if (!verdict) return '';
    const chains = [...(verdict.ingress ?? []), ...(verdict.egress ?? [])].map((c) => plan.chains[c]);
    return JSON.stringify([verdict.ingress, verdict.egress, chains]);
  };
  return new Set(Object.keys(next.pods).filter((ip) => !previous || summary(previous, ip) !== summary(next, ip)));
}

/** Whether a tracked connection is one the plan must judge: alive, touching a changed pod, not the node's own. */
function judged(c: TrackedConnection, pods: Set<string>, node: Set<string>): boolean {
  // A finished TCP connection has nothing left to cut: a new packet with its addresses opens a new one, which the rules judge.
  if (c.state === 'TIME_WAIT' || c.state === 'CLOSE') return false;
  return (pods.has(c.original.src) || pods.has(c.reply.src)) && !node.has(c.original.src);
}

/** The receiver is the reply's source: after a Service DNAT the original destination is the ClusterIP. */
const refusedBy = (plan: PolicyPlan, c: TrackedConnection): boolean => !isAllowed(plan, { src: c.original.src, dst: c.reply.src, protocol: c.protocol, port: c.reply.sport });

/** The connections `plan` refuses among those touching `pods`; the node's own are left alone. */
export function refusedConnections(plan: PolicyPlan, connections: TrackedConnection[], pods: Set<string>, node: Set<string>): TrackedConnection[] {
  return connections.filter((c) => judged(c, pods, node) && refusedBy(plan, c));
}

/**
 * The `conntrack -D` filters that remove the refused connections. conntrack dumps the whole
 * table once per filter, so filters are few and wide but never reach an allowed connection:
 * one per initiator and receiver when all their connections are refused, else one per
 * initiator, receiver, protocol and receiver port (the initiator's port does not matter to a
 * policy, so all connections matching such a filter are judged alike).
 */
export function cutFilters(plan: PolicyPlan, connections: TrackedConnection[], pods: Set<string>, node: Set<string>): string[] {
  const pairs = new Map<string, Array<{ c: TrackedConnection; refused: boolean }>>();
  for (const c of connections) {
    if (!judged(c, pods, node)) continue;
    const key = `${c.family} ${c.original.src} ${c.reply.src}`;
    pairs.set(key, [...(pairs.get(key) ?? []), { c, refused: refusedBy(plan, c) }]);
  }
  const filters = new Set<string>();
  for (const list of pairs.values()) {
    const { c } = list[0]!;
    if (list.every((j) => j.refused)) filters.add(['-D', '-f', c.family, '-s', c.original.src, '-r', c.reply.src].join(' '));
    else for (const j of list) if (j.refused) filters.add(classFilter(j.c));
  }
  return [...filters];
}

function classFilter(c: TrackedConnection): string {
  const words = ['-D', '-f', c.family, '-p', c.protocol, '-s', c.original.src, '-d', c.original.dst, '-r', c.reply.src];
  if (c.original.dport !== undefined) words.push('--dport', String(c.original.dport));
  if (c.reply.sport !== undefined) words.push('--reply-port-src', String(c.reply.sport));
  return words.join(' ');
}

/**
 * conntrack 1.4.7 stops the whole batch at the first entry that ended between its dump and
 * its delete ("such conntrack doesn't exist"), leaving the later filters undone. Every filter
 * is idempotent, so the batch runs again; each run finds fewer entries to race with.
 */
const VANISHED = "such conntrack doesn't exist";
const MAX_BATCH_RUNS = 5;

/** One conntrack process for all filters (`-R -` reads them from stdin); resolves with how many entries it deleted, and in how many runs. */
export async function deleteMatching(netns: string | undefined, filters: string[]): Promise<{ deleted: number; runs: number }> {
  let deleted = 0;
  if (filters.length === 0) return { deleted, runs: 0 };
  for (let run = 1; ; run++) {
    const result = await runTool(netns, 'conntrack', ['-R', '-'], `${filters.join('\n')}\n`, { pipe: true });
    // It prints each entry it deleted; one that ended meanwhile is simply not there.
    deleted += result.stdout.split('\n').filter((line) => parseConntrackLine(line, 'ipv4')).length;
    if (result.code === 0) return { deleted, runs: run };
    const stderr = result.stderr.trim();
    if (!stderr.includes(VANISHED) || run === MAX_BATCH_RUNS) {
      const tries = run > 1 ? ` (run ${run} of the batch)` : '';
      throw new Error(`conntrack -R - (${filters.length} deletions) failed${tries}: ${stderr || `exit ${result.code}`}`);
    }
  }
}

/** Deletes the tracked connections `next` no longer allows; resolves with how many entries were deleted. */
export async function cutRefusedConnections(netns: string | undefined, previous: PolicyPlan | undefined, next: PolicyPlan): Promise<number> {
  const pods = changedPods(previous, next);
  if (pods.size === 0) return 0;
  const [connections, node] = await Promise.all([listConnections(netns), nodeAddresses(netns)]);
  return (await deleteMatching(netns, cutFilters(next, connections, pods, node))).deleted;
}
