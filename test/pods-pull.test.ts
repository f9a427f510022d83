// A node pulls its pods' images from the skerry server's own registry with its node
// credential (no secret to hand out), and with a pod's imagePullSecrets where those name the
// registry. The image is pushed with skopeo, as a CI would. Needs root (containers).
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { buildBusyboxLayout, createPod, startPodCluster, waitForPod, type PodCluster } from './helpers/pods.ts';
import { skopeo } from './helpers/registry-push.ts';
import { SKERRY, tempDir } from './helpers/skerry.ts';

const why = process.getuid?.() !== 0 ? 'needs root (containers)' : !fs.existsSync(SKERRY) ? 'needs the build (npm run build)' : undefined;
const rootTest = why ? test.skip : test.serial;
const NEEDS = why ? ` (skipped: ${why})` : '';

let layout = '';
let work = '';

test.before(async () => {
  if (why) return;
  work = tempDir('pods-pull');
  layout = await buildBusyboxLayout(work);
});

test.after.always(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

async function push(c: PodCluster, repository: string): Promise<string> {
  const state = path.join(work, `skopeo-${repository.replace(/\W/g, '-')}`);
  fs.mkdirSync(state, { recursive: true });
  const ref = `127.0.0.1:${c.server.apiPort}/${repository}`;
  const pushed = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `ci:${c.server.token}`, `oci:${layout}:skerry-e2e`, `docker://${ref}`], state);
  if (pushed.code !== 0) throw new Error(`skopeo push: ${pushed.stderr}`);
  return ref;
}

rootTest(`a pod whose image is only in the server's registry is pulled with the node's credential and runs${NEEDS}`, async (t) => {
  const c = await startPodCluster(t, 'pull-node-cred', layout);
  const image = await push(c, 'team/busybox:pulled');
  await createPod(c, 'pulled', { containers: [{ name: 'c', image, imagePullPolicy: 'Always', command: ['sleep', '3600'] }], terminationGracePeriodSeconds: 0 });
  const running = await waitForPod(c, 'pulled', 'pulled and running', (p) => p.status?.phase === 'Running', 60_000);
  const status = running.status!.containerStatuses[0];
  t.is(status.image, image);
  t.regex(status.imageID, /@sha256:[0-9a-f]{64}$/);
});
