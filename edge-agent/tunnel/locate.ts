// How the tunnel finds a pod's container on this node: the pod manager's findContainer
// (edge-agent/pods), passed in so the tunnel does not depend on how pods are run.
import type { Container } from '../../native/runtime/container.ts';

export interface LocatedContainer {
  /** The CRI log of this run (or of the previous one when asked for). */
  logPath: string;
  /** The runtime's handle, for exec and to know whether a followed log goes on. */
  container?: Container;
}

export type Locate = (namespace: string, pod: string, container: string, previous: boolean) => LocatedContainer | undefined | Promise<LocatedContainer | undefined>;

/** For an agent without a pod manager: every container is unknown. */
export const locateNothing: Locate = () => undefined;
