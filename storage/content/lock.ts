// One writer per blob across processes: an O_EXCL lock file holding the owner's pid and
// its start time. A lock whose owner is gone (crash, kill -9) is stale and is taken over;
// the start time keeps a reused pid from looking like the owner.
import fs from 'node:fs';

export interface LockOwner {
  pid: number;
  start: string;
}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const self: LockOwner = { pid: process.pid, start: startTimeOf(process.pid) ?? '' };

function ownerAlive(file: string): boolean {
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    return startTimeOf(owner.pid) === owner.start;
  } catch (error) {
    // Unreadable or half-written: a live owner writes it right after creating it.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    return age < 5_000;
  }
}

/** Takes the lock at `file`, or returns false when a live process holds it. */
export function tryLock(file: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
      fs.writeSync(fd, JSON.stringify(self));
      fs.closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (ownerAlive(file)) return false;
      fs.rmSync(file, { force: true });
    }
  }
  return false;
}

export function unlock(file: string): void {
  fs.rmSync(file, { force: true });
}
