// Durable volume records: one JSON file per volume under <root>/records, written through a
// synced temp file and a rename, kept apart from the images so that data removed or damaged
// behind the store's back is seen as Missing or Damaged and never silently made anew.
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, makeDurableDir, writeFileDurably } from '../content/index.ts';
import { VolumeError } from './errors.ts';
import { fileStem } from './names.ts';

export interface VolumeRecord {
  /** Bumped when the record's shape changes incompatibly. */
  version: 1;
  name: string;
  /** The capacity asked for (the filesystem's usable size is at least this). */
  capacityBytes: number;
  /** The filesystem's usable size as statfs measured it when last sized (for usage while unmounted). */
  filesystemBytes: number;
  createdAt: string;
  /**
   * How the volume is made, for its whole life: a loop-mounted image, or a directory with a
   * project quota. Records written before project quotas existed have none: loop.
   */
  backend?: VolumeBackend;
  /** The quota backend's project ID (the directory's and the quota's). */
  projectId?: number;
}

export type VolumeBackend = 'loop' | 'quota';

/** The backend a record says, loop for records older than the field. */
export function backendOf(record: VolumeRecord): VolumeBackend {
  return record.backend ?? 'loop';
}

export class RecordBook {
  constructor(readonly dir: string) {
    makeDurableDir(dir);
  }

  file(name: string): string {
    return path.join(this.dir, `${fileStem(name)}.json`);
  }

  /** The volume's record, or undefined when there is none; a torn or foreign file is VOLUME_RECORD_INVALID. */
  read(name: string): VolumeRecord | undefined {
    let record: VolumeRecord | undefined;
    try {
      record = this.readFile(this.file(name));
    } catch (error) {
      throw new VolumeError('VOLUME_RECORD_INVALID', name, (error as Error).message.replace(/^[^:]*: /, ''), { cause: error });
    }
    if (record && record.name !== name) {
      throw new VolumeError('VOLUME_RECORD_INVALID', name, `${this.file(name)} names volume ${JSON.stringify(record.name)}`);
    }
    return record;
  }

  write(record: VolumeRecord): void {
    writeFileDurably(this.file(record.name), `${JSON.stringify(record, null, 2)}\n`);
  }

  /** Deletes the record (gone already is fine) and syncs the directory. */
  delete(name: string): void {
    fs.rmSync(this.file(name), { force: true });
    fsyncDir(this.dir);
  }

  /** Every readable record, by name; unreadable ones are left out (read() names them). */
  list(): VolumeRecord[] {
    const records: VolumeRecord[] = [];
    for (const entry of fs.readdirSync(this.dir).filter((f) => f.endsWith('.json')).sort()) {
      try {
        const record = this.readFile(path.join(this.dir, entry));
        if (record) records.push(record);
      } catch {
        // a damaged record is reported by read() for its own volume
      }
    }
    return records.sort((a, b) => a.name.localeCompare(b.name));
  }

  private readFile(file: string): VolumeRecord | undefined {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new VolumeError('VOLUME_RECORD_INVALID', undefined, `reading ${file}: ${(error as Error).message}`, { cause: error });
    }
    return parseRecord(file, text);
  }
}

function parseRecord(file: string, text: string): VolumeRecord {
  let value: Partial<VolumeRecord>;
  try {
    value = JSON.parse(text) as Partial<VolumeRecord>;
  } catch (error) {
    throw new VolumeError('VOLUME_RECORD_INVALID', undefined, `${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const valid = value?.version === 1 && typeof value.name === 'string' && Number.isSafeInteger(value.capacityBytes) && Number.isSafeInteger(value.filesystemBytes) && typeof value.createdAt === 'string' &&
    (value.backend === undefined || value.backend === 'loop' || (value.backend === 'quota' && Number.isSafeInteger(value.projectId) && value.projectId! > 0 && value.projectId! <= 0xffffffff));
  if (!valid) throw new VolumeError('VOLUME_RECORD_INVALID', value?.name, `${file} is not a version 1 volume record`);
  return value as VolumeRecord;
}
