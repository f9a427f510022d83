// kube-controller-manager's node IPAM (range allocator): every Node gets a pod CIDR of its own
// from the cluster CIDR, recorded in spec.podCIDR and spec.podCIDRs, never the same twice
// among live Nodes. A Node keeps its CIDR for life; one deleted frees it. Which CIDRs are taken
// is read from the Node cache on each pass, so a restart needs no state of its own.
import { componentLogger } from '../../common/index.ts';
import { cidrRange, formatIpv4, type KubeObject, type ObjectStore, type ResourceType } from '../api/index.ts';
import { getOrUndefined } from './workload-util.ts';

const log = componentLogger('node-ipam-controller');

export interface NodeIpamOptions {
  /** The cluster CIDR pods are addressed from (default 10.42.0.0/16). */
  clusterCidr: string;
  /** The prefix length of each node's share (default 24). */
  nodeMaskSize: number;
}

export const DEFAULT_NODE_IPAM: NodeIpamOptions = { clusterCidr: '10.42.0.0/16', nodeMaskSize: 24 };

const podCidrOf = (node: KubeObject) => (node.spec as { podCIDR?: string } | undefined)?.podCIDR;

/** The node's share of the cluster CIDR, or undefined when every share is taken. */
export function nextNodeCidr(options: NodeIpamOptions, taken: Iterable<string>): string | undefined {
  const cluster = cidrRange(options.clusterCidr);
  if (options.nodeMaskSize < cluster.bits || options.nodeMaskSize > 30) throw new Error(`a node CIDR mask of /${options.nodeMaskSize} does not fit in ${options.clusterCidr}`);
  const size = 2 ** (32 - options.nodeMaskSize);
  const count = 2 ** (options.nodeMaskSize - cluster.bits);
  const used = new Set(taken);
  for (let i = 0; i < count; i++) {
    const cidr = `${formatIpv4(cluster.base + i * size)}/${options.nodeMaskSize}`;
    if (!used.has(cidr)) return cidr;
  }
  return undefined;
}

/** Reconciles one Node by name: gives it a pod CIDR when it has none. */
export function nodeIpamReconciler(objects: ObjectStore, nodeType: ResourceType, listNodes: () => KubeObject[], options: NodeIpamOptions = DEFAULT_NODE_IPAM) {
  // CIDRs handed out by this process whose Node update the cache may not show yet.
  const handedOut = new Map<string, string>();
  return async (name: string): Promise<'again' | 'done'> => {
    const node = await getOrUndefined(objects, nodeType, undefined, name);
    if (!node) {
      handedOut.delete(name);
      return 'done';
    }
    if (podCidrOf(node)) return 'done';
    const taken = new Set<string>();
    for (const other of listNodes()) if (other.metadata.name !== name && podCidrOf(other)) taken.add(podCidrOf(other)!);
    for (const [owner, cidr] of handedOut) if (owner !== name) taken.add(cidr);
    const cidr = handedOut.get(name) ?? nextNodeCidr(options, taken);
    if (!cidr) {
      log.error({ node: name, clusterCidr: options.clusterCidr }, 'no pod CIDR left in the cluster CIDR for this node');
      return 'again';
    }
    handedOut.set(name, cidr);
    await objects.mutate(nodeType, undefined, name, (current) => {
      const spec = (current.spec ?? {}) as Record<string, unknown>;
      if (!spec.podCIDR) current.spec = { ...spec, podCIDR: cidr, podCIDRs: [cidr] };
      return current;
    });
    log.info({ node: name, podCIDR: cidr }, 'pod CIDR assigned');
    return 'done';
  };
}
