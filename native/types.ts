/** One system call a probe child makes, in order; the first failure aborts the child. */
export type ChildStep =
  | { kind: 'unshare'; label: string; flags: number }
  | { kind: 'mount'; label: string; source?: string; target: string; fstype?: string; flags?: number; data?: string }
  | { kind: 'no-new-privs'; label: string }
  | { kind: 'seccomp-allow-all'; label: string }
  /** seccomp(SECCOMP_SET_MODE_FILTER, flags, program): program is struct sock_filter[]. */
  | { kind: 'seccomp'; label: string; program: Buffer; flags?: number }
  /** Drops the bounding set to `bounding` when given, then capset(2) with the three masks. */
  | { kind: 'capset'; label: string; effective: bigint; permitted: bigint; inheritable: bigint; bounding?: bigint }
  | { kind: 'sethostname'; label: string; hostname: string }
  | { kind: 'exec'; label: string; path: string; argv: string[] };

export interface ChildOutcome {
  /** The exit code, or null when a signal ended the child. */
  exitCode: number | null;
  signal: number | null;
  /** What an exec'd program wrote to stdout and stderr. */
  output: string;
}

export interface ResourceLimit {
  soft: number;
  hard: number;
}

/** An error from a system call: `message` is "<what>: <ERRNO> (<text>)". */
export interface SystemCallError extends Error {
  errno: number;
  code: string;
  syscall: string;
}

/** Fds for a shim's (and so an exec'd process's) 0, 1 and 2; /dev/null for any left out. */
export interface StdioFds {
  stdin?: number;
  stdout?: number;
  stderr?: number;
}

/** What spawnShim returns: the shim's pid and our end of its sync socket. */
export interface ShimProcess {
  pid: number;
  syncFd: number;
}

export interface Addon {
  runChildSteps(steps: ChildStep[]): ChildOutcome;
  runChildStepsAsync(steps: ChildStep[]): Promise<ChildOutcome>;
  /** Starts skerry-shim from a sealed memfd copy of shimPath with the plan on fd 3. */
  spawnShim(request: { shimPath: string; plan: Buffer; stdio: 'inherit' | 'null' | StdioFds }): ShimProcess;
  /** A blocking AF_UNIX stream pair, both ends close-on-exec: one end for a process's stdio, one for us. */
  socketPair(): [number, number];
  /** waitpid(pid, WNOHANG): null while it runs. */
  reap(pid: number): { exitCode: number | null; signal: number | null } | null;
  /** An Error "<what>: <ERRNO> (<text>)" with errno, code and syscall, not thrown. */
  sysError(errno: number, what: string): SystemCallError;
  probePidfd(): true;
  getRlimits(): Record<string, ResourceLimit>;
  becomeChildSubreaper(): void;
  /** mallopt(M_MMAP_THRESHOLD): false where the C library is not glibc. */
  setMallocMmapThreshold(bytes: number): boolean;
  setXattr(path: string, name: string, value: Buffer): void;
  getXattr(path: string, name: string): Buffer | null;
  mknod(path: string, mode: number, major: number, minor: number): void;
  /** Overlay of `lowers` (top first); read-only without upper and work. */
  mountOverlay(target: string, lowers: string[], upper?: string, work?: string): void;
  unmount(target: string, detach?: boolean): void;
  /** A TCP connection (non-blocking fd) made from inside the network namespace at nsPath; address is an IP literal. */
  connectInNetns(nsPath: string, address: string, port: number, timeoutMs: number): Promise<number>;
  getProjectAttr(dir: string): { projectId: number; inherit: boolean };
  /** Sets the project ID and PROJINHERIT on a directory. */
  setProjectAttr(dir: string, projectId: number): void;
  /** Project quota state of the filesystem holding `path` (Q_XGETQSTATV). */
  projectQuotaState(path: string): { accounting: boolean; enforced: boolean };
  /** null when the filesystem keeps nothing for the project. */
  getProjectQuota(path: string, projectId: number): ProjectQuota | null;
  /** Hard block limit in bytes (rounded up to KiB); 0 removes it. */
  setProjectQuota(path: string, projectId: number, hardLimitBytes: number): void;
  /** An opaque incremental digest (OpenSSL EVP), fed by the jobs below one at a time. */
  digestCreate(algorithm: 'sha256' | 'sha512'): DigestState;
  /** writev of `buffers` to `fd` (-1: none), then the digest of the same bytes, on the thread pool. */
  digestAppend(state: DigestState, fd: number, buffers: Buffer[]): Promise<number>;
  /** The digest of the file at `fd` from offset 0 to its end, on the thread pool; resolves with its size. */
  digestFile(state: DigestState, fd: number): Promise<number>;
  /** Hex digest of the bytes so far; the state takes more after it. */
  digestHex(state: DigestState): string;
  /** An opaque digest with its own thread, which hashes pushed pieces in order. */
  digestFeedCreate(algorithm: 'sha256' | 'sha512'): DigestFeedState;
  /** Queues `piece` (held, not copied, until hashed); returns the bytes now waiting. */
  digestFeedPush(feed: DigestFeedState, piece: Buffer): number;
  /** Blocks until at most `bytes` wait to be hashed; returns how many do. */
  digestFeedWait(feed: DigestFeedState, bytes: number): number;
  /** Blocks until every piece is hashed; the hex digest. The feed ends. */
  digestFeedFinish(feed: DigestFeedState): string;
  /** Drops what is queued and ends the feed's thread. */
  digestFeedStop(feed: DigestFeedState): void;
  /** Starts a file-making thread reading records from `slots` (kept alive with it). */
  fileWriterCreate(slots: Buffer[]): FileWriterState;
  /** Hands `length` bytes of records in `slot` to the thread. */
  fileWriterHandover(state: FileWriterState, slot: number, length: number): void;
  /** Blocks until `slot` is handed back. */
  fileWriterWait(state: FileWriterState, slot: number): void;
  /** Blocks until every slot is handed back. */
  fileWriterIdle(state: FileWriterState): void;
  /** Whether a record has failed (records after it are skipped). */
  fileWriterFailed(state: FileWriterState): boolean;
  /** Waits until idle, then returns the first failure as an Error (and clears it), or null. */
  fileWriterTakeFailure(state: FileWriterState): (Error & { code: string; errno: number; syscall: string; path?: string; fileSequence: number }) | null;
  constants: Record<KernelConstant, number>;
}

declare const digestState: unique symbol;
export type DigestState = { readonly [digestState]: true };
declare const digestFeedState: unique symbol;
export type DigestFeedState = { readonly [digestFeedState]: true };
declare const fileWriterState: unique symbol;
export type FileWriterState = { readonly [fileWriterState]: true };

export interface ProjectQuota {
  /** 0: no limit. */
  hardLimitBytes: number;
  usedBytes: number;
  usedInodes: number;
}

export type KernelConstant =
  | 'CLONE_NEWNS' | 'CLONE_NEWUTS' | 'CLONE_NEWIPC' | 'CLONE_NEWUSER' | 'CLONE_NEWPID' | 'CLONE_NEWNET' | 'CLONE_NEWCGROUP'
  | 'MS_RDONLY' | 'MS_BIND' | 'MS_REC' | 'MS_PRIVATE';
