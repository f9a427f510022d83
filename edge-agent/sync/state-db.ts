// The agent's durable state: its view of the cluster and its outbox, in one SQLite file so
// a batch and the bookkeeping around it commit together. WAL with synchronous=FULL, as the
// server's store: an acknowledged revision must survive power loss.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SkerryError } from '../../common/index.ts';
import { nativeBindingPath } from '../../storage/kv/index.ts';

export type StateDb = Database.Database;

export function openStateDb(dataDir: string): StateDb {
  const dir = path.join(dataDir, 'state');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'agent.db');
  let db: StateDb;
  try {
    db = new Database(file, { nativeBinding: nativeBindingPath() });
  } catch (error) {
    throw new SkerryError('DATA_DIR_UNUSABLE', `${file}: ${(error as Error).message}`, { file }, { cause: error });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const synchronous = db.pragma('synchronous', { simple: true });
  if (synchronous !== 2) throw new SkerryError('DATA_DIR_UNUSABLE', `${file}: synchronous is ${String(synchronous)}, not FULL`, { file });
  return db;
}
