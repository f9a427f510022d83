import fs from 'node:fs';
import path from 'node:path';
import { componentLogger, SkerryError } from '../../common/index.ts';
import { createContainerCgroup, findContainerCgroup, type CgroupStats, type ContainerCgroup } from '../cgroups/index.ts';
import { execInContainer, type ExecOptions, type ExecProcess, type ExecutedProcess } from './exec.ts';
import { securityOf } from './security-of.ts';
import { startContainer } from './spawn.ts';
import { readSpec } from './spec.ts';
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
  const spec = readSpec(bundle);
  const security = securityOf(spec);
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  try {
    fs.mkdirSync(stateDir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new SkerryError('CONTAINER_EXISTS', `${options.id} in ${root}`, { id: options.id });
    throw error;
  }
  let cgroup: ContainerCgroup | undefined;
  try {
    cgroup = createContainerCgroup(options.id, spec.linux?.resources as never);
    const started = await startContainer({
      bundle, spec, stateDir, logPath: options.logPath, cgroupProcs: cgroup.procsFiles, ...security,
    });
    const record: ContainerRecord = {
      id: options.id, bundle, pid: started.pid, pidStartTime: processStartTime(started.pid) ?? 0, shimPid: started.shimPid,
      created: new Date().toISOString(), logPath: options.logPath, annotations: options.annotations ?? {},
    };
    writeRecord(stateDir, record);
    log.debug({ id: options.id, pid: started.pid }, 'container started');
    return handle(record, stateDir, cgroup, started.exited.then(() => undefined, () => undefined));
  } catch (error) {
    await cgroup?.destroy().catch((e: unknown) => log.warn({ err: e, id: options.id }, 'could not remove the cgroup of a failed start'));
    fs.rmSync(stateDir, { recursive: true, force: true });
    throw error;
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

function handle(record: ContainerRecord, stateDir: string, cgroup: ContainerCgroup | undefined, reaped: Promise<void> | undefined): Container {
  const running = () => readExit(stateDir) === undefined && isRunning(record);
  const wait = async (): Promise<ContainerExit> => {
    await (reaped ?? exitFileOrGone(stateDir, record));
    return exitOf(readExit(stateDir), cgroup);
  };
  return {
    record,
    stateDir,
    running,
    wait,
    kill(signal = 'SIGTERM') {
      if (!running()) throw new SkerryError('CONTAINER_STATE', `${record.id} is not running`, { id: record.id });
      process.kill(record.pid, signal);
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
        process.kill(record.pid, 'SIGKILL');
        await wait();
      }
      await cgroup?.destroy();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

function exitOf(exit: ExitRecord | undefined, cgroup: ContainerCgroup | undefined): ContainerExit {
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
