// A node forwards pod traffic: ip_forward on, cluster traffic accepted in the forward hook,
// and pod traffic to outside the cluster CIDR masqueraded behind the node's address. The
// table is small and only this file writes it, so it is replaced whole in one transaction.
import { componentLogger } from '../../common/index.ts';
import { formatCidr } from '../host/index.ts';
import { toolOutput } from './run.ts';
import type { ForwardingConfig } from './types.ts';
import { checkForwardingConfig, checkNetns } from './validate.ts';

export const FORWARDING_TABLE = 'skerry-fw';

const log = componentLogger('overlay');

/** The ruleset; the leading `table` makes the `delete` valid when the table does not exist yet. */
export function forwardingRuleset(clusterCidr: string, podCidr: string): string {
  return `table inet ${FORWARDING_TABLE}
delete table inet ${FORWARDING_TABLE}
table inet ${FORWARDING_TABLE} {
  chain forward {
    type filter hook forward priority filter; policy accept;
    ip saddr ${clusterCidr} accept
    ip daddr ${clusterCidr} accept
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr ${podCidr} ip daddr != ${clusterCidr} masquerade
  }
}
`;
}

/** Turns forwarding on and (re)writes `inet skerry-fw` in the node's namespace; idempotent. */
export async function setupNodeForwarding(config: ForwardingConfig): Promise<void> {
  const checked = checkForwardingConfig(config);
  // /proc/sys/net shows the namespace of the process that opens it, hence a shell inside it.
  // Bridged pod traffic must pass the inet hooks (br_netfilter), whichever CNI chain made the
  // bridge: Service DNAT is undone on the way back and policy sees pods on the same node.
  await toolOutput(config.netns, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward; if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables; fi']);
  await toolOutput(config.netns, 'nft', ['-f', '-'], forwardingRuleset(formatCidr(checked.clusterCidr), formatCidr(checked.podCidr)));
  log.info({ netns: config.netns, clusterCidr: config.clusterCidr, podCidr: config.podCidr }, 'node forwarding set up');
}

/**
 * Deletes `inet skerry-fw`. ip_forward stays on: other software on the node (a container
 * engine, a router) may rely on it, and skerry cannot know whether it was on before.
 */
export async function removeNodeForwarding(config: Pick<ForwardingConfig, 'netns'> = {}): Promise<void> {
  checkNetns(config.netns);
  await toolOutput(config.netns, 'nft', ['-f', '-'], `table inet ${FORWARDING_TABLE}\ndelete table inet ${FORWARDING_TABLE}\n`);
}
