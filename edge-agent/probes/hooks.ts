// Lifecycle hooks (pkg/kubelet/lifecycle/handlers.go): exec runs the command in the
// container with no timeout of its own, httpGet sends one GET (any answer will do — only a
// failed request fails the hook, as in the kubelet), sleep waits. The caller's signal bounds
// each (the container ended; preStop's grace is over). A failure comes back as the
// kubelet's message, which the pod manager logs and keeps out of events.
import type { Handler, HookTarget } from '../pods/index.ts';
import { sleepUnless } from './clock.ts';
import { resolvePort } from './handlers/common.ts';
import type { Dial } from './handlers/dial.ts';
import { combinedOutput, execCommand } from './handlers/exec.ts';
import { httpGet } from './handlers/http.ts';

export interface HookDeps {
  dial: Dial;
  kubeVersion: string;
}

/** format.Pod: name_namespace(uid). */
const podName = (t: HookTarget) => `${t.pod.metadata.name}_${t.pod.metadata.namespace}(${t.pod.metadata.uid})`;
const where = (t: HookTarget) => `for Container ${JSON.stringify(t.container.name)} in Pod ${JSON.stringify(podName(t))}`;

async function execHook(command: string[], target: HookTarget, signal: AbortSignal): Promise<string | undefined> {
  const prefix = `Exec lifecycle hook ([${command.join(' ')}]) ${where(target)} failed - error:`;
  let result;
  try {
    result = await execCommand(target.handle, command, undefined, signal);
  } catch (error) {
    return `${prefix} ${(error as Error).message}, message: ""`;
  }
  if (result.exitCode === 0) return undefined;
  const error = `command '${command.join(' ')}' exited with ${result.exitCode}: ${result.stderr.toString('utf8')}`;
  return `${prefix} ${error}, message: ${JSON.stringify(combinedOutput(result))}`;
}

async function httpHook(handler: Required<Pick<Handler, 'httpGet'>>, target: HookTarget, signal: AbortSignal, deps: HookDeps): Promise<string | undefined> {
  const action = handler.httpGet;
  const fail = (error: unknown) => `HTTP lifecycle hook (${action.path ?? ''}) ${where(target)} failed - error: ${(error as Error).message}`;
  try {
    const port = resolvePort(action.port, target.container);
    await httpGet({ action, port, network: target.network, purpose: 'lifecycle', kubeVersion: deps.kubeVersion, signal, dial: deps.dial });
    return undefined;
  } catch (error) {
    return fail(error);
  }
}

async function sleepHook(seconds: number, target: HookTarget, signal: AbortSignal): Promise<string | undefined> {
  if (await sleepUnless(seconds * 1000, signal)) return undefined;
  return `Sleep lifecycle hook (${seconds}) ${where(target)} failed - error: container terminated before sleep hook finished`;
}

export async function runHook(name: 'postStart' | 'preStop', target: HookTarget, signal: AbortSignal, deps: HookDeps): Promise<string | undefined> {
  const handler = target.container.lifecycle?.[name];
  if (!handler) return undefined;
  if (handler.exec) return execHook(handler.exec.command ?? [], target, signal);
  if (handler.httpGet) return httpHook({ httpGet: handler.httpGet }, target, signal, deps);
  if (handler.sleep) return sleepHook(handler.sleep.seconds, target, signal);
  // tcpSocket passes validation for old manifests but was never run by the kubelet.
  return `Cannot run handler: invalid handler: ${JSON.stringify(handler)}`;
}
