// The pod sandbox without a pause process: the pod's network, IPC and UTS namespaces are
// kept alive as bind mounts of /proc/self/ns/* under <podsRoot>/<uid>/ns/, made by a child
// of the addon that unshares them, names the host (the pod's name) and exits; loopback is
// brought up over netlink. No process is exec'd: a shell and `ip` cost 30–50 ms per pod, and a node starting 100 pods
// at once paid it 100 times. sandbox.json, written last, says the sandbox is whole.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { kernelConstants, runChildStepsAsync, runNetlink, type ChildStep } from '../../../native/index.ts';
import type { AttachedNetwork } from '../context.ts';
import type { SandboxNamespaces } from '../spec/oci-spec.ts';
import type { Pod } from '../types.ts';
import { hasOwnFilesystem, unmountAll } from './mounts.ts';

export interface Sandbox {
  id: string;
  /** The node it was made for: agents sharing a pods root leave each other's sandboxes alone. */
  node: string;
  createdAt: string;
  namespaces: SandboxNamespaces;
  /** The pod network it was wired to, once it was (the pod's IP survives agent restarts here). */
  network?: AttachedNetwork;
}

/** Records what the pod network gave the sandbox, replacing sandbox.json whole. */
export function saveSandbox(runDir: string, sandbox: Sandbox): void {
  const file = sandboxFile(runDir);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(sandbox)}\n`, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

type NsName = keyof SandboxNamespaces;
const FLAGS: Record<NsName, 'CLONE_NEWNET' | 'CLONE_NEWIPC' | 'CLONE_NEWUTS'> = { net: 'CLONE_NEWNET', ipc: 'CLONE_NEWIPC', uts: 'CLONE_NEWUTS' };

/** The namespaces a pod gets of its own: hostNetwork shares the host's net and uts, hostIPC its ipc. */
export function podNamespaces(pod: Pod): NsName[] {
  const names: NsName[] = [];
  if (!pod.spec.hostNetwork) names.push('net');
  if (!pod.spec.hostIPC) names.push('ipc');
  if (!pod.spec.hostNetwork) names.push('uts');
  return names;
}

/** The pod's hostname: spec.hostname, else its name, cut to a DNS label as the kubelet does. */
export function podHostname(pod: Pod): string {
  return (pod.spec.hostname || pod.metadata.name).slice(0, 63).replace(/[-.]+$/, '');
}

const sandboxFile = (runDir: string) => path.join(runDir, 'sandbox.json');

/** What sandbox.json says, whole or not. */
export function readSandboxFile(runDir: string): Sandbox | undefined {
  try {
    return JSON.parse(fs.readFileSync(sandboxFile(runDir), 'utf8')) as Sandbox;
  } catch {
    return undefined;
  }
}

/** The sandbox as it stands, or undefined when it is not whole (never made, or cleared by a reboot). */
export function readSandbox(runDir: string): Sandbox | undefined {
  const sandbox = readSandboxFile(runDir);
  if (!sandbox) return undefined;
  const files = Object.values(sandbox.namespaces);
  return files.every((file) => file && hasOwnFilesystem(file)) ? sandbox : undefined;
}

/** The child's program: unshare, pin each namespace on its file, name the host. */
function childSteps(names: NsName[], files: SandboxNamespaces, hostname: string): ChildStep[] {
  const c = kernelConstants();
  const steps: ChildStep[] = [{ kind: 'unshare', label: `unshare ${names.join('+')}`, flags: names.reduce((f, n) => f | c[FLAGS[n]], 0) }];
  for (const name of names) steps.push({ kind: 'mount', label: `bind /proc/self/ns/${name} onto ${files[name]}`, source: `/proc/self/ns/${name}`, target: files[name]!, flags: c.MS_BIND });
  if (names.includes('uts')) steps.push({ kind: 'sethostname', label: `sethostname ${hostname}`, hostname });
  return steps;
}

/** Makes the pod's namespaces; on a failure nothing of them is left. */
export async function createSandbox(runDir: string, pod: Pod, node: string): Promise<Sandbox> {
  const names = podNamespaces(pod);
  const nsDir = path.join(runDir, 'ns');
  removeSandbox(runDir);
  fs.mkdirSync(nsDir, { recursive: true, mode: 0o700 });
  const files: SandboxNamespaces = {};
  try {
    for (const name of names) {
      files[name] = path.join(nsDir, name);
      fs.writeFileSync(files[name]!, '', { mode: 0o444 });
    }
    if (names.length > 0) {
      const outcome = await runChildStepsAsync(childSteps(names, files, podHostname(pod)));
      if (outcome.exitCode !== 0) throw new Error(`setting up the pod's namespaces failed: ${outcome.output.trim() || `exit ${outcome.exitCode ?? `signal ${outcome.signal}`}`}`);
    }
    if (files.net) await runNetlink([{ op: 'setLink', netns: files.net, name: 'lo', up: true }]);
    const sandbox: Sandbox = { id: crypto.randomBytes(8).toString('hex'), node, createdAt: new Date().toISOString(), namespaces: files };
    fs.writeFileSync(sandboxFile(runDir), `${JSON.stringify(sandbox)}\n`, { mode: 0o600 });
    return sandbox;
  } catch (error) {
    removeSandbox(runDir);
    throw error;
  }
}

/** Unpins the pod's namespaces (they go once no container uses them) and removes the files. */
export function removeSandbox(runDir: string): void {
  const nsDir = path.join(runDir, 'ns');
  fs.rmSync(sandboxFile(runDir), { force: true });
  if (!fs.existsSync(nsDir)) return;
  unmountAll(nsDir);
  fs.rmSync(nsDir, { recursive: true, force: true });
}
