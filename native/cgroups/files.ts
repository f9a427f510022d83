import fs from 'node:fs';
import path from 'node:path';
import { SkerryError } from '../../common/index.ts';

/**
 * A cgroup file operation the kernel refused. Shaped like the addon's SystemCallError
 * (`errno`, `code`, `syscall`) so callers treat both alike; the message names the file,
 * the value written and, when one caused it, the spec field.
 */
export class CgroupError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;
  readonly path: string;
  readonly field: string | undefined;

  constructor(syscall: string, file: string, cause: NodeJS.ErrnoException, what = '', field?: string) {
    const code = cause.code ?? 'EIO';
    const text = errnoText(cause);
    const from = field ? ` (from ${field})` : '';
    super(`${syscall} ${file}${what}: ${code} (${text})${from}`, { cause });
    this.name = 'CgroupError';
    this.errno = Math.abs(cause.errno ?? 0);
    this.code = code;
    this.syscall = syscall;
    this.path = file;
    this.field = field;
  }
}

function errnoText(cause: NodeJS.ErrnoException): string {
  // Node's message is "EINVAL: invalid argument, write"; keep only the human part.
  const match = /^[A-Z0-9]+: ([^,]+)/.exec(cause.message);
  return match?.[1] ?? cause.message;
}

export function invalid(field: string, detail: string): SkerryError {
  return new SkerryError('CONFIG_INVALID', `${field} ${detail}`, { field });
}

export function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

/**
 * Writes one control file. The file must already exist: the kernel makes control files,
 * so a missing one means the controller or feature is absent, which is a configuration
 * problem (named with the field) rather than an I/O failure.
 */
export function writeControl(file: string, value: string, field?: string): void {
  if (!fs.existsSync(file)) {
    const name = field ?? path.basename(file);
    throw invalid(name, `is not supported on this host: ${file} does not exist (controller or kernel feature missing)`);
  }
  try {
    // One write(2) call: cgroup files parse each write as a whole.
    fs.writeFileSync(file, value, { flag: 'r+' });
  } catch (error) {
    throw new CgroupError('write', file, error as NodeJS.ErrnoException, ` "${value}"`, field);
  }
}

/** Reads a control file trimmed, or undefined when it does not exist. */
export function readControl(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw new CgroupError('read', file, error as NodeJS.ErrnoException);
  }
}

/** A numeric control file; "max" (or a v1 "unlimited" near 2^63) becomes null. */
export function readLimit(file: string): number | null | undefined {
  const text = readControl(file);
  if (text === undefined) return undefined;
  if (text === 'max') return null;
  const value = Number(text);
  return value >= 2 ** 62 ? null : value;
}

export function readNumber(file: string): number | undefined {
  const text = readControl(file);
  return text === undefined || text === '' ? undefined : Number(text);
}

/** Parses "key value" lines (cpu.stat, memory.events, memory.oom_control). */
export function readKeyed(file: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of (readControl(file) ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) result.set(key, Number(value));
  }
  return result;
}

export function readPids(procsFile: string): number[] {
  const text = readControl(procsFile) ?? '';
  return text.split('\n').filter(Boolean).map(Number);
}

/** mkdir that reports the kernel's refusal with the path. */
export function makeDir(dir: string, keepExisting: boolean): boolean {
  try {
    fs.mkdirSync(dir);
    return true;
  } catch (error) {
    if (keepExisting && isErrno(error, 'EEXIST')) return false;
    throw new CgroupError('mkdir', dir, error as NodeJS.ErrnoException);
  }
}

/** Cgroup directories below `dir`, deepest first, then `dir` itself. */
export function subtreeDeepestFirst(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw new CgroupError('readdir', dir, error as NodeJS.ErrnoException);
  }
  const below = entries.filter((e) => e.isDirectory()).flatMap((e) => subtreeDeepestFirst(path.join(dir, e.name)));
  return [...below, dir];
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
