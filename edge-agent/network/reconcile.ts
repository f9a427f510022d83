// The node's network kept in step with its local view: forwarding, the overlay to its peers,
// Services and NetworkPolicy. One pass at a time; a change during a pass asks for another.
// Every part reads only the cache, so it all keeps holding — and keeps following local
// changes such as a pod restarted with a new address — while the node is offline.
import type { Logger } from '../../common/index.ts';
import { setupNodeForwarding, syncOverlay, type OverlayMode } from '../../network/overlay/index.ts';
import { applyServices, compileServices, type ServiceRules } from '../../network/services/index.ts';
import { applyPolicy, compilePolicy, type NetworkPolicy, type PolicyPlan } from '../../network/policy/index.ts';
import type { LocalPods } from './local-pods.ts';
import { namespaces, objectsOf, ownPodCidr, peers, policyPods, serviceInputs, type ServiceInputs, type ViewReader } from './view-inputs.ts';

export interface ReconcileOptions {
  node: string;
  nodeIp: string;
  clusterCidr: string;
  mode: OverlayMode;
  policy: boolean;
  view: ViewReader;
  local: LocalPods;
  log: Logger;
}

export interface NetworkState {
  podCidr?: string;
  /** The MTU pods get (the overlay's); known after the first overlay pass. */
  mtu?: number;
  /** The Services and Endpoints the last pass read (DNS answers from them). */
  services?: ServiceInputs;
}

const RETRY_MS = 5_000;
const LOOPBACK_NODE_MTU = 1500;
// The kernel state can be changed behind the agent's back (a link flushed by hand): look again now and then.
const REPAIR_MS = 60_000;

export function startReconciler(options: ReconcileOptions, onPass: (state: NetworkState) => void) {
  const state: NetworkState = {};
  let forwardingFor: string | undefined;
  let peersKey: string | undefined;
  let lastOverlayAt = 0;
  let services: ServiceRules | undefined;
  let servicesSignature = '';
  let policy: PolicyPlan | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function pass(): Promise<void> {
    const podCidr = ownPodCidr(options.view, options.node);
    if (!podCidr) return;
    state.podCidr = podCidr;
    let failed = false;
    const step = async (name: string, run: () => Promise<void>) => {
      try {
        await run();
      } catch (error) {
        failed = true;
        options.log.warn({ err: error, step: name }, 'network step failed; trying again');
      }
    };
    await step('forwarding', async () => {
      if (forwardingFor === podCidr) return;
      await setupNodeForwarding({ clusterCidr: options.clusterCidr, podCidr });
      forwardingFor = podCidr;
    });
    await step('overlay', async () => {
      if (options.nodeIp.startsWith('127.')) {
        // A host with no route out (a one-node cluster on a laptop): no peer could reach it anyway.
        if (state.mtu === undefined) options.log.warn({ nodeIp: options.nodeIp }, 'the node IP is a loopback address: no overlay, pods reach only this node; pass --node-ip');
        state.mtu = LOOPBACK_NODE_MTU;
        return;
      }
      const wanted = peers(options.view, options.node);
      const key = JSON.stringify([podCidr, wanted]);
      if (key === peersKey && Date.now() - lastOverlayAt < REPAIR_MS) return;
      const result = await syncOverlay({ nodeIp: options.nodeIp, podCidr, mode: options.mode }, wanted);
      state.mtu = result.mtu;
      peersKey = key;
      lastOverlayAt = Date.now();
    });
    await step('services', async () => {
      const inputs = serviceInputs(options.view);
      state.services = inputs;
      // Most passes are for pods: 10,000 Services take ~0.2 s to compile, so only a change does.
      if (services && inputs.signature === servicesSignature) return;
      const next = compileServices({ services: inputs.services, endpoints: inputs.endpoints, nodeIps: [options.nodeIp], clusterCidr: options.clusterCidr });
      if (next.problems.length > 0 && JSON.stringify(next.problems) !== JSON.stringify(services?.problems)) options.log.warn({ problems: next.problems }, 'Services left out of the node’s rules');
      try {
        await applyServices(services, next);
        services = next;
        servicesSignature = inputs.signature;
      } catch (error) {
        // What the kernel holds is unknown now: the next pass writes the whole table.
        services = undefined;
        throw error;
      }
    });
    if (options.policy) {
      await step('policy', async () => {
        const local = options.local.list();
        const next = compilePolicy({
          policies: objectsOf(options.view, 'networkpolicies') as unknown as NetworkPolicy[],
          pods: policyPods(options.view, local),
          namespaces: namespaces(options.view),
          localPodIps: local.map((p) => p.ip),
        });
        if (next.problems.length > 0 && JSON.stringify(next.problems) !== JSON.stringify(policy?.problems)) options.log.warn({ problems: next.problems }, 'NetworkPolicy parts left out (each allows less, never more)');
        const result = await applyPolicy(policy, next).catch((error: unknown) => {
          policy = undefined;
          throw error;
        });
        if (result.fallback) options.log.warn({ reason: result.fallback }, 'policy table rebuilt whole');
        if (result.cutConnections > 0) options.log.info({ cut: result.cutConnections }, 'connections a narrowed policy refuses were cut');
        policy = next;
      });
    }
    onPass(state);
    if (failed) schedule(RETRY_MS);
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(kick, delayMs);
  }

  function kick(): void {
    timer = undefined;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .catch((error: unknown) => options.log.error({ err: error }, 'network pass failed'))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  const repair = setInterval(kick, REPAIR_MS);
  return {
    state,
    /** Asks for a pass soon; passes asked for close together run once. */
    resync: () => schedule(20),
    /** Runs a pass now and resolves when it (and any asked for meanwhile) is done. */
    async settle(): Promise<void> {
      kick();
      while (running) await running;
    },
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(repair);
      if (timer) clearTimeout(timer);
      while (running) await running;
    },
  };
}
