// A container's OCI config.json from its pod: skerry's defaults (native defaultSpec), the
// image config, and the pod spec's command/args, env, workingDir, user, security context,
// resources, volume mounts and the pod's namespaces. Pure: every host fact comes in.
import type { oci } from '../../../common/index.ts';
import { defaultSpec, type OciMount } from '../../../native/index.ts';
import { CAPABILITIES, DEFAULT_CAPABILITIES } from '../../../native/security/index.ts';
import type { KubeContainer, Pod } from '../types.ts';
import { processArgs } from './command.ts';
import { mergeEnv } from './env.ts';
import { PodError } from './errors.ts';
import { linuxResources } from './resources.ts';
import type { ProcessUser } from './user.ts';

/** The pod's namespace files; an absent one means the host's (hostNetwork, hostIPC). */
export interface SandboxNamespaces {
  net?: string;
  ipc?: string;
  uts?: string;
}

export interface SpecInput {
  pod: Pod;
  container: KubeContainer;
  image: NonNullable<oci.ImageConfig['config']>;
  /** The container's resolved env (resolveEnv). */
  env: ReadonlyMap<string, string>;
  user: ProcessUser;
  /** The prepared root filesystem (absolute). */
  rootfs: string;
  /** Volume mounts with their host sources resolved. */
  mounts: OciMount[];
  namespaces: SandboxNamespaces;
  hostname: string;
  pidsLimit: number;
  /** RLIMIT_NOFILE for the process: the agent's own hard limit, as containerd's containers inherit containerd's. */
  nofile: number;
  allowPrivileged: boolean;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const capName = (c: string) => `CAP_${c.toUpperCase().replace(/^CAP_/, '')}`;

/** containerd's WithCapabilities: ALL first, then the named adds and drops. */
export function capabilitySet(sc: KubeContainer['securityContext']): string[] {
  const add = sc?.capabilities?.add ?? [];
  const drop = sc?.capabilities?.drop ?? [];
  let caps = new Set<string>(DEFAULT_CAPABILITIES);
  if (add.some((c) => c.toUpperCase() === 'ALL')) caps = new Set(Object.keys(CAPABILITIES));
  if (drop.some((c) => c.toUpperCase() === 'ALL')) caps = new Set();
  for (const c of add.filter((c) => c.toUpperCase() !== 'ALL').map(capName)) {
    if (CAPABILITIES[c] === undefined) throw new PodError('CreateContainerError', `unknown capability ${JSON.stringify(c)} in securityContext.capabilities.add`);
    caps.add(c);
  }
  for (const c of drop.filter((c) => c.toUpperCase() !== 'ALL').map(capName)) caps.delete(c);
  return [...caps].sort((a, b) => CAPABILITIES[a]! - CAPABILITIES[b]!);
}

function namespaces(pod: Pod, ns: SandboxNamespaces): Json[] {
  const list: Json[] = [{ type: 'mount' }, { type: 'cgroup' }];
  if (!pod.spec.hostPID) list.push({ type: 'pid' });
  if (ns.net) list.push({ type: 'network', path: ns.net });
  if (ns.ipc) list.push({ type: 'ipc', path: ns.ipc });
  if (ns.uts) list.push({ type: 'uts', path: ns.uts });
  return list;
}

/** Parents before children, as containerd sorts mounts; equal depths keep their order. */
function byDepth(mounts: OciMount[]): OciMount[] {
  const depth = (m: OciMount) => m.destination.split('/').filter(Boolean).length;
  return mounts.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m) - depth(b.m) || a.i - b.i).map(({ m }) => m);
}

function seccompOf(input: SpecInput, base: Json): Json | undefined {
  const profile = input.container.securityContext?.seccompProfile ?? input.pod.spec.securityContext?.seccompProfile;
  // RuntimeDefault unless told otherwise: an edge node should not run unfiltered by accident.
  if (!profile || profile.type === 'RuntimeDefault') return base.linux.seccomp;
  if (profile.type === 'Unconfined') return undefined;
  throw new PodError('CreateContainerConfigError', `seccompProfile type ${profile.type} is not supported by skerry (RuntimeDefault or Unconfined)`);
}

function applyPrivileged(spec: Json, input: SpecInput): void {
  if (!input.allowPrivileged) {
    throw new PodError('CreateContainerConfigError', `privileged container ${input.container.name} is not allowed on this node (the agent runs without --allow-privileged)`);
  }
  const all = Object.keys(CAPABILITIES);
  spec.process.capabilities = { bounding: all, effective: all, permitted: all, inheritable: [], ambient: [] };
  delete spec.linux.seccomp;
  spec.linux.maskedPaths = [];
  spec.linux.readonlyPaths = [];
  for (const m of spec.mounts as OciMount[]) if (m.type === 'sysfs' || m.type === 'cgroup') m.options = m.options.filter((o) => o !== 'ro');
}

/** The config.json for one container of the pod. */
export function buildSpec(input: SpecInput): Json {
  const { container, image } = input;
  const sc = container.securityContext ?? {};
  const base = defaultSpec() as Json;
  const caps = capabilitySet(sc);
  const spec: Json = {
    ociVersion: base.ociVersion,
    process: {
      terminal: false,
      user: { uid: input.user.uid, gid: input.user.gid, additionalGids: input.user.additionalGids },
      args: processArgs(container, image, input.env),
      env: mergeEnv(input.hostname, image.Env, input.env),
      cwd: container.workingDir || image.WorkingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: input.nofile, soft: input.nofile }],
      noNewPrivileges: sc.allowPrivilegeEscalation === false,
    },
    root: { path: input.rootfs, readonly: sc.readOnlyRootFilesystem === true },
    mounts: [...base.mounts, ...byDepth(input.mounts)],
    linux: {
      namespaces: namespaces(input.pod, input.namespaces),
      maskedPaths: base.linux.maskedPaths,
      readonlyPaths: base.linux.readonlyPaths,
      resources: linuxResources(container, input.pidsLimit),
    },
  };
  if (!spec.process.cwd.startsWith('/')) throw new PodError('CreateContainerError', `workingDir ${JSON.stringify(spec.process.cwd)} must be an absolute path`);
  const seccomp = seccompOf(input, base);
  if (seccomp) spec.linux.seccomp = seccomp;
  if (sc.privileged) applyPrivileged(spec, input);
  return spec;
}
