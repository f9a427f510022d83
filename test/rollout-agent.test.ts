// Rollouts to completion on a real node: `kubectl rollout status` follows a Deployment while
// the agent starts the new ReplicaSet's pods and stops the old ones, and returns once the
// rollout is done; the old pods leave the API when their node has stopped them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { becomeChildSubreaper } from '../native/index.ts';
import { api, waitUntil } from './helpers/cluster.ts';
import { KUBECTL_DISPATCHER, runKubectl } from './helpers/kubectl.ts';
import { buildBusyboxLayout, IMAGE, startPodCluster } from './helpers/pods.ts';
import { runSkerry, SKERRY } from './helpers/skerry.ts';

const why = process.getuid?.() !== 0 ? 'needs root (namespaces, mounts, cgroups)'
  : !fs.existsSync(SKERRY) ? 'needs the build (npm run build)'
  : !fs.existsSync('/bin/busybox') ? 'needs busybox-static for the test image'
  : !fs.existsSync(KUBECTL_DISPATCHER) ? `needs kubectl at ${KUBECTL_DISPATCHER}` : undefined;


let layout = '';
let work = '';
test.before(async () => {
  if (why) return;
  becomeChildSubreaper();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-rollout-image-'));
  layout = await buildBusyboxLayout(work);
});
test.after.always(() => void (work && fs.rmSync(work, { recursive: true, force: true })));

const deployment = (version: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: web
        image: ${IMAGE}
        imagePullPolicy: Never
        command: [sh, -c, 'trap "exit 0" TERM; echo ${version}; while true; do sleep 0.2; done']
        env: [{name: VERSION, value: "${version}"}]
`;

(why ? test.skip : test.serial)(`kubectl rollout status follows a Deployment to completion on a real node, twice${why ? ` (skipped: ${why})` : ''}`, async (t) => {
  const c = await startPodCluster(t, 'rollout', layout);
  const printed = await runSkerry(['kubeconfig', '--data-dir', c.server.dataDir, '--server', c.server.url]);
  const kubeconfig = path.join(c.dir, 'kubeconfig');
  fs.writeFileSync(kubeconfig, printed.stdout, { mode: 0o600 });
  const kubectl = { label: 'kubectl', binary: KUBECTL_DISPATCHER };
  for (const version of ['v1', 'v2']) {
    const applied = await runKubectl(kubectl, kubeconfig, ['apply', '-f', '-'], { input: deployment(version) });
    t.is(applied.code, 0, applied.stderr);
    const startedAt = Date.now();
    const status = await runKubectl(kubectl, kubeconfig, ['rollout', 'status', 'deployment/web', '--timeout', '90s'], { timeoutMs: 100_000 });
    t.is(status.code, 0, `${status.stdout}\n${status.stderr}`);
    t.regex(status.stdout, /deployment "web" successfully rolled out/);
    t.log(`${version}: rolled out in ${Date.now() - startedAt} ms`);
  }
  // The v1 pods were stopped by the node and then left the API; the v2 pods run.
  const pods = await waitUntil('only the new pods remain', async () => {
    const list = await api(c.server, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
    const items = list.body.items as Array<{ spec: { containers: Array<{ env: Array<{ value: string }> }> }; status: { phase: string } }>;
    return items.length === 3 && items.every((p) => p.spec.containers[0]!.env[0]!.value === 'v2' && p.status.phase === 'Running') ? items : undefined;
  }, 30_000);
  t.is(pods.length, 3);
  const history = await runKubectl(kubectl, kubeconfig, ['rollout', 'history', 'deployment/web']);
  t.regex(history.stdout, /^1\s/m);
  t.regex(history.stdout, /^2\s/m);
});
