// Permission bits. A node is made with its final permission bits where the umask lets them
// through, so the chmod(2) after it is only needed when the umask took some away or the
// mode has setuid, setgid or sticky bits (which chown(2) clears, and which we keep: a
// layer's setuid binaries are the image's business, and we never execute them).
import fs from 'node:fs';

/**
 * The process umask, read from /proc without changing it: process.umask() with no argument
 * sets it to 0 for a moment, racing file creations on the thread pool. Unknown: 0o777, so
 * every node gets an explicit chmod.
 */
export function currentUmask(): number {
  try {
    const match = /^Umask:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match) return parseInt(match[1]!, 8);
  } catch {
    // not Linux, or no /proc
  }
  return 0o777;
}

/** Whether a node made with `mode & 0o777` under `umask` still needs chmod to `mode`. */
export function needsChmod(mode: number, umask: number): boolean {
  return (mode & ~0o777) !== 0 || (mode & umask) !== 0;
}
