import type { ChildProcess, SpawnOptions } from 'node:child_process';

export interface LabNodeOptions {
  /**
   * Join the node through the userspace wire (two TAP devices and a forwarder) instead of a
   * veth, so that impair() can delay, drop and rate-limit its frames.
   */
  wire?: boolean;
  /** The underlay subnet 10.99.<segment>.0/24 the node is on (default 0); the underlay routes between segments. */
  segment?: number;
}

export interface LabOptions {
  /** How many nodes, or one options object per node. */
  nodes: number | LabNodeOptions[];
  /** The server's netns (default true). */
  server?: boolean;
  /** The underlay MTU: bridge, ports and every eth0 (default 1500). */
  mtu?: number;
}

/** A network namespace of the lab. */
export interface LabNetns {
  /** Its name under /run/netns: skerry-lab-<id>-… */
  netns: string;
  netnsPath: string;
}

/** A node or the server: a netns on the underlay, with its own state dir. */
export interface LabHost extends LabNetns {
  /** 'n0', 'n1' … or 'server'. */
  name: string;
  /** Its address on eth0. */
  ip: string;
  prefixLength: number;
  /** Its device on the underlay: always eth0. */
  dev: string;
  /** Its port on the underlay bridge (in the underlay netns). */
  port: string;
  /** The underlay's address on its segment: its default gateway. */
  gateway: string;
  segment: number;
  wire: boolean;
  /** A directory of its own for state (removed on destroy). */
  dir: string;
}

export interface LabUnderlay extends LabNetns {
  bridge: string;
  /** Its address per segment used: the hosts' default gateways. */
  gateways: string[];
}

/** Where to run something: a lab host or netns, a netns name, or a netns file path. */
export type Where = LabNetns | string;

/** A process the lab started in a netns; restart() keeps the object and replaces the process. */
export interface LabProcess {
  argv: string[];
  netnsPath: string;
  options: SpawnOptions;
  child: ChildProcess;
  pid: number;
  /** Resolves when the current process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  input?: string;
  timeoutMs?: number;
  /** Resolve with a non-zero exit instead of rejecting (default false). */
  allowFailure?: boolean;
}

/** netem-like impairment of a wire node's link; all zero (or {}) clears it. */
export interface Impairment {
  delayMs?: number;
  jitterMs?: number;
  lossPercent?: number;
  rateKbit?: number;
  /** up = node → underlay, down = underlay → node; default both (so delay adds twice to a round trip). */
  direction?: 'up' | 'down' | 'both';
}

export interface WireDirection {
  frames: number;
  bytes: number;
  dropped: number;
}

export interface WireStats {
  up: WireDirection;
  down: WireDirection;
}

/**
 * 'link': the host's port on the underlay goes down (a pulled cable: a veth node sees its
 * carrier go). 'drop': an nft rule on the underlay drops its frames silently (a dead WAN:
 * the link stays up).
 */
export type PartitionMode = 'link' | 'drop';

export interface PingOptions {
  count?: number;
  /** ICMP data bytes, as ping -s (default 56). */
  size?: number;
  intervalMs?: number;
  /** How long to wait for replies after the last request (default 2000). */
  waitMs?: number;
  /** Set Don't Fragment, as ping -M do. */
  dontFragment?: boolean;
}

export interface PingResult {
  sent: number;
  received: number;
  /** Round-trip times in ms, one per reply. */
  rtts: number[];
  /** Send errors by errno name (EMSGSIZE: larger than the route's MTU with dontFragment). */
  errors: Record<string, number>;
  /** ICMP "fragmentation needed" answers. */
  fragNeeded: number;
}

export interface Lab {
  id: string;
  /** skerry-lab-<id>: every namespace of the lab starts with it. */
  prefix: string;
  underlay: LabUnderlay;
  server?: LabHost;
  nodes: LabHost[];
  /** The lab's directory: hosts' state dirs and tmpfs mounts. */
  dir: string;
  mtu: number;
  /**
   * Starts argv inside a netns (nsenter --net); the pid is recorded for destroy and the
   * sweeper. nsenter looks argv[0] up on PATH, where npx puts node_modules/.bin first (and
   * @vercel/nft has an `nft` there): give tools by absolute path.
   */
  spawn(where: Where, argv: string[], options?: SpawnOptions): LabProcess;
  /** Runs argv inside a netns to its end. */
  exec(where: Where, argv: string[], options?: ExecOptions): Promise<ExecResult>;
  kill9(proc: LabProcess): Promise<void>;
  /** SIGTERM, then SIGKILL after graceMs (default 3000). */
  stop(proc: LabProcess, graceMs?: number): Promise<void>;
  /** Kills the process (-9) if it runs and starts the same argv again in the same netns. */
  restart(proc: LabProcess): Promise<LabProcess>;
  /** One more netns of the lab (a pod's, say), removed with it: skerry-lab-<id>-<suffix>. */
  addNetns(suffix: string): Promise<LabNetns>;
  partition(host: LabHost | number, mode?: PartitionMode): Promise<void>;
  /** Undoes every partition of the host. */
  heal(host: LabHost | number): Promise<void>;
  impair(host: LabHost | number, impairment: Impairment): Promise<void>;
  wireStats(host: LabHost | number): Promise<WireStats>;
  ping(where: Where, dst: string, options?: PingOptions): Promise<PingResult>;
  /** A mounted tmpfs of sizeMiB, for disk-full tests (unmounted on destroy). */
  tmpfs(sizeMiB: number): Promise<string>;
  /** What of the lab still exists: namespaces, mounts, live recorded processes (all empty after destroy). */
  remaining(): { namespaces: string[]; mounts: string[]; pids: number[] };
  destroy(): Promise<void>;
}
