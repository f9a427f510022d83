import fs from 'node:fs';
import path from 'node:path';
import { SkerryError } from '../../common/index.ts';

export const DEFAULT_RUNTIME_ROOT = '/run/skerry/runtime';

/** What a container's state dir records, so any later process can find and judge it. */
export interface ContainerRecord {
  id: string;
  bundle: string;
  pid: number;
  /** The pid's start time (clock ticks since boot, /proc/<pid>/stat field 22): a reused pid differs. */
  pidStartTime: number;
  shimPid: number;
  created: string;
  logPath?: string;
  annotations: Record<string, string>;
}

/** The shim's exit record, written by rename when the init has been reaped. */
export interface ExitRecord {
  pid: number;
  exitCode: number;
  signal: number | null;
  exitedAt: string;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function assertContainerId(id: string): void {
  if (!ID.test(id)) {
    throw new SkerryError('USAGE', `container id ${JSON.stringify(id)} must be 1-128 letters, digits, '_', '.' or '-', starting with a letter or digit`, { field: 'id' });
  }
}

export function stateDirOf(root: string, id: string): string {
  assertContainerId(id);
  return path.join(root, id);
}

export function writeRecord(dir: string, record: ContainerRecord): void {
  const temp = path.join(dir, 'state.json.tmp');
  fs.writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, path.join(dir, 'state.json'));
}

export function readRecord(dir: string): ContainerRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as ContainerRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SkerryError('STORE_CORRUPT', `${path.join(dir, 'state.json')}: ${(error as Error).message}`);
  }
}

export function readExit(dir: string): ExitRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'exit'), 'utf8')) as ExitRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Field 22 of /proc/<pid>/stat, or undefined when the pid is gone. */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') return undefined;
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

/** Whether the record's init is still the same live process. */
export function isRunning(record: ContainerRecord): boolean {
  return processStartTime(record.pid) === record.pidStartTime;
}

export function listIds(root: string): string[] {
  try {
    return fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && ID.test(d.name)).map((d) => d.name).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
