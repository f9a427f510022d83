// The sweeper: labs whose owner process is gone (killed by a timeout, a crash, kill -9) are
// removed whole, processes, namespaces, mounts and directory. It matches only names that
// start with skerry-lab- and never touches a lab whose owner still runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LAB_PREFIX, labIdOf } from './plan.ts';
import { isAlive, readRecords, removeRecord } from './registry.ts';
import { allLabNamespaces, killAll, mounts, removeRemains } from './remains.ts';

/** Removes the labs of dead owners; resolves with their ids. */
export async function sweepLabs(): Promise<string[]> {
  const seen = [...allLabNamespaces(), ...mounts().map((m) => m.source), ...labDirs()].map(labIdOf);
  // Read after listing: a lab writes its record before it makes anything, so whatever was
  // listed above has its record on disk by now unless its lab is truly orphaned.
  const records = readRecords();
  const live = new Set(records.filter((r) => isAlive(r.owner)).map((r) => r.id));
  const dead = new Map<string, string>();
  for (const record of records.filter((r) => !live.has(r.id))) dead.set(record.id, record.dir);
  for (const id of seen) if (id && !live.has(id) && !dead.has(id)) dead.set(id, path.join(os.tmpdir(), `${LAB_PREFIX}${id}`));
  for (const [id, dir] of dead) {
    const record = records.find((r) => r.id === id);
    // Recorded processes outside the namespaces too, if they are still the same processes.
    if (record) await killAll(record.pids.filter(isAlive).map((p) => p.pid));
    await removeRemains(id, dir);
    removeRecord(id);
  }
  return [...dead.keys()];
}

function labDirs(): string[] {
  try {
    return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(LAB_PREFIX));
  } catch {
    return [];
  }
}
