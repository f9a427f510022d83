// Finding and removing what a lab leaves on the host: its namespaces (and every process
// inside them), its tmpfs mounts and its directory. Used by destroy() and by the sweeper,
// both for live labs and for labs whose owner died; only names of the lab's id are touched.
import fs from 'node:fs';
import { LAB_PREFIX } from './plan.ts';
import { processStart } from './registry.ts';
import { run, runSync, tool } from './shell.ts';

export const NETNS_DIR = '/run/netns';

export function labNamespaces(id: string): string[] {
  try {
    return fs.readdirSync(NETNS_DIR).filter((name) => name.startsWith(`${LAB_PREFIX}${id}-`));
  } catch {
    return [];
  }
}

/** Every lab namespace on the host, of any lab. */
export function allLabNamespaces(): string[] {
  try {
    return fs.readdirSync(NETNS_DIR).filter((name) => name.startsWith(LAB_PREFIX));
  } catch {
    return [];
  }
}

export interface Mount {
  source: string;
  point: string;
}

export function mounts(): Mount[] {
  const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const fields = line.split(' ');
      const rest = fields.slice(fields.indexOf('-') + 1);
      return { point: unescape(fields[4] ?? ''), source: unescape(rest[1] ?? '') };
    });
}

/** The lab's mounts: its tmpfs (named by the lab) and anything under its directory, deepest first. */
export function labMounts(id: string, dir: string): string[] {
  return mounts()
    .filter((m) => m.source === `${LAB_PREFIX}${id}` || m.point.startsWith(`${dir}/`))
    .map((m) => m.point)
    .sort((a, b) => b.length - a.length);
}

/** Pids of the processes whose network namespace is one of these namespace files. */
export function processesIn(netnsPaths: string[]): number[] {
  const inodes = new Set<string>();
  for (const file of netnsPaths) {
    try {
      inodes.add(`net:[${fs.statSync(file).ino}]`);
    } catch {
      // already gone
    }
  }
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (inodes.has(fs.readlinkSync(`/proc/${entry}/ns/net`))) pids.push(Number(entry));
    } catch {
      // exited meanwhile, or a kernel thread
    }
  }
  return pids;
}

/** True when the process is gone or only a zombie waiting to be reaped. */
function isGone(pid: number): boolean {
  if (processStart(pid) === undefined) return true;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** SIGKILL by pid and wait (up to timeoutMs) until they are gone. */
export async function killAll(pids: number[], timeoutMs = 5_000): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (pids.some((pid) => !isGone(pid)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

export async function unmount(point: string): Promise<void> {
  await run([tool('umount'), point]).catch(() => run([tool('umount'), '-l', point]));
}

/** Kills every process in the lab's namespaces, deletes them, unmounts and removes its directory. */
export async function removeRemains(id: string, dir: string): Promise<void> {
  const namespaces = labNamespaces(id);
  await killAll(processesIn(namespaces.map((name) => `${NETNS_DIR}/${name}`)));
  await Promise.all(namespaces.map((name) => run([tool('ip'), 'netns', 'del', name]).catch(() => undefined)));
  for (const point of labMounts(id, dir)) await unmount(point).catch(() => undefined);
  if (isLabDir(id, dir)) fs.rmSync(dir, { recursive: true, force: true });
}

/** The same, synchronously, for the moment the test process exits. */
export function removeRemainsSync(id: string, dir: string): void {
  const namespaces = labNamespaces(id);
  for (const pid of processesIn(namespaces.map((name) => `${NETNS_DIR}/${name}`))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const name of namespaces) runSync([tool('ip'), 'netns', 'del', name]);
  for (const point of labMounts(id, dir)) runSync([tool('umount'), '-l', point]);
  if (isLabDir(id, dir)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A recorded directory is removed only if its name is the lab's: a damaged record cannot aim rm at anything else. */
function isLabDir(id: string, dir: string): boolean {
  return dir.split('/').pop() === `${LAB_PREFIX}${id}`;
}
