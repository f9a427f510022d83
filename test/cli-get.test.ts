// `skerry get` prints what kubectl get prints for the same objects (the server's Table columns,
// -o wide, -A, -o name/json), reading the same kubeconfig.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { KUBECTL_DISPATCHER, runKubectl } from './helpers/kubectl.ts';
import { runSkerry, startServer, tempDir, type ServerProcess } from './helpers/skerry.ts';

let server: ServerProcess;
let dir: string;
let kubeconfig: string;
const kubectl = { label: 'kubectl', binary: KUBECTL_DISPATCHER };
const hasKubectl = fs.existsSync(KUBECTL_DISPATCHER);

test.before(async () => {
  dir = tempDir('cli-get');
  server = await startServer(path.join(dir, 'server'));
  const printed = await runSkerry(['kubeconfig', '--data-dir', path.join(dir, 'server'), '--server', `https://127.0.0.1:${server.port}`]);
  kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(kubeconfig, printed.stdout, { mode: 0o600 });
  const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\ndata: {a: "1", b: "2"}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: default}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: "nginx:1.25"}]}\n`;
  if (hasKubectl) await runKubectl(kubectl, kubeconfig, ['apply', '-f', '-'], { input: manifest });
});

test.after.always(() => {
  server?.child.kill('SIGKILL');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

// AGE moves between the two runs; everything else must be identical.
const withoutAge = (text: string) => text.replace(/\b\d+[smhd]\b/g, 'AGE');

(hasKubectl ? test.serial : test.skip)('skerry get prints the same as kubectl get', async (t) => {
  const cases = [['get', 'cm'], ['get', 'deploy', '-o', 'wide'], ['get', 'ns'], ['get', 'po', '-A'], ['get', 'deployments.apps', 'web', '-o', 'name']];
  for (const args of cases) {
    const ours = await runSkerry([...args, '--kubeconfig', kubeconfig]);
    const theirs = await runKubectl(kubectl, kubeconfig, args);
    t.is(ours.code, 0, `${args.join(' ')}: ${ours.stderr}`);
    t.is(withoutAge(ours.stdout), withoutAge(theirs.stdout), args.join(' '));
  }
  const json = await runSkerry(['get', 'configmap', 'settings', '-o', 'json', '--kubeconfig', kubeconfig]);
  t.deepEqual(JSON.parse(json.stdout).data, { a: '1', b: '2' });
  const missing = await runSkerry(['get', 'secrets', '--kubeconfig', kubeconfig]);
  t.is(missing.code, 0);
  t.is(missing.stderr, 'No resources found in default namespace.\n');
  const notFound = await runSkerry(['get', 'pod', 'nope', '--kubeconfig', kubeconfig]);
  t.is(notFound.code, 1);
  t.regex(notFound.stderr, /Error from server \(NotFound\): pods "nope" not found/);
  const unknown = await runSkerry(['get', 'widgets', '--kubeconfig', kubeconfig]);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /the server doesn't have a resource type "widgets"/);
});
