// Services in a real kernel, inside namespaces this test makes (pod-lab.test-helper.ts): a
// node with a bridge and three pods running busybox httpd, and a client host linked to it.
import test from 'ava';
import { applyServices, compileServices, NftError, removeServices, type ServiceRules } from './index.ts';
import type { Endpoints, Service } from './kube.ts';
import { endpoints, service, subset } from './fixtures.test-helper.ts';
import { CONNTRACK, NFT, NODE_IP, createPodLab, podLabUnavailable, type PodLab } from './pod-lab.test-helper.ts';

const why = podLabUnavailable();
const kTest = why ? test.skip : test.serial;
if (why) {
  test('services netns tests are skipped', (t) => {
    t.log(`skipped: ${why}`);
    t.pass();
  });
}

let lab: PodLab;
let applied: ServiceRules | undefined;

test.before(async () => {
  if (!why) lab = await createPodLab(3);
});

test.after.always(async () => {
  await lab?.destroy();
});

const WEB = '10.43.0.10';
const EMPTY = '10.43.0.11';
const SELF = '10.43.0.12';
const NODE_PORT = 30080;

interface View {
  services: Service[];
  endpoints: Endpoints[];
}

function view(webPods: number[], extra: View = { services: [], endpoints: [] }): View {
  const ips = webPods.map((n) => lab.pods[n - 1]!.ip);
  return {
    services: [
      service('default', 'web', WEB, [{ name: 'http', port: 80, targetPort: 'web', nodePort: NODE_PORT }], 'NodePort'),
      service('default', 'empty', EMPTY, [{ port: 80 }]),
      service('default', 'self', SELF, [{ port: 80 }]),
      service('default', 'headless', 'None', [{ port: 80 }]),
      ...extra.services,
    ],
    endpoints: [
      // targetPort "web" resolved to 8080 by the endpoints controller.
      endpoints('default', 'web', [subset(ips, [{ name: 'http', port: 8080 }])]),
      endpoints('default', 'empty', [subset([], [{ port: 8080 }], [lab.pods[0]!.ip])]),
      endpoints('default', 'self', [subset([lab.pods[0]!.ip], [{ port: 8080 }])]),
      endpoints('default', 'headless', [subset([lab.pods[1]!.ip], [{ port: 8080 }])]),
      ...extra.endpoints,
    ],
  };
}

async function apply(next: View): Promise<{ ms: number; compileMs: number; commands: number }> {
  const compiling = performance.now();
  const rules = compileServices({ ...next, nodeIps: [NODE_IP], clusterCidr: '10.42.0.0/16' });
  const started = performance.now();
  const result = await applyServicesTo(rules);
  return { ms: performance.now() - started, compileMs: started - compiling, commands: result.commands };
}

async function applyServicesTo(rules: ServiceRules) {
  const result = await applyServices(applied, rules, { netns: lab.nsPath(lab.node) });
  applied = rules;
  return result;
}

/** The reply direction of the node's conntrack entries for connections to `port`: who the server answered. */
async function answeredTo(port: number): Promise<string[]> {
  const out = await lab.exec(lab.node, [CONNTRACK, '-L', '-p', 'tcp', '--orig-port-dst', String(port)]);
  return [...out.stdout.matchAll(/dport=\d+ .*?src=(\S+) dst=(\S+)/g)].map((m) => `${m[1]} -> ${m[2]}`);
}

/** Which pods answered `count` GETs of `url` from `netns`, with the failures. */
async function spread(netns: string, url: string, count: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const answer = await lab.get(netns, url);
    const key = answer.ok ? answer.body : `error: ${answer.body}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return seen;
}

kTest('a pod reaches a ClusterIP service and connections spread over every ready endpoint', async (t) => {
  await apply(view([1, 2, 3]));
  const seen = await spread(lab.pods[1]!.netns, `http://${WEB}/`, 30);
  t.log(Object.fromEntries(seen));
  t.deepEqual([...seen.keys()].sort(), ['pod1', 'pod2', 'pod3']);
});

kTest('the node itself reaches a ClusterIP service (output hook)', async (t) => {
  const answer = await lab.get(lab.node, `http://${WEB}/`);
  t.true(answer.ok, answer.body);
  t.regex(answer.body, /^pod[123]$/);
});

kTest('an endpoint removed gets no new connections', async (t) => {
  const { commands } = await apply(view([1, 2]));
  t.true(commands > 0 && commands < 25, `${commands} commands`);
  const seen = await spread(lab.pods[0]!.netns, `http://${WEB}/`, 30);
  t.log(Object.fromEntries(seen));
  t.deepEqual([...seen.keys()].sort(), ['pod1', 'pod2']);
});

kTest('a service with no ready endpoint refuses connections at once (reject, not drop)', async (t) => {
  const answer = await lab.get(lab.pods[2]!.netns, `http://${EMPTY}/`);
  t.false(answer.ok);
  t.regex(answer.body, /Connection refused/);
  t.true(answer.ms < 1000, `${Math.round(answer.ms)} ms`);
  // From the node itself too (filter output).
  const fromNode = await lab.get(lab.node, `http://${EMPTY}/`);
  t.regex(fromNode.body, /Connection refused/);
});

kTest('a NodePort on the node address answers a client on another host, masqueraded', async (t) => {
  const seen = await spread(lab.client, `http://${NODE_IP}:${NODE_PORT}/`, 20);
  t.log(Object.fromEntries(seen));
  t.deepEqual([...seen.keys()].sort(), ['pod1', 'pod2']);
  // The pods answered the node's bridge address, not the client: masqueraded.
  const replies = await answeredTo(NODE_PORT);
  t.true(replies.length > 0);
  t.true(replies.every((r) => /^10\.42\.0\.1[12] -> 10\.42\.0\.1$/.test(r)), replies.join('; '));
  // A NodePort no service holds is not answered by the node.
  const other = await lab.get(lab.client, `http://${NODE_IP}:30099/`, 2);
  t.false(other.ok);
});

kTest('hairpin: a pod reaches itself through its own service', async (t) => {
  const answer = await lab.get(lab.pods[0]!.netns, `http://${SELF}/`);
  t.true(answer.ok, answer.body);
  t.is(answer.body, 'pod1');
  // Masqueraded: pod1 answered the bridge address, or it would have dropped a packet from itself.
  const replies = await lab.exec(lab.node, [CONNTRACK, '-L', '-p', 'tcp', '--orig-dst', SELF]);
  t.regex(replies.stdout, /src=10\.42\.0\.11 dst=10\.42\.0\.1 sport=8080/);
});

kTest('headless services get no rules: their address is not translated', async (t) => {
  const listing = await lab.exec(lab.node, [NFT, 'list', 'map', 'inet', 'skerry', 'service-ips']);
  t.is(listing.code, 0, listing.stderr);
  t.regex(listing.stdout, new RegExp(`${WEB.replace(/\./g, '\\.')} \\. tcp \\. 80 : goto pick-tcp-2`));
  t.notRegex(listing.stdout, /10\.42\.0\.12/);
});

function bulk(count: number): View {
  const services: Service[] = [];
  const eps: Endpoints[] = [];
  for (let i = 0; i < count; i++) {
    const name = `bulk${i}`;
    const ip = `10.43.${100 + (i >> 8)}.${i & 255}`;
    services.push(service('bulk', name, ip, [{ name: 'http', port: 80 }]));
    eps.push(endpoints('bulk', name, [subset([`10.44.${i >> 8}.${i & 255}`, `10.45.${i >> 8}.${i & 255}`], [{ name: 'http', port: 8080 }])]));
  }
  return { services, endpoints: eps };
}

kTest('10,000 services: the full load, then one service changed by a delta of a few ms', async (t) => {
  const many = bulk(10_000);
  const full = await applyServicesFresh(view([1, 2], many));
  t.log(`full load of ${many.services.length + 4} services: ${Math.round(full.ms)} ms, ${full.commands} nft commands`);
  const times: number[] = [];
  for (const pods of [[1, 2, 3], [1, 2], [1, 2, 3]]) {
    const delta = await apply(view(pods, many));
    times.push(delta.ms);
    t.log(`one service changed (web → pods ${pods.join(',')}): compile ${Math.round(delta.compileMs)} ms, apply ${delta.ms.toFixed(1)} ms, ${delta.commands} nft commands`);
  }
  // The delta is what changed, not the table: far below the full load.
  t.true(Math.min(...times) < full.ms / 4, `${times.join(', ')} vs ${full.ms}`);
  const seen = await spread(lab.pods[1]!.netns, `http://${WEB}/`, 30);
  t.deepEqual([...seen.keys()].sort(), ['pod1', 'pod2', 'pod3']);
  // The table the deltas made is the table a full load of the same view makes.
  const incremental = await listing();
  await applyServicesFresh(view([1, 2, 3], many));
  t.true(incremental === (await listing()), 'incremental and full tables differ');
});

async function listing(): Promise<string> {
  const out = await lab.exec(lab.node, [NFT, 'list', 'table', 'inet', 'skerry'], 60);
  // Element order inside a set listing is the kernel's hash order: compare as sorted lines.
  return out.stdout.split(/[\n,]/).map((line) => line.trim()).filter(Boolean).sort().join('\n');
}

async function applyServicesFresh(next: View): Promise<{ ms: number; commands: number }> {
  applied = undefined;
  return apply(next);
}

kTest('a delta against a table that is not there fails naming the failing nft command', async (t) => {
  await removeServices({ netns: lab.nsPath(lab.node) });
  const error = await t.throwsAsync(apply(view([1])));
  t.true(error instanceof NftError, String(error));
  t.regex(error!.message, new RegExp(`^nft -f - in netns /run/netns/${lab.node} failed \\(exit 1\\): .*No such file or directory; line \\d+: `));
  t.true((error as NftError).lines.length > 0);
  t.log(error!.message);
  const tables = await lab.exec(lab.node, [NFT, 'list', 'tables']);
  t.notRegex(tables.stdout, /skerry/);
});

kTest('removeServices deletes the table and may run again', async (t) => {
  await applyServicesFresh(view([1]));
  await removeServices({ netns: lab.nsPath(lab.node) });
  await removeServices({ netns: lab.nsPath(lab.node) });
  const tables = await lab.exec(lab.node, [NFT, 'list', 'tables']);
  t.is(tables.code, 0);
  t.notRegex(tables.stdout, /inet skerry/);
  const answer = await lab.get(lab.pods[1]!.netns, `http://${WEB}/`, 1);
  t.false(answer.ok);
});
