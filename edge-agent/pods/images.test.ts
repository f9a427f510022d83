import test from 'ava';
import type { ImageRecord, ImageStore } from '../images/store/index.ts';
import { openImageService, type ImageOutcome } from './images.ts';

const record: ImageRecord = {
  names: ['docker.io/library/busybox:1'], manifestDigest: `sha256:${'a'.repeat(64)}`, manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
  configDigest: `sha256:${'c'.repeat(64)}`, layers: [], diffIds: [], size: 1234, unpackedSize: 0, created: '', lastUsed: '',
};
const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'], StopSignal: 'SIGQUIT' }, rootfs: { type: 'layers', diff_ids: [] } });
const store = {
  find: (ref: string) => (ref === 'docker.io/library/busybox:1' ? record : undefined),
  content: { read: () => Buffer.from(config) },
} as unknown as ImageStore;

test('Never and IfNotPresent use what the node has; Never without it is ErrImageNeverPull', (t) => {
  const images = openImageService(store, { initialMs: 100, maxMs: 1000 });
  t.teardown(() => images.stop());
  const present = images.ensure('u/busybox:1', 'busybox:1', 'IfNotPresent', () => undefined);
  t.is(present.kind, 'ready');
  const ready = (present as Extract<ImageOutcome, { kind: 'ready' }>).image;
  t.is(ready.name, 'docker.io/library/busybox:1');
  t.is(ready.imageID, `docker.io/library/busybox@${record.manifestDigest}`);
  t.is(ready.stopSignal, 'SIGQUIT');
  t.deepEqual((present as { event?: object }).event, { reason: 'Pulled', message: 'Container image "busybox:1" already present on machine' });
  t.like(images.ensure('u/busybox:2', 'busybox:2', 'Never', () => undefined), { kind: 'failed', reason: 'ErrImageNeverPull', message: 'Container image "busybox:2" is not present with pull policy of Never' });
  t.like(images.ensure('u/Bad', 'Bad:Name', 'IfNotPresent', () => undefined), { kind: 'failed', reason: 'InvalidImageName' });
});

test('a failed pull is ErrImagePull, then ImagePullBackOff until the back-off ends; pods share one pull', async (t) => {
  const images = openImageService(store, { initialMs: 60_000, maxMs: 600_000 });
  t.teardown(() => images.stop());
  const image = '127.0.0.1:1/app:1';
  let settled!: () => void;
  const done = new Promise<void>((resolve) => (settled = resolve));
  t.like(images.ensure('u/app', image, 'IfNotPresent', () => settled()), { kind: 'pulling', started: true });
  t.like(images.ensure('v/app', image, 'IfNotPresent', () => undefined), { kind: 'pulling', started: true }, 'a second pod joins the same pull');
  t.like(images.ensure('u/app', image, 'IfNotPresent', () => settled()), { kind: 'pulling', started: false });
  await done;
  const failed = images.ensure('u/app', image, 'IfNotPresent', () => undefined);
  t.like(failed, { kind: 'failed', reason: 'ErrImagePull', fresh: true, retryInMs: 30_000 });
  t.regex((failed as { message: string }).message, /127\.0\.0\.1:1/);
  const backingOff = images.ensure('u/app', image, 'IfNotPresent', () => undefined);
  t.like(backingOff, { kind: 'failed', reason: 'ImagePullBackOff', fresh: false });
  t.regex((backingOff as { message: string }).message, /^Back-off pulling image "127\.0\.0\.1:1\/app:1": ErrImagePull: /);
  t.true((backingOff as { retryInMs: number }).retryInMs > 59_000);
});
