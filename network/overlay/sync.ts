// Programs the overlay of one node: read the state back, diff, and apply the difference with
// one `ip -batch` and one `bridge -batch` process, so a sync costs a few processes however
// many peers there are, and none beyond the reads when nothing changed.
import { componentLogger } from '../../common/index.ts';
import { ROUTE_PROTOCOL, VXLAN_DEVICE } from './layout.ts';
import { planOverlay } from './plan.ts';
import { toolOutput } from './run.ts';
import { readOverlayState } from './state.ts';
import type { OverlayConfig, OverlayPeer, OverlaySyncResult } from './types.ts';
import { checkNetns, checkOverlayConfig, checkPeers } from './validate.ts';

const log = componentLogger('overlay');

/** Syncs of one namespace run one after another: two diffs of the same state would both apply. */
const queues = new Map<string, Promise<unknown>>();

function serialized<T>(netns: string | undefined, step: () => Promise<T>): Promise<T> {
  const key = netns ?? '';
  const next = (queues.get(key) ?? Promise.resolve()).then(step, step);
  const tail = next.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => queues.get(key) === tail && queues.delete(key));
  return next;
}

/**
 * Makes the VXLAN device and the routes, neighbour and forwarding entries for `peers` match
 * (ADR 011): entries of peers no longer listed, or listed with another address or CIDR, are
 * replaced or removed. Idempotent: a second call with the same input runs no command.
 */
export async function syncOverlay(config: OverlayConfig, peers: OverlayPeer[]): Promise<OverlaySyncResult> {
  const self = checkOverlayConfig(config);
  const checked = checkPeers(peers, self);
  return serialized(config.netns, async () => {
    const plan = planOverlay({ ...self, mode: config.mode ?? 'auto' }, checked, await readOverlayState(config.netns));
    if (plan.ipCommands.length > 0) await toolOutput(config.netns, 'ip', ['-batch', '-'], plan.ipCommands.join('\n') + '\n');
    if (plan.bridgeCommands.length > 0) await toolOutput(config.netns, 'bridge', ['-batch', '-'], plan.bridgeCommands.join('\n') + '\n');
    const changes = plan.ipCommands.length + plan.bridgeCommands.length;
    if (changes > 0) log.info({ netns: config.netns, changes, direct: plan.direct, encapsulated: plan.encapsulated }, 'overlay synced');
    log.debug({ netns: config.netns, ip: plan.ipCommands, bridge: plan.bridgeCommands }, 'overlay changes');
    return plan;
  });
}

/** Removes the VXLAN device (and with it its routes, neighbours and forwarding entries) and the overlay's direct routes. */
export async function removeOverlay(config: Pick<OverlayConfig, 'netns'> = {}): Promise<void> {
  checkNetns(config.netns);
  return serialized(config.netns, async () => {
    const state = await readOverlayState(config.netns);
    const commands = state.routes
      .filter((route) => route.protocol === String(ROUTE_PROTOCOL) && route.dev !== VXLAN_DEVICE)
      .map((route) => `route del ${route.dst}${route.gateway ? ` via ${route.gateway}` : ''}${route.dev ? ` dev ${route.dev}` : ''} proto ${route.protocol}`);
    if (state.links.some((link) => link.name === VXLAN_DEVICE)) commands.push(`link del ${VXLAN_DEVICE}`);
    if (commands.length > 0) await toolOutput(config.netns, 'ip', ['-batch', '-'], commands.join('\n') + '\n');
    log.info({ netns: config.netns, removed: commands.length }, 'overlay removed');
  });
}
