// Starting one container of a pod, as steps: image → env → rootfs → spec → bundle → start.
// A step that must wait (an image pulling or backing off) leaves the container waiting with
// the kubelet's reason; a failure leaves it waiting with CreateContainerConfigError or
// CreateContainerError and records a Failed event; the rootfs and bundle made are undone.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runContainer, type Container, type OciMount } from '../../native/index.ts';
import type { PodContext } from './context.ts';
import { rfc3339 } from './events.ts';
import type { ReadyImage } from './images.ts';
import type { Sandbox } from './host/sandbox.ts';
import { podHostname } from './host/sandbox.ts';
import { podEtcFiles } from './host/network.ts';
import { pullAuthFor } from './pull-credentials.ts';
import { logPathOf, type PodPaths } from './record.ts';
import { nextAttempt, recordStarted, type LiveSlot } from './slot.ts';
import { resolveEnv, type ResolvedEnv } from './spec/env.ts';
import { PodError } from './spec/errors.ts';
import type { NodeFacts } from './spec/fields.ts';
import { readImageAccounts } from './spec/image-files.ts';
import { buildSpec } from './spec/oci-spec.ts';
import { resolveUser } from './spec/user.ts';
import { runSteps, StepError, type Step } from './steps.ts';
import type { Pod } from './types.ts';
import { volumeMounts, type PreparedVolume } from './volumes/index.ts';

export interface StartRequest {
  ctx: PodContext;
  pod: Pod;
  paths: PodPaths;
  sandbox: Sandbox;
  volumes: ReadonlyMap<string, PreparedVolume>;
  slot: LiveSlot;
  facts: NodeFacts;
  /** Runs when a pull this container waits for ends. */
  wake: () => void;
}

interface StartState {
  req: StartRequest;
  id: string;
  attempt: number;
  image?: ReadyImage;
  env?: ResolvedEnv;
  rootfs?: string;
  bundle?: string;
  handle?: Container;
}

/**
 * Makes sure the slot has its image, by pull policy: true when it is there (slot.image set),
 * false while it pulls or backs off, with the kubelet's waiting reason and events.
 */
export function ensureSlotImage(ctx: PodContext, pod: Pod, slot: LiveSlot, wake: () => void): boolean {
  const image = slot.spec.image ?? '';
  const outcome = ctx.images.ensure(`${pod.metadata.uid}/${image}`, image, slot.spec.imagePullPolicy ?? 'IfNotPresent', wake, pullAuthFor(pod, ctx.objects, ctx.registry));
  const event = (type: 'Normal' | 'Warning', reason: string, message: string) => ctx.record(pod, { kind: slot.kind, name: slot.spec.name }, type, reason, message);
  if (outcome.kind === 'ready') {
    // A container failing the same way on every retry announces its image once.
    if (outcome.event && !slot.lastFailure) event('Normal', outcome.event.reason, outcome.event.message);
    slot.image = outcome.image;
    if (slot.waiting && IMAGE_REASONS.has(slot.waiting.reason)) delete slot.waiting;
    return true;
  }
  if (outcome.kind === 'pulling') {
    if (outcome.started) event('Normal', 'Pulling', `Pulling image "${image}"`);
    return false;
  }
  if (outcome.reason === 'ErrImagePull' && outcome.fresh) event('Warning', 'Failed', `Failed to pull image "${image}": ${outcome.message}`);
  if (outcome.reason === 'ErrImageNeverPull' && slot.waiting?.reason !== outcome.reason) event('Warning', 'ErrImageNeverPull', outcome.message);
  const announce = outcome.fresh || slot.waiting?.reason !== outcome.reason;
  if (outcome.reason === 'ImagePullBackOff' && announce) event('Normal', 'BackOff', `Back-off pulling image "${image}"`);
  if (announce) event('Warning', 'Failed', `Error: ${outcome.reason}`);
  slot.waiting = { reason: outcome.reason, message: outcome.message };
  if (outcome.retryInMs !== undefined) setTimeout(wake, outcome.retryInMs + 10).unref();
  return false;
}

const IMAGE_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName']);

function imageStep(s: StartState): 'done' | 'wait' {
  const { ctx, pod, slot } = s.req;
  // The image may have been collected since the pod's images step saw it.
  if (slot.image && !ctx.store.find(slot.image.record.manifestDigest)) slot.image = undefined;
  if (!slot.image && !ensureSlotImage(ctx, pod, slot, s.req.wake)) return 'wait';
  s.image = slot.image;
  return 'done';
}

function envStep(s: StartState): 'done' {
  const { ctx, pod, slot, facts } = s.req;
  s.env = resolveEnv(slot.spec, pod, ctx.objects, facts);
  for (const warning of s.env.warnings) ctx.record(pod, undefined, 'Warning', 'InvalidEnvironmentVariableNames', warning);
  return 'done';
}

async function rootfsStep(s: StartState): Promise<'made'> {
  s.rootfs = (await s.req.ctx.store.prepareRootfs(s.id, s.image!.record.manifestDigest)).path;
  return 'made';
}

/** The pod's managed /etc/resolv.conf and /etc/hosts, where the pod network wrote them and no volume mounts over them. */
function withPodEtcFiles(mounts: OciMount[], runDir: string): OciMount[] {
  const files = podEtcFiles(runDir);
  const extra: OciMount[] = [];
  for (const [destination, source] of [['/etc/resolv.conf', files.resolvConf], ['/etc/hosts', files.hosts]] as const) {
    if (fs.existsSync(source) && !mounts.some((m) => m.destination === destination)) extra.push({ destination, type: 'bind', source, options: ['rbind', 'rprivate', 'rw'] });
  }
  return [...mounts, ...extra];
}

function bundleStep(s: StartState): 'made' {
  const { pod, slot, sandbox, volumes, ctx } = s.req;
  const user = resolveUser(pod, slot.spec, s.image!.config.User ?? '', readImageAccounts(s.rootfs!));
  const spec = buildSpec({
    pod, container: slot.spec, image: s.image!.config, env: s.env!.vars, user, rootfs: s.rootfs!,
    mounts: withPodEtcFiles(volumeMounts(slot.spec, volumes, s.env!.vars), s.req.paths.run), namespaces: sandbox.namespaces, hostname: podHostname(pod),
    pidsLimit: ctx.pidsLimit, nofile: ctx.nofile, allowPrivileged: ctx.allowPrivileged,
  });
  s.bundle = path.join(s.req.paths.run, 'bundles', s.id);
  fs.mkdirSync(s.bundle, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(s.bundle, 'config.json'), JSON.stringify(spec));
  return 'made';
}

async function startStep(s: StartState): Promise<'made'> {
  const { pod, slot, paths, sandbox, ctx } = s.req;
  const logPath = logPathOf(paths, slot.spec.name, s.attempt);
  fs.mkdirSync(path.dirname(logPath), { recursive: true, mode: 0o755 });
  s.handle = await runContainer({
    id: s.id, bundle: s.bundle!, root: ctx.runtimeRoot, logPath,
    annotations: {
      'skerry.io/node': ctx.node, 'io.kubernetes.pod.uid': pod.metadata.uid, 'io.kubernetes.pod.name': pod.metadata.name, 'io.kubernetes.pod.namespace': pod.metadata.namespace,
      'io.kubernetes.container.name': slot.spec.name, 'io.kubernetes.container.restartCount': String(s.attempt),
      'skerry.io/container-kind': slot.kind, 'skerry.io/image': s.image!.name, 'skerry.io/image-id': s.image!.imageID, 'skerry.io/sandbox-id': sandbox.id,
      ...(s.image!.stopSignal && { 'skerry.io/stop-signal': s.image!.stopSignal }),
    },
  });
  return 'made';
}

const START_STEPS: ReadonlyArray<Step<StartState>> = [
  { name: 'image', run: imageStep },
  { name: 'env', run: envStep },
  { name: 'rootfs', run: rootfsStep, undo: (s) => s.req.ctx.store.releaseRootfs(s.id) },
  { name: 'bundle', run: bundleStep, undo: (s) => fs.rmSync(s.bundle!, { recursive: true, force: true }) },
  { name: 'start', run: startStep },
];

function failed(req: StartRequest, error: unknown): void {
  const cause = error instanceof StepError ? (error.cause as Error) : (error as Error);
  const reason = cause instanceof PodError ? cause.reason : 'CreateContainerError';
  const message = cause?.message ?? String(cause);
  req.slot.waiting = { reason, message };
  req.ctx.log.warn({ pod: `${req.pod.metadata.namespace}/${req.pod.metadata.name}`, container: req.slot.spec.name, reason, step: (error as StepError).step, message }, 'container not started');
  if (req.slot.lastFailure !== message) req.ctx.record(req.pod, { kind: req.slot.kind, name: req.slot.spec.name }, 'Warning', 'Failed', `Error: ${message}`);
  req.slot.lastFailure = message;
}

/** Starts the slot's next container; the handle when it runs, undefined when it waits or failed. */
export async function startContainer(req: StartRequest): Promise<Container | undefined> {
  const s: StartState = { req, id: crypto.randomBytes(32).toString('hex'), attempt: nextAttempt(req.slot.record) };
  try {
    const outcome = await runSteps(START_STEPS, s, req.ctx.log, { container: req.slot.spec.name });
    if (outcome.result === 'wait') return undefined;
  } catch (error) {
    failed(req, error);
    return undefined;
  }
  const at = rfc3339();
  recordStarted(req.slot.record, { id: s.id, at, image: s.image!.name, imageID: s.image!.imageID, sandboxId: req.sandbox.id, attempt: s.attempt });
  // Running once the worker has seen it through its postStart hook (watch).
  Object.assign(req.slot, { handle: s.handle, stopSignal: s.image!.stopSignal, lastFailure: undefined });
  delete req.slot.waiting;
  const t = { kind: req.slot.kind, name: req.slot.spec.name };
  req.ctx.record(req.pod, t, 'Normal', 'Created', `Created container ${req.slot.spec.name}`);
  req.ctx.record(req.pod, t, 'Normal', 'Started', `Started container ${req.slot.spec.name}`);
  return s.handle;
}

/** Removes an ended container: its runtime state and cgroups, its rootfs, its bundle. */
export async function removeContainer(ctx: PodContext, paths: PodPaths, id: string, handle: Container | undefined): Promise<void> {
  try {
    await handle?.delete({ force: true });
  } catch (error) {
    ctx.log.warn({ id, err: error }, 'could not delete an ended container');
  }
  await ctx.store.releaseRootfs(id).catch((error: unknown) => ctx.log.warn({ id, err: error }, 'could not release a container rootfs'));
  fs.rmSync(path.join(paths.run, 'bundles', id), { recursive: true, force: true });
}
