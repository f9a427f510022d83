// nft scripts for `inet skerry`: the whole table (first apply, or after a restart when what
// the kernel holds is unknown), or the delta between two compiled states, so one service's
// change costs a handful of commands whatever the number of services.
import type { ServicePortRule, ServiceRules } from './compile.ts';
import { BASE_CHAINS, DECLARATIONS, TABLE, fixedChains, hairpinElement, nodeIpElement, pickChainPlan, planPort, type ChainPlan, type ElementPlan, type Plan } from './plan.ts';
import { countUse, keepUse, takeUse, useOf, type SharedUse, type Touched } from './shared.ts';

// Big element lists are split so that no single nft command line grows without bound.
const ELEMENTS_PER_COMMAND = 1000;

function elementText(element: ElementPlan): string {
  return element.value === undefined ? element.key : `${element.key} : ${element.value}`;
}

function elementCommands(verb: 'add' | 'delete', elements: ElementPlan[], text: (e: ElementPlan) => string): string[] {
  const bySet = new Map<string, string[]>();
  for (const element of elements) {
    const items = bySet.get(element.set) ?? [];
    items.push(text(element));
    bySet.set(element.set, items);
  }
  const commands: string[] = [];
  for (const [set, items] of bySet) {
    for (let i = 0; i < items.length; i += ELEMENTS_PER_COMMAND) commands.push(`${verb} element ${TABLE} ${set} { ${items.slice(i, i + ELEMENTS_PER_COMMAND).join(', ')} }`);
  }
  return commands;
}

const addRules = (chain: ChainPlan) => chain.rules.map((rule) => `add rule ${TABLE} ${chain.name} ${rule}`);

function sharedPlan(rules: ServiceRules, use: SharedUse): Plan {
  const picks = [...use.picks.values()].filter((p) => p.users > 0).map(({ pick }) => pickChainPlan(pick, rules.clusterCidr));
  const ips = [...use.ips].filter(([, users]) => users > 0).map(([ip]) => hairpinElement(ip));
  return { chains: [...fixedChains(rules.nodeIps), ...picks], elements: [...rules.nodeIps.map(nodeIpElement), ...ips] };
}

/** Replaces the whole table in one transaction (add+delete makes the delete safe when it does not exist yet). */
export function fullScript(rules: ServiceRules): string[] {
  const use = useOf(rules);
  keepUse(rules, use);
  const plans = [sharedPlan(rules, use), ...rules.ports.map(planPort)];
  const chains = plans.flatMap((plan) => plan.chains);
  return [
    `add table ${TABLE}`,
    `delete table ${TABLE}`,
    `table ${TABLE} {`,
    ...DECLARATIONS.map((line) => `  ${line}`),
    '}',
    ...chains.filter((chain) => !BASE_CHAINS.has(chain.name)).map((chain) => `add chain ${TABLE} ${chain.name}`),
    ...chains.flatMap(addRules),
    ...elementCommands('add', plans.flatMap((plan) => plan.elements), elementText),
  ];
}

interface Delta {
  newChains: ChainPlan[];
  refills: ChainPlan[];
  removedChains: string[];
  removedElements: ElementPlan[];
  addedElements: ElementPlan[];
}

const sameList = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const EMPTY: Plan = { chains: [], elements: [] };

function diffPlans(before: Plan, after: Plan, delta: Delta): void {
  const oldChains = new Map(before.chains.map((c) => [c.name, c.rules]));
  const newChains = new Set(after.chains.map((c) => c.name));
  for (const chain of after.chains) {
    const old = oldChains.get(chain.name);
    if (!old) delta.newChains.push(chain);
    else if (!sameList(old, chain.rules)) delta.refills.push(chain);
  }
  for (const chain of before.chains) if (!newChains.has(chain.name)) delta.removedChains.push(chain.name);
  const id = (e: ElementPlan) => `${e.set} ${elementText(e)}`;
  const oldElements = new Set(before.elements.map(id));
  const newElements = new Set(after.elements.map(id));
  delta.removedElements.push(...before.elements.filter((e) => !newElements.has(id(e))));
  delta.addedElements.push(...after.elements.filter((e) => !oldElements.has(id(e))));
}

function samePort(a: ServicePortRule, b: ServicePortRule): boolean {
  return (
    a.protocol === b.protocol &&
    a.clusterIP === b.clusterIP &&
    a.port === b.port &&
    a.nodePort === b.nodePort &&
    a.endpoints.length === b.endpoints.length &&
    a.endpoints.every((e, i) => e.ip === b.endpoints[i]!.ip && e.port === b.endpoints[i]!.port)
  );
}

/** The elements of every port that changed, counting each change into `use`. */
function portDeltas(previous: ServiceRules, next: ServiceRules, use: SharedUse, touched: Touched, delta: Delta): void {
  const before = new Map(previous.ports.map((port) => [port.key, port]));
  for (const port of next.ports) {
    const old = before.get(port.key);
    before.delete(port.key);
    if (old && samePort(old, port)) continue;
    diffPlans(old ? planPort(old) : EMPTY, planPort(port), delta);
    if (old) countUse(use, old, -1, touched);
    countUse(use, port, 1, touched);
  }
  for (const old of before.values()) {
    diffPlans(planPort(old), EMPTY, delta);
    countUse(use, old, -1, touched);
  }
}

/** Pick chains and hairpin pairs that came into use or fell out of it; all pick chains when the cluster CIDR changed. */
function sharedDeltas(previous: ServiceRules, next: ServiceRules, use: SharedUse, touched: Touched, delta: Delta): void {
  for (const [name, was] of touched.picks) {
    const entry = use.picks.get(name)!;
    if (was === 0 && entry.users > 0) delta.newChains.push(pickChainPlan(entry.pick, next.clusterCidr));
    if (was > 0 && entry.users === 0) delta.removedChains.push(name);
    if (entry.users === 0) use.picks.delete(name);
  }
  if (previous.clusterCidr !== next.clusterCidr) {
    for (const [name, { pick, users }] of use.picks) if (users > 0 && touched.picks.get(name) !== 0) delta.refills.push(pickChainPlan(pick, next.clusterCidr));
  }
  for (const [ip, was] of touched.ips) {
    const users = use.ips.get(ip)!;
    if (was === 0 && users > 0) delta.addedElements.push(hairpinElement(ip));
    if (was > 0 && users === 0) delta.removedElements.push(hairpinElement(ip));
    if (users === 0) use.ips.delete(ip);
  }
}

/**
 * The commands that turn `previous` into `next`, in an order the kernel accepts inside one
 * transaction: new chains exist before anything jumps to them, and a chain is deleted only
 * after the elements that pointed at it are gone. Empty when nothing changed. Walks the
 * ports once to find the changed ones; the work after that is proportional to the change.
 */
export function deltaScript(previous: ServiceRules, next: ServiceRules): string[] {
  const delta: Delta = { newChains: [], refills: [], removedChains: [], removedElements: [], addedElements: [] };
  const fixed = (rules: ServiceRules): Plan => ({ chains: fixedChains(rules.nodeIps), elements: rules.nodeIps.map(nodeIpElement) });
  diffPlans(fixed(previous), fixed(next), delta);
  const use = takeUse(previous);
  const touched: Touched = { picks: new Map(), ips: new Map() };
  portDeltas(previous, next, use, touched, delta);
  sharedDeltas(previous, next, use, touched, delta);
  keepUse(next, use);
  return [
    ...delta.newChains.flatMap((chain) => [`add chain ${TABLE} ${chain.name}`, ...addRules(chain)]),
    ...delta.refills.flatMap((chain) => [`flush chain ${TABLE} ${chain.name}`, ...addRules(chain)]),
    ...elementCommands('delete', delta.removedElements, (e) => e.key),
    ...delta.removedChains.map((name) => `flush chain ${TABLE} ${name}`),
    ...delta.removedChains.map((name) => `delete chain ${TABLE} ${name}`),
    ...elementCommands('add', delta.addedElements, elementText),
  ];
}
