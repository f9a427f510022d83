// `skerry describe` against a real server: a Deployment's pods bound to a registered Node, described
// with the Events the controllers and the scheduler record, and the same text kubectl prints.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import test from 'ava';
import { KUBECTL_DISPATCHER, runKubectl } from './helpers/kubectl.ts';
import { runSkerry, startServer, tempDir, type ServerProcess } from './helpers/skerry.ts';

let server: ServerProcess;
let dir: string;
let dataDir: string;
let kubeconfig: string;
const hasKubectl = fs.existsSync(KUBECTL_DISPATCHER);

/** A request to the API with the cluster token, as an agent registering its node would make. */
function api(method: string, urlPath: string, body: unknown, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  const ca = fs.readFileSync(path.join(dataDir, 'tls', 'server-ca.crt'), 'utf8');
  const token = fs.readFileSync(path.join(dataDir, 'token'), 'utf8').trim();
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: server.port, path: urlPath, method, ca, servername: 'localhost', headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) } }, (res) => {
      let answer = '';
      res.on('data', (d: Buffer) => (answer += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: answer }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

async function registerNode(name: string): Promise<void> {
  const created = await api('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'node-role.kubernetes.io/edge': '' } } });
  if (created.status !== 201) throw new Error(`node create: ${created.status} ${created.body}`);
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const status = {
    capacity: { cpu: '4', memory: '8Gi', pods: '110' },
    allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
    addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: at, lastTransitionTime: at }],
  };
  const patched = await api('PATCH', `/api/v1/nodes/${name}/status`, { status }, 'application/merge-patch+json');
  if (patched.status !== 200) throw new Error(`node status: ${patched.status} ${patched.body}`);
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const describe = (...args: string[]) => runSkerry(['describe', ...args, '--kubeconfig', kubeconfig]);

/** Describes until the output matches: events are written a moment after what they report. */
const describedWith = (pattern: RegExp, ...args: string[]) =>
  eventually(`describe ${args.join(' ')} to match ${pattern}`, async () => {
    const out = await describe(...args);
    return out.code === 0 && pattern.test(out.stdout) ? out.stdout : undefined;
  });

const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports: [{containerPort: 8080}]
        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 500m, memory: 128Mi}}
        env: [{name: MODE, value: edge}]
`;

let pods: string[] = [];

test.before(async () => {
  dir = tempDir('cli-describe');
  dataDir = path.join(dir, 'server');
  server = await startServer(dataDir, ['--mqtt-listen', '127.0.0.1:0']);
  const printed = await runSkerry(['kubeconfig', '--data-dir', dataDir, '--server', `https://127.0.0.1:${server.port}`]);
  kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(kubeconfig, printed.stdout, { mode: 0o600 });
  await registerNode('edge-1');
  fs.writeFileSync(path.join(dir, 'web.yaml'), manifest);
  const applied = await runSkerry(['apply', '-f', path.join(dir, 'web.yaml'), '--kubeconfig', kubeconfig]);
  if (applied.code !== 0) throw new Error(`apply: ${applied.stderr}`);
  pods = await eventually('both pods bound to edge-1', async () => {
    const listed = JSON.parse((await runSkerry(['get', 'pods', '-o', 'json', '--kubeconfig', kubeconfig])).stdout) as { items: Array<{ metadata: { name: string }; spec: { nodeName?: string } }> };
    const bound = listed.items.filter((p) => p.spec.nodeName === 'edge-1').map((p) => p.metadata.name);
    return bound.length === 2 ? bound.sort() : undefined;
  });
});

test.after.always(() => {
  server?.child.kill('SIGKILL');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test.serial('describe pod: where it runs, who owns it, its container, and the Scheduled event', async (t) => {
  const name = pods[0]!;
  const out = await describedWith(/Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned/, 'pod', name);
  t.regex(out, new RegExp(`^Name:\\s+${name}$`, 'm'));
  t.regex(out, /^Namespace:\s+default$/m);
  t.regex(out, /^Node:\s+edge-1\/$/m);
  t.regex(out, /^Controlled By:\s+ReplicaSet\/web-\w+$/m);
  t.regex(out, /^ {4}Image:\s+nginx:1\.25$/m);
  t.regex(out, /^ {4}Port:\s+8080\/TCP$/m);
  t.regex(out, /^ {6}MODE:\s+edge$/m);
  t.regex(out, /^ {2}PodScheduled\s+True $/m);
  t.regex(out, /^QoS Class:\s+Burstable$/m);
  t.regex(out, /^Events:\n {2}Type {4}Reason {5}Age\s+From {15}Message\n {2}---- {4}------ {5}----\s+---- {15}-------\n/m);
  t.regex(out, new RegExp(`Successfully assigned default/${name} to edge-1$`, 'm'));
});

test.serial('describe deployment and replicaset: replicas, sets, ScalingReplicaSet and SuccessfulCreate events', async (t) => {
  const deployment = await describedWith(/ScalingReplicaSet/, 'deployment', 'web');
  t.regex(deployment, /^Replicas:\s+2 desired \| 2 updated \| 2 total \| 0 available \| 2 unavailable$/m);
  t.regex(deployment, /^StrategyType:\s+RollingUpdate$/m);
  t.regex(deployment, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
  const set = /^NewReplicaSet:\s+(web-\w+) \(2\/2 replicas created\)$/m.exec(deployment)?.[1];
  t.truthy(set, deployment);
  t.regex(deployment, new RegExp(`Normal\\s+ScalingReplicaSet\\s+\\S+\\s+deployment-controller\\s+Scaled up replica set ${set} to 2$`, 'm'));
  const rs = await describedWith(/SuccessfulCreate[\s\S]*SuccessfulCreate/, 'rs', set!);
  t.regex(rs, /^Controlled By:\s+Deployment\/web$/m);
  t.regex(rs, /^Replicas:\s+2 current \/ 2 desired$/m);
  for (const pod of pods) t.regex(rs, new RegExp(`Normal\\s+SuccessfulCreate\\s+\\S+\\s+replicaset-controller\\s+Created pod: ${pod}$`, 'm'));
});

test.serial('describe node: roles, conditions, its pods and the resources they request', async (t) => {
  const out = await describe('node', 'edge-1');
  t.is(out.code, 0, out.stderr);
  t.regex(out.stdout, /^Roles:\s+edge$/m);
  t.regex(out.stdout, /^ {2}Ready\s+True\s+.+KubeletReady\s+kubelet is posting ready status$/m);
  t.regex(out.stdout, /^Non-terminated Pods:\s+\(2 in total\)$/m);
  for (const pod of pods) t.regex(out.stdout, new RegExp(`^ {2}default\\s+${pod}\\s+100m \\(2%\\)\\s+500m \\(12%\\)\\s+64Mi \\(0%\\)\\s+128Mi \\(1%\\)`, 'm'));
  t.regex(out.stdout, /^ {2}cpu\s+200m \(5%\)\s+1 \(25%\)$/m);
});

test.serial('describe by prefix and selector; a name that matches nothing is NotFound', async (t) => {
  const bySelector = await describe('pods', '-l', 'app=web');
  t.is(bySelector.code, 0, bySelector.stderr);
  t.is(bySelector.stdout.match(/^Name:/gm)?.length, 2);
  const byPrefix = await describe('pod', 'web-');
  t.is(byPrefix.stdout.match(/^Name:/gm)?.length, 2);
  const missing = await describe('pod', 'nope');
  t.is(missing.code, 1);
  t.is(missing.stderr, 'Error from server (NotFound): pods "nope" not found\n');
  const none = await describe('configmaps', '-l', 'app=none');
  t.is(none.stderr, 'No resources found in default namespace.\n');
});

// Ages move between the two runs; everything else must be identical.
const withoutAge = (text: string) => text.replace(/\b\d+[smhd](\d+[smh])?\b/g, 'AGE').replace(/ +/g, ' ');

(hasKubectl ? test.serial : test.skip)('skerry describe prints what kubectl describe prints', async (t) => {
  for (const args of [['pod', pods[0]!], ['deployment', 'web'], ['node', 'edge-1'], ['namespace', 'default']]) {
    const ours = await describe(...args);
    const theirs = await runKubectl({ label: 'kubectl', binary: KUBECTL_DISPATCHER }, kubeconfig, ['describe', ...args]);
    t.is(theirs.code, 0, theirs.stderr);
    t.is(withoutAge(ours.stdout), withoutAge(theirs.stdout), args.join(' '));
  }
});
