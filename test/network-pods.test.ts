// The pod network end to end (issue 7), on the multi-node lab: the built server in its own
// network namespace, three agents each in a node namespace on one underlay, real pods.
// Node IPAM, the CNI chain (nodes 0 and 1 run the built-in plugin, node 2 Debian's reference
// plugins through --cni-conf-dir), the overlay, Services, node-local DNS and NetworkPolicy
// are all driven through the API, as a user would. The test process reaches
// the API through a Unix socket relay, so nothing listens on the host's network. Needs root;
// skipped, saying why, where the lab cannot be made.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { listContainers } from '../native/index.ts';
import { api, waitForReadyNode, waitUntil } from './helpers/cluster.ts';
import { startLabCluster, startNodeAgent, stopLabCluster, type LabCluster, type LabNode } from './helpers/lab-cluster.ts';
import { IMAGE } from './helpers/pods.ts';
import { SKERRY } from './helpers/skerry.ts';
import { labUnavailable, type LabHost } from './lab/index.ts';

const why = labUnavailable() ?? (!fs.existsSync(SKERRY) ? 'needs the build (npm run build)' : undefined);
const labTest = why ? test.skip : test.serial;
const NEEDS = why ? ` (skipped: ${why})` : '';
const NSENTER = '/usr/bin/nsenter';
const BUSYBOX = '/bin/busybox';

let cluster: LabCluster | undefined;

/** Debian's bridge + host-local + portmap as a node's CNI chain, with the placeholders the agent fills in. */
function referenceConflist(node: { agentDir: string }): string {
  const dir = path.join(path.dirname(node.agentDir), 'cni');
  fs.mkdirSync(dir, { recursive: true });
  const conflist = {
    cniVersion: '1.0.0',
    name: 'skerry-reference',
    plugins: [
      { type: 'bridge', bridge: 'skerry0', isGateway: true, ipMasq: false, hairpinMode: true, mtu: 'usePodMtu', ipam: { type: 'host-local', ranges: [[{ subnet: 'usePodCidr' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: path.join(node.agentDir, 'host-local') } },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
  fs.writeFileSync(path.join(dir, '10-reference.conflist'), JSON.stringify(conflist, null, 2));
  return dir;
}

test.before(async () => {
  if (why) return;
  cluster = await startLabCluster('network-pods', { nodes: 3, agentFlags: (i, node) => (i === 2 ? ['--cni-conf-dir', referenceConflist(node)] : []) });
});

test.after.always(() => stopLabCluster(cluster));

const c = () => cluster!;

async function post(resource: string, object: Record<string, unknown>, namespace = 'default'): Promise<Record<string, unknown>> {
  const group = resource === 'networkpolicies' ? '/apis/networking.k8s.io/v1' : '/api/v1';
  const answer = await api(c().api, 'POST', `${group}/namespaces/${namespace}/${resource}`, object);
  if (answer.status !== 201) throw new Error(`create ${resource}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** A busybox httpd pod on a node that serves its own name. */
function webPod(name: string, node: LabNode, labels: Record<string, string> = { app: 'web' }): Record<string, unknown> {
  const script = 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www';
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
    spec: { nodeName: node.name, terminationGracePeriodSeconds: 0, containers: [{ name: 'web', image: IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', script], ports: [{ name: 'http', containerPort: 80 }] }] },
  };
}

interface RunningPod {
  name: string;
  ip: string;
  uid: string;
  node: LabNode;
}

async function runningPod(name: string, node: LabNode): Promise<RunningPod> {
  return waitUntil(`pod ${name} running with an IP`, async () => {
    const answer = await api(c().api, 'GET', `/api/v1/namespaces/default/pods/${name}`);
    const status = answer.body.status as { phase?: string; podIP?: string } | undefined;
    const uid = (answer.body.metadata as { uid: string }).uid;
    return status?.phase === 'Running' && status.podIP ? { name, ip: status.podIP, uid, node } : undefined;
  }, 60_000);
}

const podNetns = (pod: RunningPod) => path.join(pod.node.podsRoot, pod.uid, 'ns', 'net');

/** Runs busybox inside the pod's network namespace (the host's busybox, the pod's network). */
async function inPod(pod: RunningPod, args: string[], timeoutMs = 10_000) {
  return c().lab.exec(podNetns(pod), [BUSYBOX, ...args], { allowFailure: true, timeoutMs });
}

/** Runs a command inside the pod's container: its network and its filesystem (resolv.conf), as kubectl exec would. */
async function inContainer(pod: RunningPod, args: string[], timeoutMs = 10_000) {
  const container = listContainers(pod.node.runtimeRoot).find((x) => x.record.annotations?.['io.kubernetes.pod.uid'] === pod.uid && x.running());
  if (!container) throw new Error(`no running container of ${pod.name}`);
  return c().lab.exec(podNetns(pod), [NSENTER, `--target=${container.record.pid}`, '--mount', '--uts', ...args], { allowFailure: true, timeoutMs });
}

/**
 * An HTTP GET from inside the pod's network namespace, with busybox nc (busybox 1.35's wget
 * crashes when given -T): the page's body, or undefined when no answer came within 2 s.
 */
async function fetchFrom(where: RunningPod | LabHost, url: string): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  const netns = 'uid' in where ? podNetns(where) : where.netnsPath;
  const result = await c().lab.exec(netns, [BUSYBOX, 'nc', '-w', '2', hostname, port || '80'], { input: 'GET / HTTP/1.0\r\n\r\n', allowFailure: true, timeoutMs: 5_000 });
  const body = result.stdout.split('\r\n\r\n')[1];
  return result.stdout.startsWith('HTTP/1.') && body !== undefined ? body.trim() : undefined;
}

const pods: Record<string, RunningPod> = {};

labTest(`each node gets its own pod CIDR and each pod an address from it${NEEDS}`, async (t) => {
  const cidrs = new Set<string>();
  for (const node of c().nodes) {
    const answer = await api(c().api, 'GET', `/api/v1/nodes/${node.name}`);
    const cidr = (answer.body.spec as { podCIDR?: string }).podCIDR;
    t.regex(cidr ?? '', /^10\.42\.\d+\.0\/24$/);
    cidrs.add(cidr!);
  }
  t.is(cidrs.size, 3);
  for (const [i, node] of c().nodes.entries()) await post('pods', webPod(`web-${i}`, node));
  for (const [i, node] of c().nodes.entries()) pods[`web-${i}`] = await runningPod(`web-${i}`, node);
  for (const [i, node] of c().nodes.entries()) {
    const answer = await api(c().api, 'GET', `/api/v1/nodes/${node.name}`);
    const prefix = ((answer.body.spec as { podCIDR: string }).podCIDR).split('.').slice(0, 3).join('.');
    t.true(pods[`web-${i}`]!.ip.startsWith(`${prefix}.`), `${pods[`web-${i}`]!.ip} in ${prefix}.0/24`);
  }
});

labTest(`pods reach each other on one node and across nodes; nodes reach pods and pods reach nodes${NEEDS}`, async (t) => {
  const [n0] = c().nodes;
  await post('pods', webPod('peer-0', n0!, { app: 'peer' }));
  pods['peer-0'] = await runningPod('peer-0', n0!);
  const from = pods['peer-0']!;
  t.is(await fetchFrom(from, `http://${pods['web-0']!.ip}/`), 'web-0', 'same node');
  t.is(await fetchFrom(from, `http://${pods['web-1']!.ip}/`), 'web-1', 'across nodes');
  t.is(await fetchFrom(from, `http://${pods['web-2']!.ip}/`), 'web-2', 'across nodes');
  t.is(await fetchFrom(c().nodes[1]!.host, `http://${pods['web-2']!.ip}/`), 'web-2', 'node → pod on another node');
  const podToNode = await c().lab.ping(podNetns(from), c().nodes[2]!.host.ip, { count: 2, intervalMs: 200 });
  t.is(podToNode.received, 2, 'pod → another node');
});

labTest(`a ping with DF at exactly the pod MTU crosses nodes, one byte more does not${NEEDS}`, async (t) => {
  const from = pods['web-0']!;
  const to = pods['web-1']!;
  // Not /sys/class/net: sysfs shows the namespace of whoever mounted it, the host's.
  const link = JSON.parse((await c().lab.exec(podNetns(from), ['/usr/sbin/ip', '-j', 'link', 'show', 'eth0'])).stdout) as Array<{ mtu: number }>;
  const mtu = link[0]!.mtu;
  t.is(mtu, c().lab.mtu - 50);
  const fits = await c().lab.ping(podNetns(from), to.ip, { count: 2, size: mtu - 28, dontFragment: true, intervalMs: 200 });
  t.is(fits.received, 2, `${mtu - 28} data bytes fit`);
  const tooBig = await c().lab.ping(podNetns(from), to.ip, { count: 2, size: mtu - 27, dontFragment: true, intervalMs: 200, waitMs: 1000 });
  t.is(tooBig.received, 0, `${mtu - 27} data bytes do not`);
});

labTest(`a ClusterIP Service spreads connections over its pods and answers by name from the node-local DNS${NEEDS}`, async (t) => {
  const service = await post('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 'http' }] } });
  const clusterIp = (service.spec as { clusterIP: string }).clusterIP;
  t.regex(clusterIp, /^10\.43\./);
  const from = pods['peer-0']!;
  const seen = new Set<string>();
  await waitUntil('all three endpoints answer through the ClusterIP', async () => {
    const page = await fetchFrom(from, `http://${clusterIp}:8080/`);
    if (page) seen.add(page);
    return seen.size === 3;
  }, 30_000);
  t.deepEqual([...seen].sort(), ['web-0', 'web-1', 'web-2']);
  const resolvConf = await inContainer(from, ['/bin/cat', '/etc/resolv.conf']);
  t.regex(resolvConf.stdout, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
  const lookup = await inContainer(from, ['/bin/busybox', 'nslookup', 'web.default.svc.cluster.local']);
  t.true(lookup.stdout.includes(clusterIp), lookup.stdout + lookup.stderr);
  const byShortName = await inContainer(from, ['/bin/busybox', 'wget', '-q', '-O', '-', 'http://web:8080/']);
  t.regex(byShortName.stdout.trim(), /^web-[012]$/, byShortName.stderr);
});

labTest(`a Service without ready endpoints refuses at once instead of black-holing${NEEDS}`, async (t) => {
  const service = await post('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nobody' }, spec: { selector: { app: 'nobody' }, ports: [{ port: 80 }] } });
  const clusterIp = (service.spec as { clusterIP: string }).clusterIP;
  await waitUntil('the rule is in place', async () => {
    const started = Date.now();
    const result = await inPod(pods['peer-0']!, ['nc', '-w', '3', clusterIp, '80']);
    return result.code !== 0 && Date.now() - started < 1_000 && /refused/i.test(result.stderr);
  }, 15_000);
  t.pass();
});

labTest(`a NodePort answers on every node's address, from another node${NEEDS}`, async (t) => {
  const service = await post('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-np' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80 }] } });
  const nodePort = (service.spec as { ports: Array<{ nodePort: number }> }).ports[0]!.nodePort;
  t.true(nodePort >= 30000 && nodePort <= 32767);
  const [n0, n1] = c().nodes;
  const page = await waitUntil('the NodePort answers', () => fetchFrom(n1!.host, `http://${n0!.host.ip}:${nodePort}/`), 15_000);
  t.regex(page, /^web-[012]$/);
});

labTest(`an endpoint that leaves a Service leaves every node's rules within a second${NEEDS}`, async (t) => {
  const gone = pods['web-2']!;
  const node = c().nodes[0]!;
  const inRules = async () => (await c().lab.exec(node.host, ['/usr/sbin/nft', 'list', 'map', 'inet', 'skerry', 'service-endpoints-tcp'])).stdout.includes(gone.ip);
  t.true(await inRules(), 'web-2 is an endpoint before');
  const started = Date.now();
  const patched = await api(c().api, 'PATCH', `/api/v1/namespaces/default/pods/${gone.name}`, { metadata: { labels: { app: 'retired' } } });
  t.is(patched.status, 200);
  await waitUntil('web-2 gone from node 0’s Service map', async () => !(await inRules()), 10_000);
  const tookMs = Date.now() - started;
  t.log(`label change → endpoint out of another node's nftables map: ${tookMs} ms`);
  t.true(tookMs <= 1_000, `${tookMs} ms`);
  pods['web-2-retired'] = gone;
});

labTest(`NetworkPolicy: deny, allow by label, and it holds while the node is cut off and its agent restarts${NEEDS}`, async (t) => {
  const from = pods['peer-0']!;
  const target = pods['web-1']!;
  await post('networkpolicies', {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web-deny' },
    spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 'http' }] }] },
  });
  await waitUntil('ingress to web-1 denied', async () => (await fetchFrom(from, `http://${target.ip}/`)) === undefined, 15_000);
  await post('pods', { ...webPod('client-0', c().nodes[0]!, { role: 'client' }) });
  pods['client-0'] = await runningPod('client-0', c().nodes[0]!);
  await waitUntil('a client pod is let in', async () => (await fetchFrom(pods['client-0']!, `http://${target.ip}/`)) === 'web-1', 15_000);
  t.is(await fetchFrom(from, `http://${target.ip}/`), undefined, 'still denied to the unlabelled pod');
  // Cut web-1's node off and restart its agent there: the policy must hold from the local view.
  const node1 = c().nodes[1]!;
  await c().lab.partition(node1.host, 'drop');
  try {
    await node1.agent.stop('SIGKILL');
    node1.agent = startNodeAgent(c(), node1);
    await node1.agent.waitForLog((l) => l.msg === 'node network started', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    t.is(await fetchFrom(from, `http://${target.ip}/`), undefined, 'denied while the node is offline');
    const lookup = await inContainer(target, ['/bin/busybox', 'nslookup', 'web.default.svc.cluster.local']);
    t.regex(lookup.stdout, /Address: 10\.43\./, 'the node-local DNS answers while the node is offline');
  } finally {
    await c().lab.heal(node1.host);
  }
  await waitForReadyNode(c().api, node1.name, 30_000);
  t.is(await fetchFrom(pods['client-0']!, `http://${target.ip}/`), 'web-1', 'the client is still let in after the node is back');
});
