// One pod's worker: everything that happens to a pod goes through its serial loop (a view
// change, a container exit, a back-off timer), so the pod's state has one writer. Each
// pass adopts what a previous agent left (first pass only), records exits, then runs the
// pod's steps or stops it, and reports the status when it changed.
import path from 'node:path';
import type { Container, ContainerExit } from '../../native/index.ts';
import { adopt } from './adopt.ts';
import type { HookTarget, PodContext, PodNetwork } from './context.ts';
import { rfc3339 } from './events.ts';
import type { Sandbox } from './host/sandbox.ts';
import { clearStopping } from './kill.ts';
import { afterStart } from './lifecycle.ts';
import { podPaths, readPodRecord, writePodRecord, newPodRecord, type PodPaths } from './record.ts';
import { runPod } from './run-pod.ts';
import { slotKey, terminationOf, type LiveSlot } from './slot.ts';
import type { NodeFacts } from './spec/fields.ts';
import { podStatus, type SlotView } from './status.ts';
import { settleTerminal, terminate } from './stop-pod.ts';
import type { ContainerKind, KubeContainer, Pod, PodRecord, SlotRecord } from './types.ts';
import { removeContainer } from './containers.ts';
import type { PreparedVolume } from './volumes/index.ts';

export class PodWorker {
  readonly uid: string;
  /** The pod as the view has it now; undefined once it left the view. */
  pod: Pod | undefined;
  /** The pod as last seen, for names and grace periods after it left the view. */
  lastSpec: Pod;
  readonly record: PodRecord;
  readonly paths: PodPaths;
  readonly slots = new Map<string, LiveSlot>();
  sandbox?: Sandbox;
  volumes?: Map<string, PreparedVolume>;
  terminating?: { deadline: number; inView: boolean };
  /** Its runtime objects are gone (after termination or a terminal phase). */
  cleanedUp = false;
  lastMountFailure?: string;
  private adoptable: Container[] | undefined;
  private exits: Array<{ slot: LiveSlot; handle: Container; exit: ContainerExit; at: number }> = [];
  private busy: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private lastReport: string | undefined;

  constructor(readonly ctx: PodContext, pod: Pod, desired: boolean, adoptable: Container[], private readonly onGone: (w: PodWorker) => void) {
    this.uid = pod.metadata.uid;
    this.pod = desired ? pod : undefined;
    this.lastSpec = pod;
    this.paths = podPaths(ctx, pod.metadata);
    const now = rfc3339();
    this.record = readPodRecord(this.paths) ?? newPodRecord(pod.metadata, now);
    if (desired) this.record.startTime ??= now;
    this.adoptable = adoptable;
    this.syncSlots();
  }

  get facts(): NodeFacts {
    const podIP = this.lastSpec.spec.hostNetwork ? this.ctx.nodeIp : this.sandbox?.network?.podIP;
    return { hostIP: this.ctx.nodeIp, ...(podIP && { podIP }) };
  }

  /** False once the agent stopped acting for this pod (its containers keep running). */
  get active(): boolean {
    return !this.stopped;
  }

  get name(): string {
    return `${this.lastSpec.metadata.namespace}/${this.lastSpec.metadata.name}`;
  }

  /** Where probes and hooks reach the pod: its net namespace file (no pod IP yet), or the node for hostNetwork. */
  get network(): PodNetwork {
    if (this.lastSpec.spec.hostNetwork) return { podIP: this.ctx.nodeIp };
    return { netns: path.join(this.paths.run, 'ns', 'net'), ...(this.sandbox?.network && { podIP: this.sandbox.network.podIP }) };
  }

  hookTarget(slot: LiveSlot, handle: Container): HookTarget {
    return { pod: this.lastSpec, container: slot.spec, handle, network: this.network };
  }

  /** A new view of the pod (undefined: it left the view). */
  update(pod: Pod | undefined): void {
    this.pod = pod;
    if (pod) {
      this.lastSpec = pod;
      this.syncSlots();
      // Back in the view without a deletion (a view rebuilt after a flap): it runs again.
      if (!pod.metadata.deletionTimestamp) this.terminating = undefined;
    }
    this.kick();
  }

  /** Slots for every container of the spec, sharing their records with the pod record. */
  private syncSlots(): void {
    const lists: Array<[ContainerKind, KubeContainer[]]> = [['init', this.lastSpec.spec.initContainers ?? []], ['app', this.lastSpec.spec.containers ?? []]];
    for (const [kind, containers] of lists) {
      const records: Record<string, SlotRecord> = this.record[kind];
      for (const spec of containers) {
        const slot = this.slots.get(slotKey(kind, spec.name));
        if (slot) slot.spec = spec;
        else this.slots.set(slotKey(kind, spec.name), { kind, spec, record: (records[spec.name] ??= { restartCount: 0 }) });
      }
    }
  }

  slotsOf(kind: ContainerKind): LiveSlot[] {
    return [...this.slots.values()].filter((s) => s.kind === kind);
  }

  kick(): void {
    if (this.stopped) return;
    if (this.busy) return void (this.again = true);
    this.busy = this.loop().finally(() => (this.busy = undefined));
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.syncOnce();
      } catch (error) {
        this.ctx.log.error({ pod: this.name, err: error }, 'pod sync failed');
        this.wakeIn(10_000);
      }
    } while (this.again && !this.stopped);
  }

  private async syncOnce(): Promise<void> {
    if (this.adoptable) {
      const containers = this.adoptable;
      this.adoptable = undefined;
      await adopt(this, containers);
    }
    await this.recordExits();
    if (this.stopped) return;
    if (!this.pod || this.pod.metadata.deletionTimestamp) return terminate(this);
    if (this.record.terminal) return settleTerminal(this);
    await runPod(this);
    this.report();
  }

  /** Runs `kick` after `ms` (the earliest of all asked for wins). */
  wakeIn(ms: number): void {
    const at = Date.now() + ms;
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.kick();
    }, Math.max(0, ms));
  }

  /**
   * Follows a running container: its exit is recorded by the loop, then the pod syncs. A
   * `fresh` start (not an adopted container) runs its postStart hook before it is Running.
   */
  watch(slot: LiveSlot, handle: Container, startedAt: string, fresh = false): void {
    slot.handle = handle;
    void handle.wait().then((exit) => {
      if (this.stopped) return;
      this.exits.push({ slot, handle, exit, at: Date.now() });
      this.kick();
    });
    afterStart(this, slot, handle, startedAt, fresh);
  }

  private async recordExits(): Promise<void> {
    for (const { slot, handle, exit, at } of this.exits.splice(0)) {
      if (slot.handle !== handle) continue;
      this.forgetRun(slot);
      Object.assign(slot, { handle: undefined, runningSince: undefined, image: undefined, finishedAtMs: at });
      slot.record.terminated = terminationOf(exit, slot.record, rfc3339(at));
      this.persist();
      this.ctx.log.info({ pod: this.name, container: slot.spec.name, exitCode: slot.record.terminated.exitCode, reason: slot.record.terminated.reason }, 'container exited');
      await removeContainer(this.ctx, this.paths, slot.record.containerId!, handle);
    }
  }

  persist(): void {
    writePodRecord(this.paths, this.record);
  }

  /** Computes the status and reports it when it differs from the last report. */
  report(): void {
    const pod = this.pod ?? this.lastSpec;
    const view = (s: LiveSlot): SlotView => ({ spec: s.spec, record: s.record, runningSince: s.runningSince, waiting: s.waiting, probeReady: s.probeReady, probeStarted: s.probeStarted });
    const deleting = !this.pod || Boolean(this.pod.metadata.deletionTimestamp);
    const { status, conditions } = podStatus({
      pod, record: this.record, init: this.slotsOf('init').map(view), app: this.slotsOf('app').map(view),
      sandboxReady: this.sandbox !== undefined && !this.cleanedUp, facts: this.facts, deleting, now: rfc3339(),
    });
    if (JSON.stringify(conditions) !== JSON.stringify(this.record.conditions)) {
      this.record.conditions = conditions;
      this.persist();
    }
    const text = JSON.stringify(status);
    if (text === this.lastReport || !this.pod) return;
    this.lastReport = text;
    this.ctx.report(pod.metadata, status);
  }

  gone(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.onGone(this);
  }

  /** Stops acting (containers keep running); resolves once a pass in progress has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const slot of this.slots.values()) this.forgetRun(slot);
    await this.busy;
  }

  /** Ends what followed a container's run: its probes, a postStart hook, a stop in progress. */
  private forgetRun(slot: LiveSlot): void {
    slot.probe?.stop();
    slot.postStart?.abort();
    clearStopping(slot);
    Object.assign(slot, { probe: undefined, probeReady: undefined, probeStarted: undefined, postStart: undefined });
  }
}

/** Sends a signal to a container that may have ended meanwhile. */
export function sendSignal(handle: Container, signal: NodeJS.Signals | number): boolean {
  try {
    handle.kill(signal);
    return true;
  } catch {
    return false;
  }
}
