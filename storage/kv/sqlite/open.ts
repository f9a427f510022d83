import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SkerryError } from '../../../common/index.ts';
import { nativeBindingPath } from './native-binding.ts';
import { APPLICATION_ID, MIGRATIONS, SCHEMA, SCHEMA_VERSION } from './schema.ts';

const SYNCHRONOUS_FULL = 2;

/**
 * Opens (or creates) the store's database file. A file that is not a SQLite database, or
 * belongs to another application, is refused with its name and left untouched.
 */
export function openDatabase(file: string): Database.Database {
  const existed = fs.existsSync(file) && fs.statSync(file).size > 0;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(file, { nativeBinding: nativeBindingPath() });
  } catch (error) {
    throw translateOpenError(error, file);
  }
  try {
    if (existed) assertOurs(db, file);
    configure(db, file);
    if (!existed || userVersion(db) === 0) initialise(db);
    else migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw translateOpenError(error, file);
  }
}

function assertOurs(db: Database.Database, file: string): void {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number };
  if (applicationId === APPLICATION_ID) {
    const version = userVersion(db);
    if (version > SCHEMA_VERSION) {
      throw new SkerryError('STORE_FOREIGN', `${file} has schema version ${version}, newer than this skerry's ${SCHEMA_VERSION}`, { file });
    }
    return;
  }
  if (applicationId !== 0 || tables.n > 0) {
    throw new SkerryError('STORE_FOREIGN', `${file} is a SQLite database that skerry did not create (application_id ${applicationId}, ${tables.n} tables); move it away or choose another data dir`, { file });
  }
}

const AUTO_VACUUM_INCREMENTAL = 2;

function configure(db: Database.Database, file: string): void {
  // Setting auto_vacuum rewrites the header in a write transaction even when unchanged, so an
  // unconditional set would make every open a write and a full disk refuse to open at all.
  // It takes effect only before the first table exists, which is when a new file reads 0.
  if (db.pragma('auto_vacuum', { simple: true }) !== AUTO_VACUUM_INCREMENTAL) db.pragma('auto_vacuum = INCREMENTAL');
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') {
    throw new SkerryError('STORE_DURABILITY', `${file} could not be put in WAL mode (got ${String(mode)})`, { file });
  }
  db.pragma('synchronous = FULL');
  const synchronous = db.pragma('synchronous', { simple: true });
  if (synchronous !== SYNCHRONOUS_FULL) {
    throw new SkerryError('STORE_DURABILITY', `${file} runs with synchronous=${String(synchronous)}, not FULL (2)`, { file });
  }
  db.pragma('journal_size_limit = 4194304');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = OFF');
}

function initialise(db: Database.Database): void {
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

function migrate(db: Database.Database): void {
  for (let version = userVersion(db) + 1; version <= SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] ?? '');
      db.pragma(`user_version = ${version}`);
    })();
  }
}

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** SQLite's own codes say whether the file is corrupt or the disk is at fault. */
export function translateOpenError(error: unknown, file: string): Error {
  if (error instanceof SkerryError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message;
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new SkerryError('STORE_CORRUPT', `${file}: ${message}; the file was left untouched`, { file }, { cause: error });
  }
  if (code === 'SQLITE_FULL') {
    return new SkerryError('STORE_NO_SPACE', `${file}: ${message}`, { file }, { cause: error });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_PERM')) {
    return new SkerryError('STORE_IO', `${file}: ${message}`, { file }, { cause: error });
  }
  return error as Error;
}
