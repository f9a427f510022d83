// The resource API driven by real kubectl builds (1.20 from Debian, and the machine's 1.32
// through its dispatcher) over TLS with the kubeconfig `skerry kubeconfig` prints.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { kubectls, runKubectl, type Kubectl } from './helpers/kubectl.ts';
import { runSkerry, startServer, tempDir, type ServerProcess } from './helpers/skerry.ts';

const { present, missing } = kubectls();
let server: ServerProcess;
let dir: string;

test.before(async () => {
  dir = tempDir('api-kubectl');
  server = await startServer(path.join(dir, 'server'));
});

test.after.always(() => {
  server?.child.kill('SIGKILL');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A kubeconfig per kubectl build, in its own HOME, so discovery caches stay apart. */
async function kubeconfigFor(label: string): Promise<string> {
  const home = path.join(dir, label.replace(/\W+/g, '-'));
  fs.mkdirSync(home, { recursive: true });
  const printed = await runSkerry(['kubeconfig', '--data-dir', path.join(dir, 'server'), '--server', `https://127.0.0.1:${server.port}`]);
  if (printed.code !== 0) throw new Error(`skerry kubeconfig failed: ${printed.stderr}`);
  const file = path.join(home, 'kubeconfig');
  fs.writeFileSync(file, printed.stdout, { mode: 0o600 });
  return file;
}

const deployment = (ns: string, image: string, extraEnv = true) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ${image}
        ports: [{containerPort: 8080}]
        env:
        - {name: MODE, value: edge}
${extraEnv ? '        - {name: EXTRA, value: "1"}\n' : ''}      - name: sidecar
        image: busybox:1.36
`;

for (const kubectl of present) {
  const ns = kubectl.binary.includes('1.20') ? 'k120' : 'kmodern';
  const k = async (kubeconfig: string, args: string[], input?: string) => runKubectl(kubectl, kubeconfig, args, { input });

  test.serial(`${kubectl.label}: namespaces, apply create/unchanged/configured, get with server-side columns`, async (t) => {
    const kc = await kubeconfigFor(kubectl.label);
    const nsList = await k(kc, ['get', 'ns']);
    t.is(nsList.code, 0, nsList.stderr);
    t.regex(nsList.stdout, /^NAME\s+STATUS\s+AGE$/m);
    t.regex(nsList.stdout, /^default\s+Active\s+\d+[smh]$/m);
    t.regex(nsList.stdout, /^kube-system\s+Active/m);

    const created = await k(kc, ['create', 'namespace', ns]);
    t.is(created.code, 0, created.stderr);
    t.is(created.stdout.trim(), `namespace/${ns} created`);

    const apply1 = await k(kc, ['apply', '-f', '-'], deployment(ns, 'nginx:1.25'));
    t.is(apply1.code, 0, apply1.stderr);
    t.is(apply1.stdout.trim(), 'deployment.apps/web created');
    const apply2 = await k(kc, ['apply', '-f', '-'], deployment(ns, 'nginx:1.25'));
    t.is(apply2.stdout.trim(), 'deployment.apps/web unchanged', apply2.stderr);
    const apply3 = await k(kc, ['apply', '-f', '-'], deployment(ns, 'nginx:1.26', false));
    t.is(apply3.stdout.trim(), 'deployment.apps/web configured', apply3.stderr);

    const json = await k(kc, ['get', 'deploy', 'web', '-n', ns, '-o', 'json']);
    t.is(json.code, 0, json.stderr);
    const object = JSON.parse(json.stdout) as { metadata: { generation: number; annotations: Record<string, string> }; spec: { template: { spec: { containers: Array<{ name: string; image: string; env?: Array<{ name: string }> }> } } } };
    const containers = object.spec.template.spec.containers;
    t.deepEqual(containers.map((c) => `${c.name}=${c.image}`), ['web=nginx:1.26', 'sidecar=busybox:1.36']);
    t.deepEqual(containers[0]!.env?.map((e) => e.name), ['MODE'], 'the env var dropped from the manifest is gone (strategic merge)');
    t.is(object.metadata.generation, 2);
    t.truthy(object.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);

    const table = await k(kc, ['get', 'deployments', '-n', ns]);
    t.regex(table.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m, table.stderr);
    t.regex(table.stdout, /^web\s+0\/2\s+\d+\s+0\s+\d+s$/m, 'no node runs the pods yet, so none is ready');
    const wide = await k(kc, ['get', 'deploy', '-n', ns, '-o', 'wide']);
    t.regex(wide.stdout, /CONTAINERS\s+IMAGES\s+SELECTOR/);
    t.regex(wide.stdout, /web,sidecar\s+nginx:1\.26,busybox:1\.36\s+app=web/);
  });

  test.serial(`${kubectl.label}: pods by short name, -o wide, -A, label, patch of all three types, scale, delete`, async (t) => {
    const kc = await kubeconfigFor(kubectl.label);
    const pod = `apiVersion: v1\nkind: Pod\nmetadata: {name: solo, namespace: ${ns}, labels: {app: solo}}\nspec:\n  containers:\n  - {name: main, image: busybox:1.36, command: [sleep, "3600"]}\n`;
    const applied = await k(kc, ['apply', '-f', '-'], pod);
    t.is(applied.stdout.trim(), 'pod/solo created', applied.stderr);
    const po = await k(kc, ['get', 'po', '-n', ns]);
    t.regex(po.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m, po.stderr);
    t.regex(po.stdout, /^solo\s+0\/1\s+Pending\s+0\s+\d+s$/m);
    const wide = await k(kc, ['get', 'pods', '-n', ns, '-o', 'wide']);
    t.regex(wide.stdout, /IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
    // kubectl describe finds the pod's Events through the involvedObject field selectors; no node runs it yet.
    let described = await k(kc, ['describe', 'pod', 'solo', '-n', ns]);
    for (const deadline = Date.now() + 10_000; !/FailedScheduling/.test(described.stdout) && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      described = await k(kc, ['describe', 'pod', 'solo', '-n', ns]);
    }
    t.is(described.code, 0, described.stderr);
    t.regex(described.stdout, /^Name:\s+solo$/m);
    t.regex(described.stdout, /^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message$/m);
    t.regex(described.stdout, /^\s+Warning\s+FailedScheduling\s+\S+.*\s+default-scheduler\s+\S/m);
    const all = await k(kc, ['get', 'po', '-A']);
    t.regex(all.stdout, /^NAMESPACE\s+NAME\s+READY/m);
    t.regex(all.stdout, new RegExp(`^${ns}\\s+solo\\s+`, 'm'));

    const labeled = await k(kc, ['label', 'pod', 'solo', '-n', ns, 'tier=edge']);
    t.is(labeled.stdout.trim(), 'pod/solo labeled', labeled.stderr);
    const selected = await k(kc, ['get', 'pods', '-n', ns, '-l', 'tier=edge', '-o', 'name']);
    t.is(selected.stdout.trim(), 'pod/solo');
    const none = await k(kc, ['get', 'pods', '-n', ns, '-l', 'app=solo,tier!=edge', '-o', 'name']);
    t.is(none.stdout.trim(), '');
    const byField = await k(kc, ['get', 'pods', '-n', ns, '-l', 'app=solo', '--field-selector', 'status.phase=Pending', '-o', 'name']);
    t.is(byField.stdout.trim(), 'pod/solo', byField.stderr);

    const merge = await k(kc, ['patch', 'deploy', 'web', '-n', ns, '--type', 'merge', '-p', '{"metadata":{"labels":{"patched":"merge"}}}']);
    t.is(merge.stdout.trim(), 'deployment.apps/web patched', merge.stderr);
    const jsonPatch = await k(kc, ['patch', 'deploy', 'web', '-n', ns, '--type', 'json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/1/image","value":"busybox:1.37"}]']);
    t.is(jsonPatch.stdout.trim(), 'deployment.apps/web patched', jsonPatch.stderr);
    const strategic = await k(kc, ['patch', 'deploy', 'web', '-n', ns, '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}}']);
    t.is(strategic.stdout.trim(), 'deployment.apps/web patched', strategic.stderr);
    const images = await k(kc, ['get', 'deploy', 'web', '-n', ns, '-o', 'jsonpath={.spec.template.spec.containers[*].image} {.metadata.labels.patched}']);
    t.is(images.stdout, 'nginx:1.27 busybox:1.37 merge');
    const badJson = await k(kc, ['patch', 'deploy', 'web', '-n', ns, '--type', 'json', '-p', '[{"op":"replace","path":"/spec/nothing/here","value":1}]']);
    t.not(badJson.code, 0);

    const scaled = await k(kc, ['scale', 'deploy', 'web', '-n', ns, '--replicas=5']);
    t.is(scaled.stdout.trim(), 'deployment.apps/web scaled', scaled.stderr);
    const replicas = await k(kc, ['get', 'deploy', 'web', '-n', ns, '-o', 'jsonpath={.spec.replicas}']);
    t.is(replicas.stdout, '5');

    const deleted = await k(kc, ['delete', 'pod', 'solo', '-n', ns]);
    t.is(deleted.stdout.trim(), 'pod "solo" deleted', deleted.stderr);
    const gone = await k(kc, ['get', 'pod', 'solo', '-n', ns]);
    t.not(gone.code, 0);
    t.regex(gone.stderr, /pods "solo" not found/);
  });

  test.serial(`${kubectl.label}: rollout history, undo and status read what the Deployment controller writes`, async (t) => {
    const kc = await kubeconfigFor(kubectl.label);
    const history = await k(kc, ['rollout', 'history', 'deployment/web', '-n', ns]);
    t.is(history.code, 0, history.stderr);
    t.regex(history.stdout, /^REVISION\s+CHANGE-CAUSE$/m);
    const revisions = [...history.stdout.matchAll(/^(\d+)\s+<none>$/gm)].map((m) => Number(m[1]));
    t.true(revisions.length >= 3, history.stdout);
    const undone = await k(kc, ['rollout', 'undo', 'deployment/web', '-n', ns]);
    t.is(undone.stdout.trim(), 'deployment.apps/web rolled back', undone.stderr);
    const image = await k(kc, ['get', 'deploy', 'web', '-n', ns, '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
    t.is(image.stdout, 'nginx:1.26', 'undo restores the template of the previous revision');
    const after = await k(kc, ['rollout', 'history', 'deployment/web', '-n', ns]);
    t.regex(after.stdout, new RegExp(`^${Math.max(...revisions) + 1}\\s+<none>$`, 'm'), after.stdout);
    // No node runs these pods yet (agents come with the sync issue), so the rollout waits.
    const status = await k(kc, ['rollout', 'status', 'deployment/web', '-n', ns, '--timeout=3s']);
    t.not(status.code, 0);
    t.regex(status.stdout + status.stderr, /Waiting for deployment "web" rollout to finish: 0 of 5 updated replicas are available/);
  });

  test.serial(`${kubectl.label}: get -w streams a change as it happens`, async (t) => {
    const kc = await kubeconfigFor(kubectl.label);
    const child = spawn(kubectl.binary, ['--kubeconfig', kc, 'get', 'configmaps', '-n', ns, '-w'], { env: { PATH: process.env.PATH ?? '', HOME: path.dirname(kc) } });
    t.teardown(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const created = await k(kc, ['create', 'configmap', 'watched', '-n', ns, '--from-literal=a=1']);
    t.is(created.code, 0, created.stderr);
    const deadline = Date.now() + 10_000;
    while (!/^watched\s+1\s+/m.test(out) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    t.regex(out, /^watched\s+1\s+\d+s$/m);
  });

  test.serial(`${kubectl.label}: ownerReferences cascade, and deleting a namespace deletes what is in it`, async (t) => {
    const kc = await kubeconfigFor(kubectl.label);
    const space = `${ns}-cascade`;
    t.is((await k(kc, ['create', 'namespace', space])).code, 0);
    t.is((await k(kc, ['create', 'configmap', 'owner', '-n', space])).code, 0);
    const uid = (await k(kc, ['get', 'cm', 'owner', '-n', space, '-o', 'jsonpath={.metadata.uid}'])).stdout;
    const dependent = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${space}\n  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: ${uid}, blockOwnerDeletion: true}]\n`;
    t.is((await k(kc, ['apply', '-f', '-'], dependent('child'))).code, 0);
    const deleted = await k(kc, ['delete', 'cm', 'owner', '-n', space]);
    t.is(deleted.stdout.trim(), 'configmap "owner" deleted', deleted.stderr);
    const deadline = Date.now() + 10_000;
    let left = '';
    do {
      left = (await k(kc, ['get', 'cm', '-n', space, '-o', 'name'])).stdout.trim();
      if (left === '') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < deadline);
    t.is(left, '', 'the garbage collector deleted the dependent of the deleted owner');

    t.is((await k(kc, ['create', 'configmap', 'content', '-n', space, '--from-literal=a=1'])).code, 0);
    const gone = await k(kc, ['delete', 'namespace', space, '--timeout=20s']);
    t.is(gone.code, 0, gone.stderr);
    t.is(gone.stdout.trim(), `namespace "${space}" deleted`);
    const after = await k(kc, ['get', 'namespace', space]);
    t.regex(after.stderr, new RegExp(`namespaces "${space}" not found`));
    const content = await k(kc, ['get', 'cm', 'content', '-n', space]);
    t.regex(content.stderr, /not found/);
  });

  test.serial(`${kubectl.label}: invalid manifests and bad credentials get Kubernetes' errors`, async (t) => {
    const kc = await kubeconfigFor(kubectl.label);
    const noImage = `apiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: ${ns}}\nspec:\n  containers:\n  - {name: main}\n`;
    const invalid = await k(kc, ['apply', '--validate=false', '-f', '-'], noImage);
    t.not(invalid.code, 0);
    t.regex(invalid.stderr, /spec\.containers\[0\]\.image: Required value/);
    const missingNs = await k(kc, ['create', 'configmap', 'x', '-n', 'no-such-ns']);
    t.regex(missingNs.stderr, /namespaces "no-such-ns" not found/);
    const wrong = kc.replace(/kubeconfig$/, 'wrong-kubeconfig');
    fs.writeFileSync(wrong, fs.readFileSync(kc, 'utf8').replace(/token: .*/, 'token: K10notthetoken'));
    const denied = await k(wrong, ['get', 'pods']);
    t.not(denied.code, 0);
    t.regex(denied.stderr, /Unauthorized|must be logged in/);
  });
}

for (const what of missing) test.skip(`kubectl missing: ${what}`, () => undefined);
