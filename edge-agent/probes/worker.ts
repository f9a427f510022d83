// The probes of one container, run as the kubelet's prober workers run them: one worker
// per probe kind, ticking every periodSeconds from the container's start (the first tick at
// once), a run may not overlap the next (a tick during a run is kept, as Go's ticker keeps
// one); readiness also runs at once when the startup probe succeeds. Results go through
// ProbeState and are published to the pod manager as started, ready, or a restart.
import type { Logger } from '../../common/index.ts';
import type { Probe, ProbeKind, ProbeTarget, ProbeWatch } from '../pods/index.ts';
import type { Clock } from './clock.ts';
import { ProbeState, settingsOf, type ProbeResult } from './state.ts';

/** Runs one probe; undefined when it errored (the kubelet throws such a result away). */
export type RunProbe = (kind: ProbeKind, probe: Probe, signal: AbortSignal) => Promise<ProbeResult | undefined>;

interface WorkerHost {
  clock: Clock;
  log: Logger;
  startedAtMs: number;
  started(): boolean;
  terminating(): boolean;
  run: RunProbe;
  publish(kind: ProbeKind, result: ProbeResult): void;
}

export class ProbeWorker {
  readonly state: ProbeState;
  private timer: unknown;
  private nextTick = 0;
  private running = false;
  private pending = false;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(readonly kind: ProbeKind, private readonly probe: Probe, private readonly host: WorkerHost) {
    this.state = new ProbeState(kind, settingsOf(probe));
  }

  start(): void {
    this.nextTick = this.host.clock.now();
    this.tick();
  }

  /** A run now, or right after the one in progress; the ticks keep their phase. */
  trigger(): void {
    this.request();
  }

  stop(): void {
    this.stopped = true;
    this.host.clock.clearTimeout(this.timer);
    this.abort.abort();
  }

  private tick(): void {
    if (this.stopped) return;
    this.request();
    const period = this.state.settings.periodSeconds * 1000;
    const now = this.host.clock.now();
    do this.nextTick += period; while (this.nextTick <= now);
    this.timer = this.host.clock.setTimeout(() => this.tick(), this.nextTick - now);
  }

  private request(): void {
    if (this.stopped) return;
    if (this.running) return void (this.pending = true);
    void this.runOnce();
  }

  private async runOnce(): Promise<void> {
    this.running = true;
    let keep = true;
    try {
      keep = await this.doProbe();
    } catch (error) {
      // runProbe reports every handler failure as a result; this is a bug, not a probe outcome.
      this.host.log.error({ probe: this.kind, err: error }, 'probe run failed');
    } finally {
      this.running = false;
    }
    if (!keep) return this.stop();
    if (this.pending) {
      this.pending = false;
      this.request();
    }
  }

  private async doProbe(): Promise<boolean> {
    const { host, state } = this;
    const gate = state.gate({ sinceStartMs: host.clock.now() - host.startedAtMs, started: host.started(), terminating: host.terminating() });
    if (gate === 'stop') {
      state.result = 'success';
      host.publish(this.kind, 'success');
      return false;
    }
    if (gate === 'wait') return true;
    const result = await host.run(this.kind, this.probe, this.abort.signal);
    if (this.stopped) return false;
    if (result === undefined) return true;
    const published = state.record(result);
    if (published) host.publish(this.kind, published);
    return true;
  }
}

export interface WatchOptions {
  clock: Clock;
  log: Logger;
  run: RunProbe;
}

/** The prober manager's part for one container: its workers and what they published. */
export function watchContainer(target: ProbeTarget, options: WatchOptions): ProbeWatch {
  const c = target.container;
  const probes: Record<ProbeKind, Probe | undefined> = { startup: c.startupProbe, liveness: c.livenessProbe, readiness: c.readinessProbe };
  let started = !probes.startup;
  let ready = !probes.readiness;
  const workers = new Map<ProbeKind, ProbeWorker>();
  const publish = (kind: ProbeKind, result: ProbeResult) => {
    if (kind === 'readiness') {
      if ((result === 'success') !== ready) target.setReady((ready = result === 'success'));
    } else if (result === 'failure') {
      target.restart(kind, probes[kind]?.terminationGracePeriodSeconds);
    } else if (kind === 'startup' && !started) {
      target.setStarted((started = true));
      // UpdatePodStatus triggers readiness when a started container is not ready yet.
      workers.get('readiness')?.trigger();
    }
  };
  const host: WorkerHost = {
    clock: options.clock, log: options.log, startedAtMs: target.startedAtMs, run: options.run, publish,
    started: () => started, terminating: () => target.terminating(),
  };
  for (const kind of ['startup', 'liveness', 'readiness'] as const) {
    const probe = probes[kind];
    if (probe) workers.set(kind, new ProbeWorker(kind, probe, host));
  }
  // Started on the next turn: the pod manager takes the first verdicts from the return value.
  const begin = options.clock.setTimeout(() => workers.forEach((w) => w.start()), 0);
  return {
    started,
    ready,
    stop: () => {
      options.clock.clearTimeout(begin);
      workers.forEach((w) => w.stop());
    },
  };
}
