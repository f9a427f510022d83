// The node's local persistent volumes: provisioned on a pod's first use (also while the server
// is out of reach), mounted again after a reboot, grown when the claim grows, deleted when the
// server deletes their PersistentVolume and no pod here uses them. Every change of state goes
// upstream as a `volume` report through the durable outbox, so what happened offline reaches
// the server when the link returns.
import path from 'node:path';
import type { Logger } from '../../common/index.ts';
import type { VolumeReport, VolumeState } from '../../common/sync/index.ts';
import { isVolumeError, openVolumeStore } from '../../storage/volumes/index.ts';
import type { ClaimMounter, Pod } from '../pods/index.ts';
import type { Outbox, ViewCache } from '../sync/index.ts';
import { resolveClaim, type LocalVolumeTarget } from './claims.ts';
import { planVolumes, volumesInUse, type VolumeAction } from './plan.ts';

export interface VolumeManagerOptions {
  node: string;
  dataDir: string;
  cache: ViewCache;
  outbox: Outbox;
  flush(): void;
  log: Logger;
  /** How often usage is measured and reported; default 30 s. */
  usageIntervalMs?: number;
}

export interface VolumeManager extends ClaimMounter {
  /** Looks at the view again (deletions, growth): call after each applied batch. */
  resync(): void;
  stop(): Promise<void>;
}

const MiB = 2 ** 20;

/** The error codes storage/volumes gives for data that is gone or unreadable. */
const PROBLEM_STATES: Record<string, VolumeState> = { VOLUME_MISSING: 'Missing', VOLUME_DAMAGED: 'Damaged' };

export function startVolumeManager(options: VolumeManagerOptions): VolumeManager {
  const store = openVolumeStore({ root: path.join(options.dataDir, 'storage') });
  const { log, cache } = options;
  const lastReport = new Map<string, string>();
  const lastReady = new Map<string, { capacityBytes: number; usedBytes: number }>();
  // Those held from before a restart count as mounted, so an unused one is let go.
  const mounted = new Set(store.list().map((v) => v.name));
  let stopped = false;
  let pass: Promise<void> = Promise.resolve();

  function report(volume: string, state: VolumeState, message = '', capacityBytes = 0, usedBytes = 0): void {
    const item: VolumeReport = { kind: 'volume', key: `volume/${volume}`, volume, state, capacityBytes, usedBytes, message };
    const text = JSON.stringify(item);
    if (lastReport.get(volume) === text) return;
    lastReport.set(volume, text);
    options.outbox.put(item);
    options.flush();
  }

  async function reportReady(volume: string): Promise<void> {
    const usage = await store.usage(volume);
    // Every report is a write on the server: usage that moved by less than 1 MiB or 1 % of
    // the capacity is not news.
    const last = lastReady.get(volume);
    const step = Math.max(MiB, usage.capacityBytes / 100);
    if (last && lastReport.get(volume)?.includes('"Ready"') && last.capacityBytes === usage.capacityBytes && Math.abs(last.usedBytes - usage.usedBytes) < step) return;
    lastReady.set(volume, usage);
    report(volume, 'Ready', '', usage.capacityBytes, usage.usedBytes);
  }

  function reportProblem(volume: string, error: unknown): never {
    const code = (error as { code?: string }).code ?? '';
    report(volume, PROBLEM_STATES[code] ?? 'Failed', (error as Error).message);
    throw error;
  }

  async function ensure(target: LocalVolumeTarget): Promise<string> {
    const held = store.list().find((v) => v.name === target.volume);
    try {
      if (!held && target.reportedBefore) {
        throw Object.assign(new Error(`volume ${target.volume} was provisioned on this node, but its data is gone from ${path.join(options.dataDir, 'storage')}; an empty volume is not made in its place`), { code: 'VOLUME_MISSING' });
      }
      if (!held) log.info({ volume: target.volume, capacityBytes: target.capacityBytes }, 'provisioning volume');
      const volume = held ?? (await store.provision(target.volume, target.capacityBytes));
      // Grown before it is mounted: growing a mounted ext4 needs CAP_SYS_RESOURCE, which a
      // node may not have; a volume another pod holds mounted grows when it is let go.
      if (target.capacityBytes > volume.capacityBytes) await grow(target.volume, target.capacityBytes);
      const dir = await store.mount(target.volume);
      mounted.add(target.volume);
      await reportReady(target.volume);
      return dir;
    } catch (error) {
      return reportProblem(target.volume, error);
    }
  }

  async function grow(volume: string, capacityBytes: number): Promise<boolean> {
    try {
      await store.expand(volume, capacityBytes);
      log.info({ volume, capacityBytes }, 'volume expanded');
      return true;
    } catch (error) {
      if (!isVolumeError(error, 'VOLUME_BUSY')) throw error;
      log.info({ volume, reason: (error as Error).message }, 'volume grows once no pod holds it mounted');
      return false;
    }
  }

  async function act(action: VolumeAction): Promise<void> {
    if (action.kind === 'reportDeleted') return report(action.volume, 'Deleted', 'not on this node');
    if (action.kind === 'unmount') {
      await store.unmount(action.volume);
      mounted.delete(action.volume);
      return;
    }
    if (action.kind === 'expand') {
      if (await grow(action.volume, action.capacityBytes)) await reportReady(action.volume).catch(() => undefined);
      return;
    }
    mounted.delete(action.volume);
    if (action.kind === 'release') {
      await store.unmount(action.volume);
      return report(action.volume, 'Deleted', 'reclaim policy Retain: the data stays on the node');
    }
    await store.remove(action.volume);
    log.info({ volume: action.volume }, 'volume deleted');
    report(action.volume, 'Deleted', 'data removed');
  }

  function currentPlan(): VolumeAction[] {
    const claimVolume = (namespace: string, claim: string) => ((cache.get(`persistentvolumeclaims/${namespace}/${claim}`)?.spec ?? {}) as { volumeName?: string }).volumeName;
    const pods = cache.list('pods/').map((e) => e.object).filter((p) => ((p.spec ?? {}) as { nodeName?: string }).nodeName === options.node);
    const local = new Map(store.list().map((v): [string, number] => [v.name, v.capacityBytes]));
    return planVolumes({ node: options.node, local, volumes: cache.list('persistentvolumes/').map((e) => e.object), inUse: volumesInUse(pods, claimVolume), mounted });
  }

  async function reconcile(measure: boolean): Promise<void> {
    for (const action of currentPlan()) {
      if (stopped) return;
      await act(action).catch((error) => log.warn({ volume: action.volume, action: action.kind, err: error }, 'volume action failed; retried on the next pass'));
    }
    if (measure) await measureAll();
  }

  /**
   * Usage of every volume this agent has mounted, and a problem report for one whose data went
   * away. Unmounted volumes are left alone: inspecting one reads its image's superblock (a
   * dumpe2fs each pass), and its next mount checks it anyway.
   */
  async function measureAll(): Promise<void> {
    for (const volume of store.list()) {
      if (stopped || !mounted.has(volume.name)) continue;
      const condition = await store.inspect(volume.name).catch((error: Error) => ({ state: 'Failed' as const, message: error.message }));
      if (condition.state !== 'Ready') report(volume.name, condition.state, condition.message);
      else await reportReady(volume.name).catch(() => undefined);
    }
  }

  const queue = (measure: boolean) => (pass = pass.then(() => (stopped ? undefined : reconcile(measure))).catch((error) => log.warn({ err: error }, 'volume pass failed')));
  const timer = setInterval(() => void queue(true), options.usageIntervalMs ?? 30_000);
  timer.unref();
  queue(false);

  return {
    async mount(pod: Pod, claimName: string): Promise<string> {
      const target = resolveClaim(cache, options.node, pod.metadata.namespace, claimName);
      // Behind any deletion pass already queued: never mount what is being removed.
      const done = pass.then(() => ensure(target));
      pass = done.then(() => undefined, () => undefined);
      return done;
    },
    resync: () => void queue(false),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await pass;
    },
  };
}
