// One probe run, as prober.probe does it: the handler the probe names, tried again (up to
// three times) only when it errored; then an Unhealthy event for a failure ("Liveness probe
// failed: …"), ProbeWarning for a warning (a success), and for an error "… probe errored
// and resulted in unknown state: …", whose result is thrown away.
import { expand, type KubeContainer, type Probe, type ProbeKind, type ProbeTarget } from '../pods/index.ts';
import { combinedOutput, execCommand } from './handlers/exec.ts';
import { resolvePort, type HandlerOutcome } from './handlers/common.ts';
import { endpointOf, type Dial } from './handlers/dial.ts';
import { grpcProbe } from './handlers/grpc.ts';
import { httpGet } from './handlers/http.ts';
import { tcpProbe } from './handlers/tcp.ts';
import { settingsOf, type ProbeResult } from './state.ts';

const MAX_PROBE_RETRIES = 3;

export interface ProbeDeps {
  dial: Dial;
  /** major.minor for the User-Agent (kube-probe/1.31). */
  kubeVersion: string;
}

type ProbeRun = { probe: Probe; target: ProbeTarget; timeoutMs: number; signal: AbortSignal; deps: ProbeDeps };

const unknown = (error: unknown): HandlerOutcome => ({ result: 'unknown', output: '', error: error as Error });

/** ExpandContainerCommandOnlyStatic: $(VAR) from the container's literal env values only. */
function staticEnv(container: KubeContainer): Map<string, string> {
  return new Map((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
}

async function execProbe({ probe, target, timeoutMs, signal }: ProbeRun): Promise<HandlerOutcome> {
  const command = (probe.exec!.command ?? []).map((arg) => expand(arg, staticEnv(target.container)));
  let result;
  try {
    result = await execCommand(target.handle, command, timeoutMs, signal);
  } catch (error) {
    // A stopped container is a probe error; a program that cannot be run fails the probe, as with containerd.
    if ((error as { code?: string }).code === 'CONTAINER_STATE') return unknown(error);
    return { result: 'failure', output: (error as Error).message };
  }
  if (result.timedOut) return { result: 'failure', output: `command ${JSON.stringify(command.join(' '))} timed out` };
  const output = combinedOutput(result);
  return { result: result.exitCode === 0 ? 'success' : 'failure', output };
}

async function httpProbe({ probe, target, timeoutMs, signal, deps }: ProbeRun): Promise<HandlerOutcome> {
  let port: number;
  try {
    port = resolvePort(probe.httpGet!.port, target.container);
  } catch (error) {
    return unknown(error);
  }
  try {
    const res = await httpGet({ action: probe.httpGet!, port, network: target.network, purpose: 'probe', kubeVersion: deps.kubeVersion, timeoutMs, signal, dial: deps.dial });
    if (res.status < 200 || res.status >= 400) return { result: 'failure', output: `HTTP probe failed with statuscode: ${res.status}` };
    if (res.status >= 300) return { result: 'warning', output: `Probe terminated redirects, Response body: ${res.body}` };
    return { result: 'success', output: res.body };
  } catch (error) {
    // Every client error is a failure, timeouts included (DoHTTPProbe).
    return { result: 'failure', output: (error as Error).message };
  }
}

async function tcpSocketProbe({ probe, target, timeoutMs, deps }: ProbeRun): Promise<HandlerOutcome> {
  let port: number;
  try {
    port = resolvePort(probe.tcpSocket!.port, target.container);
  } catch (error) {
    return unknown(error);
  }
  return tcpProbe(endpointOf(target.network, probe.tcpSocket!.host, port), timeoutMs, deps.dial);
}

function grpcHealthProbe({ probe, target, timeoutMs, signal, deps }: ProbeRun): Promise<HandlerOutcome> {
  const endpoint = endpointOf(target.network, undefined, probe.grpc!.port);
  return grpcProbe({ endpoint, service: probe.grpc!.service ?? '', timeoutSeconds: timeoutMs / 1000, kubeVersion: deps.kubeVersion, dial: deps.dial, signal });
}

function probeOnce(run: ProbeRun): Promise<HandlerOutcome> {
  const { probe, target } = run;
  if (probe.exec) return execProbe(run);
  if (probe.httpGet) return httpProbe(run);
  if (probe.tcpSocket) return tcpSocketProbe(run);
  if (probe.grpc) return grpcHealthProbe(run);
  const { name, namespace, uid } = target.pod.metadata;
  return Promise.resolve(unknown(new Error(`missing probe handler for ${name}_${namespace}(${uid}):${target.container.name}`)));
}

export async function runProbe(kind: ProbeKind, probe: Probe, target: ProbeTarget, signal: AbortSignal, deps: ProbeDeps): Promise<ProbeResult | undefined> {
  const run: ProbeRun = { probe, target, timeoutMs: settingsOf(probe).timeoutSeconds * 1000, signal, deps };
  let outcome: HandlerOutcome;
  let tries = 0;
  do outcome = await probeOnce(run);
  while (outcome.error && ++tries < MAX_PROBE_RETRIES && !signal.aborted);
  // Stopped meanwhile (the container ended): nothing to say about it.
  if (signal.aborted) return undefined;
  const Kind = `${kind[0]!.toUpperCase()}${kind.slice(1)}`;
  if (outcome.error) {
    target.event('Warning', 'Unhealthy', `${Kind} probe errored and resulted in unknown state: ${outcome.error.message}`);
    return undefined;
  }
  switch (outcome.result) {
    case 'success':
      return 'success';
    case 'warning':
      target.event('Warning', 'ProbeWarning', `${Kind} probe warning: ${outcome.output}`);
      return 'success';
    case 'failure':
      target.event('Warning', 'Unhealthy', `${Kind} probe failed: ${outcome.output}`);
      return 'failure';
    default:
      return 'failure';
  }
}
