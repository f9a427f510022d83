// The public face of edge-agent/network: the node's pod network (ADR 011). It wires each pod
// through a CNI chain, keeps forwarding, the overlay, Services and NetworkPolicy in step
// with the node's local view, and answers cluster DNS from that view — all of it from the
// cache, so it keeps working while the node is cut off from the server.
import path from 'node:path';
import { componentLogger, type ClusterNetwork } from '../../common/index.ts';
import type { PodNetworkAttacher } from '../pods/index.ts';
import { createAttacher, gatewayOf } from './attacher.ts';
import { startDns, type NodeDnsHandle } from './dns.ts';
import { openLocalPods } from './local-pods.ts';
import { startReconciler } from './reconcile.ts';
import type { ViewReader } from './view-inputs.ts';

export type { ViewReader } from './view-inputs.ts';

export interface NodeNetworkOptions {
  node: string;
  nodeIp: string;
  dataDir: string;
  cluster: ClusterNetwork;
  mode: 'auto' | 'vxlan';
  policy: boolean;
  cniConfDir?: string;
  cniBinDir?: string;
  view: ViewReader;
}

export interface NodeNetwork {
  attacher: PodNetworkAttacher;
  /** The view changed: bring the network in step (soon; changes close together make one pass). */
  resync(): void;
  stop(): Promise<void>;
}

export function startNodeNetwork(options: NodeNetworkOptions): NodeNetwork {
  const log = componentLogger('network');
  const local = openLocalPods(path.join(options.dataDir, 'network', 'pods'));
  let dns: NodeDnsHandle | undefined;
  let dnsStarting: Promise<void> | undefined;
  const reconciler = startReconciler(
    { node: options.node, nodeIp: options.nodeIp, clusterCidr: options.cluster.clusterCidr, mode: options.mode, policy: options.policy, view: options.view, local, log },
    (state) => {
      if (state.services) dns?.refresh(state.services);
      // The DNS server answers on the bridge's gateway address, which exists once a pod was wired.
      if (!dns && !dnsStarting && state.podCidr && state.services && local.list().length > 0) {
        dnsStarting = startDns({ address: gatewayOf(state.podCidr), domain: options.cluster.clusterDomain, inputs: state.services, log })
          .then((started) => void (dns = started))
          .catch((error: unknown) => log.warn({ err: error }, 'node-local DNS not started yet; trying again on the next pass'))
          .finally(() => (dnsStarting = undefined));
      }
    },
  );
  const attacher = createAttacher({
    dataDir: options.dataDir, clusterDomain: options.cluster.clusterDomain, cniConfDir: options.cniConfDir, cniBinDir: options.cniBinDir,
    local, state: reconciler.state, changed: reconciler.resync,
  });
  reconciler.resync();
  log.info({ node: options.node, mode: options.mode, policy: options.policy, cni: options.cniConfDir ?? 'built-in' }, 'node network started');
  return {
    attacher,
    resync: reconciler.resync,
    async stop() {
      await reconciler.stop();
      await dnsStarting;
      await dns?.close();
    },
  };
}
