// applyPolicy against the kernel: after every incremental step the table must be exactly what
// building the same plan from nothing gives, compared in two network namespaces of the test's own.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import test from 'ava';
import { findTool, runTool } from '../host/index.ts';
import { applyPolicy, compilePolicy, deletePolicyTable, type NetworkPolicy, type PolicyPlan, type PolicyPod } from './index.ts';

const run = promisify(execFile);
const IP = findTool('ip');
const why = process.getuid?.() !== 0 ? 'needs root (network namespaces, nft)' : !findTool('nft') || !IP || !findTool('nsenter') ? 'needs nft, ip and nsenter' : undefined;
const kTest = why ? test.skip : test.serial;
if (why) {
  test(`applyPolicy kernel tests skipped: ${why}`, (t) => {
    t.log(why);
    t.pass();
  });
}

const id = crypto.randomBytes(3).toString('hex');
const NS = { stepped: `skerry${id}-stepped`, fresh: `skerry${id}-fresh` };
const file = (name: string) => `/run/netns/${name}`;
const made: string[] = [];

test.before(async () => {
  if (why) return;
  for (const name of Object.values(NS)) {
    await run(IP!, ['netns', 'add', name]);
    made.push(name);
  }
});

test.after.always(async () => {
  for (const name of made) await run(IP!, ['netns', 'del', name]).catch(() => undefined);
});

type Json = Record<string, unknown>;

/** The table as nft -j lists it, without handles and with set elements sorted (hash sets list in hash order). */
async function listing(netns: string): Promise<Json> {
  const result = await runTool(file(netns), 'nft', ['-j', 'list', 'table', 'inet', 'skerry-policy']);
  if (result.code !== 0) throw new Error(result.stderr);
  const objects = (JSON.parse(result.stdout) as { nftables: Json[] }).nftables;
  const out: Json = { sets: {}, chains: {}, rules: {} };
  const strip = (o: Json) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'handle'));
  for (const o of objects) {
    const [kind, body] = Object.entries(o)[0] as [string, Json];
    if (kind === 'set' || kind === 'map') {
      const elem = ((body.elem as unknown[]) ?? []).map((e) => JSON.stringify(e)).sort();
      (out.sets as Json)[body.name as string] = { ...strip(body), elem };
    } else if (kind === 'chain') (out.chains as Json)[body.name as string] = strip(body);
    else if (kind === 'rule') {
      const rules = ((out.rules as Json)[body.chain as string] ??= []) as unknown[];
      rules.push(strip(body));
    }
  }
  return out;
}

const pod = (namespace: string, name: string, ip: string, app = name): PolicyPod => ({ namespace, name, labels: { app }, ips: [ip], ports: [{ name: 'web', containerPort: 8000 + Number(ip.split('.')[3]) }] });
const np = (namespace: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({ metadata: { namespace, name }, spec });
const PODS = [pod('x', 'a', '10.0.0.1'), pod('x', 'b', '10.0.0.2'), pod('y', 'a', '10.0.1.1'), pod('y', 'b', '10.0.1.2'), pod('z', 'v6', 'fd00::7')];
const plan = (policies: NetworkPolicy[], pods = PODS): PolicyPlan => compilePolicy({ policies, pods, namespaces: [{ name: 'y', labels: { team: 'y' } }], localPodIps: pods.map((p) => p.ips[0]!) });

const denyX = np('x', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const fromY = np('x', 'from-y', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'y' } } }], ports: [{ port: 'web' }, { port: 80, endPort: 90 }] }] });
const blocks = np('y', 'blocks', {
  podSelector: {},
  policyTypes: ['Egress'],
  egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.0.0/24'] } }, { ipBlock: { cidr: 'fd00::/8' } }], ports: [{ protocol: 'UDP', port: 53 }] }],
});
const v6 = np('z', 'v6', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }, { namespaceSelector: {} }] }] });

const STEPS: Array<[string, PolicyPlan]> = [
  ['one policy', plan([fromY])],
  ['more policies, both families', plan([fromY, denyX, blocks, v6])],
  ['a pod relabeled', plan([fromY, denyX, blocks, v6], [pod('x', 'a', '10.0.0.1', 'b'), ...PODS.slice(1)])],
  ['a pod added', plan([fromY, denyX, blocks, v6], [...PODS, pod('y', 'c', '10.0.1.3'), pod('x', 'c', '10.0.0.3', 'a')])],
  ['a policy changed', plan([np('x', 'from-y', { podSelector: {}, ingress: [{}] }), denyX, blocks, v6])],
  ['a policy removed', plan([fromY, blocks, v6])],
  ['a pod deleted', plan([fromY, blocks, v6], PODS.filter((p) => p.name !== 'b'))],
  ['all policies removed', plan([])],
  ['back again', plan([fromY, denyX, blocks, v6])],
];

kTest('every incremental step leaves the table a fresh build of the same plan would make', async (t) => {
  let previous: PolicyPlan | undefined;
  for (const [step, next] of STEPS) {
    const stepped = await applyPolicy(previous, next, { netns: file(NS.stepped) });
    await applyPolicy(undefined, next, { netns: file(NS.fresh) });
    t.is(stepped.mode, previous ? 'incremental' : 'full', step);
    t.is(stepped.fallback, undefined, step);
    t.deepEqual(await listing(NS.stepped), await listing(NS.fresh), step);
    previous = next;
  }
});

kTest('re-applying the same plan sends nothing; deletePolicyTable removes the table, twice is fine', async (t) => {
  const p = plan([fromY]);
  await applyPolicy(undefined, p, { netns: file(NS.stepped) });
  t.deepEqual(await applyPolicy(p, p, { netns: file(NS.stepped) }), { mode: 'incremental', commands: 0, cutConnections: 0 });
  await deletePolicyTable({ netns: file(NS.stepped) });
  await deletePolicyTable({ netns: file(NS.stepped) });
  const listed = await runTool(file(NS.stepped), 'nft', ['list', 'tables']);
  t.false(listed.stdout.includes('skerry-policy'));
});

kTest('a plan nft refuses is reported with the failing line, and the table keeps what it had', async (t) => {
  const p = plan([fromY]);
  await applyPolicy(undefined, p, { netns: file(NS.stepped) });
  const before = await listing(NS.stepped);
  const broken: PolicyPlan = { ...p, chains: { 'np-bad name': { policy: 'x/bad', direction: 'ingress', rules: [] } } };
  await t.throwsAsync(applyPolicy(undefined, broken, { netns: file(NS.stepped) }), { message: /^nft -f - in \/run\/netns\/skerry.* failed: .*:8:.*syntax error.*\nadd chain inet skerry-policy np-bad name/s });
  t.deepEqual(await listing(NS.stepped), before, 'the transaction applied nothing');
});
