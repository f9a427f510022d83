// The pod's side of the pod network: the reference a CNI chain is called with, the files a
// wired pod gets (/etc/resolv.conf, /etc/hosts, written under its run dir and bind-mounted
// into each container), and unwiring a sandbox before its namespaces go.
import fs from 'node:fs';
import path from 'node:path';
import type { AttachedNetwork, PodNetworkRef } from '../context.ts';
import { parseResolvConf, podHostsFile, podResolvConf, type HostResolver } from '../spec/dns.ts';
import type { Pod } from '../types.ts';
import type { Sandbox } from './sandbox.ts';

/** Where the pod's managed files live: <run>/etc/{resolv.conf,hosts}. */
export const podEtcFiles = (runDir: string) => ({ resolvConf: path.join(runDir, 'etc', 'resolv.conf'), hosts: path.join(runDir, 'etc', 'hosts') });

export function networkRef(w: { paths: { run: string }; lastSpec: Pod }, sandbox: Sandbox): PodNetworkRef {
  const { namespace, name, uid } = w.lastSpec.metadata;
  return { namespace, name, uid, sandboxId: sandbox.id, netns: path.join(w.paths.run, 'ns', 'net') };
}

let hostResolver: HostResolver | undefined;

/** The node's own resolver settings, read once (what Default-policy pods get, and the search path's tail). */
function nodeResolver(): HostResolver {
  if (!hostResolver) {
    try {
      hostResolver = parseResolvConf(fs.readFileSync('/etc/resolv.conf', 'utf8'));
    } catch {
      hostResolver = { nameservers: [], searches: [], options: [] };
    }
  }
  return hostResolver;
}

export function writePodNetworkFiles(runDir: string, pod: Pod, network: AttachedNetwork, hostname: string): void {
  const files = podEtcFiles(runDir);
  fs.mkdirSync(path.dirname(files.resolvConf), { recursive: true, mode: 0o755 });
  fs.writeFileSync(files.resolvConf, podResolvConf(pod, network.dns, nodeResolver()), { mode: 0o644 });
  fs.writeFileSync(files.hosts, podHostsFile(pod, network.podIP, hostname, network.dns.domain), { mode: 0o644 });
}

/** Unwires a sandbox that was wired (by its record); failures are logged, and the address is kept for the next try. */
export async function detachNetwork(w: { ctx: { network?: { detach(ref: PodNetworkRef): Promise<void> }; log: { warn(o: object, m: string): void } }; paths: { run: string }; lastSpec: Pod; name: string }, sandbox: Sandbox | undefined): Promise<void> {
  if (!sandbox?.network || !w.ctx.network) return;
  try {
    await w.ctx.network.detach(networkRef(w, sandbox));
  } catch (error) {
    w.ctx.log.warn({ pod: w.name, err: error }, 'pod network teardown failed');
  }
}
