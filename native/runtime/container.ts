import fs from 'node:fs';
import path from 'node:path';
import { componentLogger, SkerryError } from '../../common/index.ts';
import { currentCgroupLayout, findContainerCgroup, planContainerCgroup, type CgroupStats, type ContainerCgroup, type PlannedCgroup } from '../cgroups/index.ts';
import { execInContainer, type ExecOptions, type ExecProcess, type ExecutedProcess } from './exec.ts';
import { securityOf } from './security-of.ts';
import { startHeldContainer, type ExitReport, type LaunchedShim } from './spawn.ts';
import { readSharedSpec } from './spec.ts';
import {
  DEFAULT_RUNTIME_ROOT, isRunning, listIds, processStartTime, readExit, readRecord, stateDirOf, writeRecord,
  type ContainerRecord, type ExitRecord,
} from './state.ts';

const log = componentLogger('runtime');

export interface RunOptions {
  id: string;
  bundle: string;
  /** Where state dirs live (default /run/skerry/runtime). */
  root?: string;
  /** The CRI log file; absent: the container shares this process's stdin, stdout and stderr. */
  logPath?: string;
  annotations?: Record<string, string>;
}

export interface ContainerExit {
  /** The exit code (128 + signal when killed), or null when nobody saw the exit. */
  exitCode: number | null;
  signal: number | null;
  oomKilled: boolean;
  exitedAt?: string;
}

/** The agent's handle on one container: from runContainer, or re-adopted with openContainer. */
export interface Container {
  readonly record: ContainerRecord;
  readonly stateDir: string;
  running(): boolean;
  wait(): Promise<ContainerExit>;
  kill(signal?: NodeJS.Signals | number): void;
  stats(): CgroupStats;
  /**
   * Runs a process inside the running container: in all its namespaces and cgroups, with the
   * spec's capabilities, no_new_privs, seccomp filter and rlimits; args/env/cwd/user default
   * to the spec's. Resolves once it has exec'd; `exited` gives its exit code (128+signal when
   * killed). Its exit is not the container's: nothing is written to the state dir. Rejects
   * with CONTAINER_STATE when the container is not running, or with the failing step
   * ("exec nosuch: ENOENT (No such file or directory)").
   */
  exec(process: ExecProcess, options?: ExecOptions): Promise<ExecutedProcess>;
  delete(options?: { force?: boolean }): Promise<void>;
}

/** Creates and starts a container; on any failure, everything made so far is removed. */
export async function runContainer(options: RunOptions): Promise<Container> {
  const root = options.root ?? DEFAULT_RUNTIME_ROOT;
  const stateDir = stateDirOf(root, options.id);
  const bundle = path.resolve(options.bundle);
  const spec = readSharedSpec(bundle);
  const security = securityOf(spec);
  refuseTakenId(root, stateDir, options.id);
  const made: Made = {};
  try {
    // One look at the mount table serves both the cgroups and the plan's cgroup mount.
    const cgroupLayout = currentCgroupLayout();
    const planned = planContainerCgroup(options.id, spec.linux?.resources as never, { layout: cgroupLayout });
    const recorder = stateRecorder(stateDir, bundle, options);
    const launched = startHeldContainer({
      bundle, spec, stateDir, logPath: options.logPath, cgroupProcs: planned.procsFiles, cgroupLayout, ...security, onCloned: recorder.write,
    });
    await makeMeanwhile(launched, made, () => makeStateDir(root, stateDir, options.id), planned);
    const started = await launched.started;
    const record = recorder.final(started.pid, started.shimPid);
    log.debug({ id: options.id, pid: started.pid }, 'container started');
    return handle(record, stateDir, made.cgroup, { reported: launched.reported, finished: started.exited.catch(() => undefined) });
  } catch (error) {
    await made.cgroup?.destroy().catch((e: unknown) => log.warn({ err: e, id: options.id }, 'could not remove the cgroup of a failed start'));
    if (made.stateDir) removeStateDir(stateDir);
    throw error;
  }
}

/** What a start has made so far, for the cleanup of a failed one. */
interface Made {
  stateDir?: boolean;
  cgroup?: ContainerCgroup;
}

/**
 * The state dir and the cgroups are made while the shim starts and clones the init, which
 * waits for them: on two cores a new directory on a busy disk and the mkdirs in eight
 * hierarchies no longer add to the start. The state dir comes first: it is what says that
 * the id is taken, before anything of another container's could be touched.
 */
async function makeMeanwhile(launched: LaunchedShim, made: Made, makeState: () => void, planned: PlannedCgroup): Promise<void> {
  try {
    makeState();
    made.stateDir = true;
    made.cgroup = planned.create();
  } catch (error) {
    await launched.abort();
    throw error;
  }
  launched.release();
}

/**
 * Writes state.json as soon as the init's pid is known: the shim reports it right after the
 * clone, and the write then happens while the init mounts, not after it exec'd (by when a
 * short-lived container has often exited already). final() writes it if that did not happen.
 */
function stateRecorder(stateDir: string, bundle: string, options: RunOptions) {
  let written: ContainerRecord | undefined;
  const write = (pid: number, shimPid: number): ContainerRecord => {
    const record: ContainerRecord = {
      id: options.id, bundle, pid, pidStartTime: processStartTime(pid) ?? 0, shimPid,
      created: new Date().toISOString(), logPath: options.logPath, annotations: options.annotations ?? {},
    };
    writeRecord(stateDir, record);
    return (written = record);
  };
  const final = (pid: number, shimPid: number) => (written?.pid === pid ? written : write(pid, shimPid));
  return { write, final };
}

/** Refuses an id whose state dir exists before anything is started (makeStateDir has the last word). */
function refuseTakenId(root: string, stateDir: string, id: string): void {
  if (fs.existsSync(stateDir)) throw new SkerryError('CONTAINER_EXISTS', `${id} in ${root}`, { id });
}

/** The container's state dir, and the root above it the first time; an existing one means the id is taken. */
function makeStateDir(root: string, stateDir: string, id: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.mkdirSync(stateDir, { mode: 0o700 });
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new SkerryError('CONTAINER_EXISTS', `${id} in ${root}`, { id });
      if (code !== 'ENOENT' || attempt > 0) throw error;
      fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    }
  }
}

// A state dir holds state.json and, once the container ended, exit. Removing those two by
// name skips the readdir and the lstat per entry of a recursive removal; anything else in
// it (a crash's leftover .tmp) makes the rmdir fail and falls back to the recursive one.
function removeStateDir(stateDir: string): void {
  try {
    for (const name of ['exit', 'state.json']) {
      try {
        fs.unlinkSync(path.join(stateDir, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    fs.rmdirSync(stateDir);
  } catch {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Finds a container a previous process started: the state dir says where, /proc says whether it still runs. */
export function openContainer(id: string, root = DEFAULT_RUNTIME_ROOT): Container | undefined {
  const stateDir = stateDirOf(root, id);
  const record = readRecord(stateDir);
  if (!record) return undefined;
  return handle(record, stateDir, findContainerCgroup(id), undefined);
}

export function listContainers(root = DEFAULT_RUNTIME_ROOT): Container[] {
  return listIds(root).flatMap((id) => openContainer(id, root) ?? []);
}

/** What this process knows of a container it started itself, from the shim's sync socket. */
interface OwnShim {
  /** The exit as the shim reported it; undefined when it ended without a report. */
  reported: Promise<ExitReport | undefined>;
  /** Once the shim has written the exit record and is gone: the state dir is ours again. */
  finished: Promise<unknown>;
}

function handle(record: ContainerRecord, stateDir: string, cgroup: ContainerCgroup | undefined, own: OwnShim | undefined): Container {
  // Once the shim reported the exit, the init is reaped: no file or /proc look needed.
  let ended = false;
  void own?.reported.then((report) => (ended = report !== undefined));
  const running = () => !ended && readExit(stateDir) === undefined && isRunning(record);
  const wait = async (): Promise<ContainerExit> => {
    const report = await (own ? own.reported : exitFileOrGone(stateDir, record));
    return exitOf(report ?? readExit(stateDir), cgroup);
  };
  return {
    record,
    stateDir,
    running,
    wait,
    kill(signal = 'SIGTERM') {
      if (!running() || !signalInit(record.pid, signal)) throw new SkerryError('CONTAINER_STATE', `${record.id} is not running`, { id: record.id });
    },
    async exec(proc, options) {
      if (!running()) throw new SkerryError('CONTAINER_STATE', `${record.id} is not running; exec needs a running container`, { id: record.id });
      if (!cgroup) log.warn({ id: record.id }, 'the container has no cgroup; the exec process stays in the shim\'s');
      return execInContainer(record, cgroup?.procsFiles ?? [], proc, options);
    },
    stats() {
      if (!cgroup) throw new SkerryError('CONTAINER_STATE', `${record.id} has no cgroup to read`, { id: record.id });
      return cgroup.stats();
    },
    async delete(options = {}) {
      if (running()) {
        if (!options.force) throw new SkerryError('CONTAINER_STATE', `${record.id} is running; stop it first or delete with --force`, { id: record.id });
        signalInit(record.pid, 'SIGKILL');
        await wait();
      }
      await cgroup?.destroy();
      await own?.finished;
      removeStateDir(stateDir);
    },
  };
}

/**
 * Signals the container's init; false when it is already gone. It can exit between the check
 * that it runs and the signal: with 50 containers deleted at once that happened (ESRCH).
 */
function signalInit(pid: number, signal: NodeJS.Signals | number): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

function exitOf(exit: Omit<ExitRecord, 'pid'> | undefined, cgroup: ContainerCgroup | undefined): ContainerExit {
  const oomKilled = cgroup?.oomKilled() ?? false;
  if (!exit) return { exitCode: null, signal: null, oomKilled };
  return { exitCode: exit.exitCode, signal: exit.signal, oomKilled, exitedAt: exit.exitedAt };
}

/**
 * Resolves when the shim has written the exit record, or when neither the init nor the shim
 * lives any more (a shim killed with -9 writes nothing). inotify wakes us; a slow poll covers
 * the case where the init dies while we look away.
 */
function exitFileOrGone(stateDir: string, record: ContainerRecord): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      watcher.close();
      clearInterval(timer);
      resolve();
    };
    const check = () => {
      if (readExit(stateDir) || (!isRunning(record) && processStartTime(record.shimPid) === undefined)) done();
    };
    const watcher = fs.watch(stateDir, check);
    const timer = setInterval(check, 200);
    check();
  });
}
