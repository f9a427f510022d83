// The kubelet's probe worker bookkeeping (pkg/kubelet/prober/worker.go doProbe), pure: when
// a probe may run, how results count against successThreshold and failureThreshold, and
// which result is published. The scheduling around it is in worker.ts.
import type { Probe, ProbeKind } from '../pods/index.ts';

export type ProbeResult = 'success' | 'failure';

/** Probe timing with the API's defaults (zero means unset for these fields, as the API defaults them). */
export interface ProbeSettings {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

const positive = (value: number | undefined, fallback: number) => (value !== undefined && value > 0 ? value : fallback);

export function settingsOf(probe: Probe): ProbeSettings {
  return {
    initialDelaySeconds: Math.max(0, probe.initialDelaySeconds ?? 0),
    periodSeconds: positive(probe.periodSeconds, 10),
    timeoutSeconds: positive(probe.timeoutSeconds, 1),
    successThreshold: positive(probe.successThreshold, 1),
    failureThreshold: positive(probe.failureThreshold, 3),
  };
}

/** What a worker knows when a tick comes. */
export interface GateInput {
  sinceStartMs: number;
  /** The startup probe succeeded (or there is none). */
  started: boolean;
  /** The pod is being deleted. */
  terminating: boolean;
}

/**
 * Before a probe: 'probe', 'wait' for the next tick, or 'stop' (liveness and startup end
 * once the pod is being deleted, their result set to success).
 */
export type Gate = 'probe' | 'wait' | 'stop';

export class ProbeState {
  /** What the results manager holds: readiness starts failed, liveness succeeded, startup unknown. */
  result: ProbeResult | 'unknown';
  /** A liveness or startup failure holds the worker until a new container runs. */
  onHold = false;
  private lastResult: ProbeResult | undefined;
  private resultRun = 0;

  constructor(readonly kind: ProbeKind, readonly settings: ProbeSettings) {
    this.result = kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown';
  }

  gate(input: GateInput): Gate {
    if (this.onHold) return 'wait';
    if (input.terminating && this.kind !== 'readiness') return 'stop';
    // The kubelet compares whole seconds: int32(time.Since(startedAt).Seconds()).
    if (Math.floor(input.sinceStartMs / 1000) < this.settings.initialDelaySeconds) return 'wait';
    // Startup stops probing once started; the others wait for it.
    if (input.started === (this.kind === 'startup')) return 'wait';
    return 'probe';
  }

  /**
   * Counts one probe's result (an errored probe is not counted). Returns the result to
   * publish once its threshold is reached, on every probe from then on; undefined below it.
   */
  record(result: ProbeResult): ProbeResult | undefined {
    if (this.lastResult === result) this.resultRun++;
    else [this.lastResult, this.resultRun] = [result, 1];
    const threshold = result === 'failure' ? this.settings.failureThreshold : this.settings.successThreshold;
    if (this.resultRun < threshold) return undefined;
    this.result = result;
    if (result === 'failure' && this.kind !== 'readiness') {
      // The container will be killed: stop probing it, and count afresh for the next one.
      this.onHold = true;
      this.resultRun = 0;
    }
    return result;
  }
}
