// The CNI spec's data types (https://www.cni.dev/docs/spec/), in the 1.0 shape.

/** One plugin of a configuration list: `type` names the executable, or `skerry` for the built-in one. */
export interface PluginConf {
  type: string;
  /** Which runtime arguments (e.g. portMappings) go to this plugin in runtimeConfig. */
  capabilities?: Record<string, boolean>;
  [field: string]: unknown;
}

/** A network configuration list (a `.conflist`). */
export interface Conflist {
  cniVersion: string;
  name: string;
  disableCheck?: boolean;
  plugins: PluginConf[];
}

/** A configuration list as loaded: where it came from, for messages. */
export interface Chain extends Conflist {
  /** The file it was read from, or "built-in". */
  source: string;
}

export interface CniInterface {
  name: string;
  mac?: string;
  /** The netns path for an interface inside the container; absent for the host's. */
  sandbox?: string;
  [field: string]: unknown;
}

export interface CniIpConfig {
  /** CIDR: "10.42.3.5/24". */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
  [field: string]: unknown;
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** What ADD gives back, in the 1.0 shape whatever version the chain speaks. */
export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIpConfig[];
  routes?: CniRoute[];
  dns?: CniDns;
}

/** The spec's error object, printed by a failing plugin on stdout. */
export interface CniErrorBody {
  cniVersion?: string;
  code: number;
  msg: string;
  details?: string;
}

export type CniCommand = 'ADD' | 'DEL' | 'CHECK';

/** One pod's attachment to the network: CNI's runtime parameters plus the Kubernetes CNI_ARGS. */
export interface PodNetworkRequest {
  /** CNI_CONTAINERID: the sandbox's id. */
  containerId: string;
  /** CNI_NETNS: the path of the pod's network namespace; may be "" on DEL when it is gone. */
  netns: string;
  /** CNI_IFNAME; default eth0. */
  ifName?: string;
  podNamespace: string;
  podName: string;
  podUid: string;
  /** Runtime values for plugins that declare the capability, e.g. { portMappings: [...] }. */
  capabilityArgs?: Record<string, unknown>;
}

export interface ChainOptions {
  /** Where plugin executables are looked for, in order (CNI_PATH). Default /usr/lib/cni, /opt/cni/bin. */
  binDirs?: string[];
  /** Where ADD results are kept for DEL and CHECK (results/<network>-<container>-<ifname>, as libcni). */
  cacheDir: string;
  /**
   * The node's network namespace as a path, when it is not this process's: the built-in plugin
   * works there and external plugins are run through `nsenter --net=PATH`.
   */
  hostNetns?: string;
  /** How long one plugin may take before it is killed; default 60 s. */
  timeoutMs?: number;
}
