// Each lab's owner file under /run/skerry-lab/: who made it (pid and start time, so a reused
// pid is not taken for the owner), its directory, and the processes it started. The sweeper
// reads these to remove the labs of test processes that died without cleaning up.
import fs from 'node:fs';
import path from 'node:path';

export const REGISTRY_DIR = '/run/skerry-lab';

/** A process as the kernel knows it: the pid and its start time in clock ticks since boot. */
export interface ProcessId {
  pid: number;
  start: string;
}

export interface LabRecord {
  id: string;
  owner: ProcessId;
  dir: string;
  pids: ProcessId[];
}

/** The start time of a live process, or undefined when there is no such process. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name before it is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function processId(pid: number): ProcessId | undefined {
  const start = processStart(pid);
  return start === undefined ? undefined : { pid, start };
}

export function isAlive(process: ProcessId): boolean {
  return processStart(process.pid) === process.start;
}

const recordFile = (id: string) => path.join(REGISTRY_DIR, `${id}.json`);

/** Written whole to a temporary file and renamed, so a reader never sees half a record. */
export function writeRecord(record: LabRecord): void {
  fs.mkdirSync(REGISTRY_DIR, { recursive: true, mode: 0o755 });
  const temporary = path.join(REGISTRY_DIR, `.${record.id}.${process.pid}.tmp`);
  fs.writeFileSync(temporary, JSON.stringify(record));
  fs.renameSync(temporary, recordFile(record.id));
}

export function readRecords(): LabRecord[] {
  let names: string[];
  try {
    names = fs.readdirSync(REGISTRY_DIR);
  } catch {
    return [];
  }
  const records: LabRecord[] = [];
  for (const name of names.filter((n) => /^[0-9a-f]+\.json$/.test(n))) {
    try {
      records.push(JSON.parse(fs.readFileSync(path.join(REGISTRY_DIR, name), 'utf8')) as LabRecord);
    } catch {
      // removed by its owner or another sweeper since the listing
    }
  }
  return records;
}

export function removeRecord(id: string): void {
  fs.rmSync(recordFile(id), { force: true });
}
