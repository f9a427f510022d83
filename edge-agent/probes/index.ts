// The public face of edge-agent/probes: the pod manager's Prober — liveness, readiness and
// startup probes (exec, httpGet, tcpSocket, grpc) and postStart/preStop hooks (exec, httpGet,
// sleep), run as the kubelet runs them. Pods have no IP yet, so network handlers reach the
// pod's loopback from inside its network namespace (native connectInNetns).
import { componentLogger, type Logger } from '../../common/index.ts';
import type { HookTarget, ProbeTarget, Prober } from '../pods/index.ts';
import { systemClock, type Clock } from './clock.ts';
import { dialEndpoint, type Dial } from './handlers/dial.ts';
import { runHook } from './hooks.ts';
import { runProbe } from './run-probe.ts';
import { SpamFilter } from './spam.ts';
import { watchContainer } from './worker.ts';

export type { Clock } from './clock.ts';
export type { Dial, Endpoint } from './handlers/dial.ts';

export interface ProberOptions {
  /** The agent's Kubernetes version ("v1.31.0+…"): the User-Agent says kube-probe/1.31. */
  kubeVersion?: string;
  clock?: Clock;
  /** How handlers connect; the pod's namespace or the host by default. */
  dial?: Dial;
  log?: Logger;
}

/** How long an aborted handler gets to report its own failure before the hook is given up on. */
const ABORT_GRACE_MS = 200;

function cutShort(hook: string, target: HookTarget, signal: AbortSignal, clock: Clock): Promise<string> {
  return new Promise((resolve) => {
    const give = () => clock.setTimeout(() => resolve(`${hook} hook for container ${JSON.stringify(target.container.name)} cut short: context canceled`), ABORT_GRACE_MS);
    if (signal.aborted) give();
    else signal.addEventListener('abort', give, { once: true });
  });
}

/** "v1.31.0+skerry" → "1.31". */
function majorMinor(version: string | undefined): string {
  const m = /^v?(\d+)\.(\d+)/.exec(version ?? '');
  return m ? `${m[1]}.${m[2]}` : '1.31';
}

export function createProber(options: ProberOptions = {}): Prober {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? componentLogger('probes');
  const deps = { dial: options.dial ?? dialEndpoint, kubeVersion: majorMinor(options.kubeVersion) };
  const spam = new SpamFilter(clock);
  // Probe events go through the spam filter; the pod manager's own events do not need it.
  const filtered = (target: ProbeTarget): ProbeTarget => ({
    ...target,
    event: (type, reason, message) => {
      if (spam.allow(`${target.pod.metadata.uid}/${type}`)) target.event(type, reason, message);
      else log.debug({ pod: target.pod.metadata.name, container: target.container.name, reason, message }, 'probe event dropped (spam filter)');
    },
  });
  return {
    watch(target) {
      const t = filtered(target);
      return watchContainer(t, { clock, log, run: (kind, probe, signal) => runProbe(kind, probe, t, signal, deps) });
    },
    // A hook never rejects: whatever went wrong is its failure. Once cut short it answers
    // soon even if a connect is still pending, so a stop is never held up behind it.
    runHook: (hook, target, signal) => Promise.race([
      runHook(hook, target, signal, deps).catch((error: Error) => error.message),
      cutShort(hook, target, signal, clock),
    ]),
  };
}
