// The pod manager's seam to the pod network: a CNI chain (the built-in one, or the first
// *.conflist of --cni-conf-dir) run for each sandbox, its address recorded as a local pod.
import path from 'node:path';
import { addNetwork, delNetwork, loadChain } from '../../network/cni/index.ts';
import type { AttachedNetwork, PodNetworkAttacher, PodNetworkRef } from '../pods/index.ts';
import type { LocalPods } from './local-pods.ts';
import type { NetworkState } from './reconcile.ts';

export interface AttacherOptions {
  dataDir: string;
  clusterDomain: string;
  cniConfDir?: string;
  cniBinDir?: string;
  local: LocalPods;
  state: NetworkState;
  /** Asks the reconciler for a pass (a new local pod changes policy). */
  changed(): void;
}

/** The first address of a CIDR: the pod gateway on the node's bridge, where the node-local DNS answers. */
export function gatewayOf(podCidr: string): string {
  const [address] = podCidr.split('/');
  const octets = address!.split('.').map(Number);
  octets[3] = octets[3]! + 1;
  return octets.join('.');
}

/**
 * A conflist from --cni-conf-dir cannot know the node's pod CIDR or MTU in advance: the
 * strings "usePodCidr" and "usePodMtu" (as flannel's templates have them) stand for them.
 */
export function withNodeValues<T>(chain: T, podCidr: string, mtu: number): T {
  return JSON.parse(JSON.stringify(chain).replaceAll('"usePodCidr"', JSON.stringify(podCidr)).replaceAll('"usePodMtu"', String(mtu))) as T;
}

export function createAttacher(options: AttacherOptions): PodNetworkAttacher {
  const cacheDir = path.join(options.dataDir, 'network', 'cni-cache');
  const chainOptions = () => ({ cacheDir, ...(options.cniBinDir && { binDirs: [options.cniBinDir] }) });

  function chain() {
    const { podCidr, mtu } = options.state;
    if (!podCidr || !mtu) throw new Error('the node has no pod CIDR yet: waiting for the server to assign spec.podCIDR and for the overlay to come up');
    return withNodeValues(loadChain(options.cniConfDir, { subnet: podCidr, mtu, dataDir: options.dataDir }), podCidr, mtu);
  }

  const request = (ref: PodNetworkRef, netns: string) => ({ containerId: ref.sandboxId, netns, ifName: 'eth0', podNamespace: ref.namespace, podName: ref.name, podUid: ref.uid });

  return {
    async attach(ref: PodNetworkRef): Promise<AttachedNetwork> {
      const result = await addNetwork(chain(), request(ref, ref.netns), chainOptions());
      const ip = result.ips?.find((entry) => !entry.address.includes(':'))?.address.split('/')[0];
      if (!ip) throw new Error(`the CNI chain gave the pod no IPv4 address: ${JSON.stringify(result.ips ?? [])}`);
      options.local.put({ namespace: ref.namespace, name: ref.name, uid: ref.uid, sandboxId: ref.sandboxId, ip });
      options.changed();
      return { podIP: ip, dns: { nameserver: gatewayOf(options.state.podCidr!), domain: options.clusterDomain } };
    },
    async detach(ref: PodNetworkRef): Promise<void> {
      // DEL must work also when the CIDR is not known yet (an agent restarted offline before its first pass).
      const { podCidr, mtu } = options.state;
      const current = withNodeValues(loadChain(options.cniConfDir, { subnet: podCidr ?? '10.42.0.0/24', mtu: mtu ?? 1450, dataDir: options.dataDir }), podCidr ?? '10.42.0.0/24', mtu ?? 1450);
      await delNetwork(current, request(ref, ref.netns), chainOptions());
      options.local.remove(ref.sandboxId);
      options.changed();
    },
  };
}
