// The scripts against a model of what nft would do with them: a delta applied to the state a
// full script makes must give exactly the state the full script of the new view makes, and
// every command must be one the kernel accepts at that point (no element added twice, no
// chain deleted while something still jumps to it, no jump to a chain that does not exist).
import test from 'ava';
import { compileServices, type ServiceRules } from './compile.ts';
import type { Endpoints, Service } from './kube.ts';
import { deltaScript, fullScript } from './script.ts';
import { BASE, endpoints, service, subset } from './fixtures.test-helper.ts';

interface Model {
  chains: Map<string, string[]>;
  sets: Map<string, Map<string, string>>;
}

const TABLE_PREFIX = /^(add|delete|flush) (chain|rule|element|table) inet skerry ?/;

function targets(text: string): string[] {
  return [...text.matchAll(/\b(?:goto|jump) (\S+)/g)].map((m) => m[1]!.replace(/,$/, ''));
}

function elements(body: string): Array<[string, string]> {
  const inner = body.replace(/^\S+ \{ /, '').replace(/ \}$/, '');
  return inner.split(', ').map((item) => {
    const [key, value = ''] = item.split(' : ');
    return [key!, value];
  });
}

function referenced(model: Model, chain: string): boolean {
  for (const rules of model.chains.values()) if (rules.some((rule) => targets(rule).includes(chain))) return true;
  for (const set of model.sets.values()) for (const value of set.values()) if (targets(value).includes(chain)) return true;
  return false;
}

function declare(model: Model, line: string): void {
  const match = /^\s+(set|map|chain) (\S+) \{/.exec(line);
  if (!match) return;
  if (match[1] === 'chain') model.chains.set(match[2]!, []);
  else model.sets.set(match[2]!, new Map());
}

function must(condition: boolean, line: string, why: string): void {
  if (!condition) throw new Error(`${why}: ${line}`);
}

/** Applies one command the way nft would, failing where the kernel would refuse it. */
function run(model: Model, line: string): void {
  if (line.startsWith('  ')) return declare(model, line);
  if (line === 'add table inet skerry' || line === 'table inet skerry {' || line === '}') return;
  if (line === 'delete table inet skerry') return void (model.chains.clear(), model.sets.clear());
  const head = TABLE_PREFIX.exec(line);
  must(head !== null, line, 'unknown command');
  const [verb, what] = [head![1], head![2]];
  const rest = line.slice(head![0].length);
  const name = rest.split(' ')[0]!;
  for (const set of rest.matchAll(/@(\S+)/g)) must(model.sets.has(set[1]!), line, `no set ${set[1]}`);
  for (const chain of targets(rest)) must(model.chains.has(chain), line, `no chain ${chain}`);
  if (what === 'chain' && verb === 'add') return void (must(!model.chains.has(name), line, 'chain exists'), model.chains.set(name, []));
  if (what === 'chain' && verb === 'flush') return void (must(model.chains.has(name), line, 'no such chain'), model.chains.set(name, []));
  if (what === 'chain' && verb === 'delete') {
    must(model.chains.get(name)?.length === 0, line, 'chain missing or not empty');
    must(!referenced(model, name), line, 'chain still referenced');
    return void model.chains.delete(name);
  }
  if (what === 'rule') return void (must(model.chains.has(name), line, 'no such chain'), model.chains.get(name)!.push(rest.slice(name.length + 1)));
  const set = model.sets.get(name);
  must(set !== undefined, line, 'no such set');
  for (const [key, value] of elements(rest)) {
    must(set!.has(key) === (verb === 'delete'), line, verb === 'add' ? `element ${key} exists` : `no element ${key}`);
    if (verb === 'add') set!.set(key, value);
    else set!.delete(key);
  }
}

function apply(model: Model, script: string[]): Model {
  for (const line of script) run(model, line);
  return model;
}

const fresh = (rules: ServiceRules) => apply({ chains: new Map(), sets: new Map() }, fullScript(rules));
const snapshot = (model: Model) => ({
  chains: Object.fromEntries([...model.chains].sort(([a], [b]) => a.localeCompare(b))),
  sets: Object.fromEntries([...model.sets].map(([name, set]) => [name, [...set].sort(([a], [b]) => a.localeCompare(b))])),
});

// A small deterministic PRNG so a failing sequence can be replayed.
function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

function randomView(rand: () => number): { services: Service[]; endpoints: Endpoints[]; nodeIps: string[]; clusterCidr: string } {
  const services: Service[] = [];
  const eps: Endpoints[] = [];
  for (let i = 0; i < 12; i++) {
    if (rand() < 0.25) continue;
    const protocol = rand() < 0.7 ? 'TCP' : 'UDP';
    const nodePort = rand() < 0.3;
    services.push(service('ns', `s${i}`, `10.43.0.${i + 1}`, [{ name: 'p', port: 80, protocol, ...(nodePort ? { nodePort: 30000 + i } : {}) }], nodePort ? 'NodePort' : 'ClusterIP'));
    // Few pod addresses, so services share endpoints (and hairpin pairs) often.
    const ready = [1, 2, 3, 4].filter(() => rand() < 0.5).map((n) => `10.42.0.${n}`);
    eps.push(endpoints('ns', `s${i}`, [subset(ready, [{ name: 'p', port: 8000 + Math.floor(rand() * 2), protocol }])]));
  }
  const nodeIps = rand() < 0.8 ? ['192.168.77.1'] : [];
  return { services, endpoints: eps, nodeIps, clusterCidr: rand() < 0.9 ? '10.42.0.0/16' : '10.40.0.0/14' };
}

test('the full script builds the table: maps, sets, shared pick chains and one element per service address and endpoint', (t) => {
  const rules = compileServices({
    ...BASE,
    services: [service('default', 'web', '10.43.0.10', [{ name: 'http', port: 80, nodePort: 30080 }], 'NodePort'), service('default', 'down', '10.43.0.11', [{ port: 80 }])],
    endpoints: [endpoints('default', 'web', [subset(['10.42.0.5', '10.42.0.6'], [{ name: 'http', port: 8080 }])])],
  });
  const model = snapshot(fresh(rules));
  t.deepEqual(model.chains['pick-tcp-2'], ['ip saddr != 10.42.0.0/16 meta mark set meta mark | 0x4000', 'dnat ip to ip daddr . tcp dport . numgen random mod 2 map @service-endpoints-tcp']);
  t.deepEqual(model.chains['node-port-pick-tcp-2'], ['meta mark set meta mark | 0x4000', 'dnat ip to tcp dport . numgen random mod 2 map @node-port-endpoints-tcp']);
  t.deepEqual(model.sets['service-ips'], [['10.43.0.10 . tcp . 80', 'goto pick-tcp-2']]);
  t.deepEqual(model.sets['service-endpoints-tcp'], [['10.43.0.10 . 80 . 0', '10.42.0.5 . 8080'], ['10.43.0.10 . 80 . 1', '10.42.0.6 . 8080']]);
  t.deepEqual(model.sets['node-ports'], [['tcp . 30080', 'goto node-port-pick-tcp-2']]);
  t.deepEqual(model.sets['node-port-endpoints-tcp'], [['30080 . 0', '10.42.0.5 . 8080'], ['30080 . 1', '10.42.0.6 . 8080']]);
  t.deepEqual(model.sets['no-endpoint-services'], [['10.43.0.11 . tcp . 80', '']]);
  t.deepEqual(model.sets.hairpin, [['10.42.0.5 . 10.42.0.5', ''], ['10.42.0.6 . 10.42.0.6', '']]);
  t.deepEqual(model.sets['node-ips'], [['192.168.77.1', '']]);
  t.deepEqual(model.chains.services, ['ip daddr . meta l4proto . th dport vmap @service-ips', 'fib daddr type local ip daddr @node-ips meta l4proto . th dport vmap @node-ports']);
});

test('one endpoint more is a handful of commands, and nothing at all when nothing changed', (t) => {
  const view = (ready: string[]) => ({
    ...BASE,
    services: [service('default', 'web', '10.43.0.10', [{ port: 80 }]), service('default', 'other', '10.43.0.20', [{ port: 80 }])],
    endpoints: [endpoints('default', 'web', [subset(ready, [{ port: 8080 }])]), endpoints('default', 'other', [subset(['10.42.0.5'], [{ port: 8080 }])])],
  });
  const before = compileServices(view(['10.42.0.5']));
  const after = compileServices(view(['10.42.0.5', '10.42.0.6']));
  t.deepEqual(deltaScript(before, after), [
    'add chain inet skerry pick-tcp-2',
    'add rule inet skerry pick-tcp-2 ip saddr != 10.42.0.0/16 meta mark set meta mark | 0x4000',
    'add rule inet skerry pick-tcp-2 dnat ip to ip daddr . tcp dport . numgen random mod 2 map @service-endpoints-tcp',
    'delete element inet skerry service-ips { 10.43.0.10 . tcp . 80 }',
    'add element inet skerry service-ips { 10.43.0.10 . tcp . 80 : goto pick-tcp-2 }',
    'add element inet skerry service-endpoints-tcp { 10.43.0.10 . 80 . 1 : 10.42.0.6 . 8080 }',
    'add element inet skerry hairpin { 10.42.0.6 . 10.42.0.6 }',
  ]);
  t.deepEqual(deltaScript(after, compileServices(view(['10.42.0.6', '10.42.0.5']))), []);
});

test('a hairpin pair and a pick chain stay while another service still uses them', (t) => {
  const view = (withWeb: boolean) => ({
    ...BASE,
    services: [...(withWeb ? [service('default', 'web', '10.43.0.10', [{ port: 80 }])] : []), service('default', 'other', '10.43.0.20', [{ port: 80 }])],
    endpoints: [endpoints('default', 'web', [subset(['10.42.0.5'], [{ port: 8080 }])]), endpoints('default', 'other', [subset(['10.42.0.5'], [{ port: 9090 }])])],
  });
  const script = deltaScript(compileServices(view(true)), compileServices(view(false)));
  t.deepEqual(script, ['delete element inet skerry service-ips { 10.43.0.10 . tcp . 80 }', 'delete element inet skerry service-endpoints-tcp { 10.43.0.10 . 80 . 0 }']);
});

test('random sequences of views: every delta is accepted step by step and lands on what a full load makes', (t) => {
  for (let seed = 1; seed <= 40; seed++) {
    const rand = random(seed);
    let previous = compileServices(randomView(rand));
    const model = fresh(previous);
    for (let step = 0; step < 15; step++) {
      const next = compileServices(randomView(rand));
      try {
        apply(model, deltaScript(previous, next));
      } catch (error) {
        t.fail(`seed ${seed} step ${step}: ${(error as Error).message}`);
        return;
      }
      t.deepEqual(snapshot(model), snapshot(fresh(next)), `seed ${seed} step ${step}`);
      previous = next;
    }
  }
});

test('a delta from a state that was never applied in this process still counts shared use right', (t) => {
  const rand = random(99);
  const a = compileServices(randomView(rand));
  const b = compileServices(randomView(rand));
  const c = compileServices(randomView(rand));
  // b was never seen by fullScript or deltaScript: its use is counted afresh.
  const model = fresh(b);
  apply(model, deltaScript(b, c));
  t.deepEqual(snapshot(model), snapshot(fresh(c)));
  // a -> b -> c twice from the same `a`: the second run recounts (the first moved the counts on).
  const twice = fresh(a);
  apply(twice, deltaScript(a, b));
  const again = fresh(a);
  apply(again, deltaScript(a, b));
  t.deepEqual(snapshot(twice), snapshot(again));
});
