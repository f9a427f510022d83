// Whose files these are. Owners from the tar are applied only when we run as root: nobody
// else may give a file away, and GNU tar draws the same line (--same-owner is root's
// default). A node we just made already belongs to our ids, so a chown to them is skipped:
// one system call fewer per entry, and chown(2) would clear a setuid bit for nothing.
const ourUid = process.geteuid?.() ?? -1;
const ourGid = process.getegid?.() ?? -1;

export const APPLIES_OWNERS = ourUid === 0;

/** Whether a node we made must be chowned to (uid, gid). */
export function needsChown(uid: number, gid: number): boolean {
  return APPLIES_OWNERS && (uid !== ourUid || gid !== ourGid);
}
