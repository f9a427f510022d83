// The build file is a Dockerfile, since that is what users already write: lines joined at
// a trailing escape character, comments and blank lines dropped, one instruction per
// logical line with the number of its first line, so every error can say file:line.
import { SkerryError } from '../../../common/index.ts';

export interface Instruction {
  /** Upper-case keyword: FROM, COPY, ENV, … */
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
}

export interface BuildFile {
  file: string;
  /** The escape character: \ unless a `# escape=`` directive changes it. */
  escape: string;
  instructions: Instruction[];
}

/** "file:line: detail", the way compilers point at a line. */
export function buildError(file: string, line: number, detail: string, details: Record<string, unknown> = {}): SkerryError {
  return new SkerryError('BUILD_INVALID', `${file}:${line}: ${detail}`, { file, line, ...details });
}

/** Parser directives: `# name=value` lines at the very top. Only escape changes anything here. */
function readDirectives(lines: string[], file: string): { escape: string; first: number } {
  let escape = '\\';
  let first = 0;
  for (; first < lines.length; first++) {
    const match = /^\s*#\s*([a-zA-Z]+)\s*=\s*(.*?)\s*$/.exec(lines[first]!);
    if (!match) break;
    if (match[1]!.toLowerCase() !== 'escape') continue;
    if (match[2] !== '\\' && match[2] !== '`') throw buildError(file, first + 1, `escape directive must be \\ or \` (got ${JSON.stringify(match[2])})`);
    escape = match[2];
  }
  return { escape, first };
}

export function parseBuildFile(text: string, file: string): BuildFile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { escape, first } = readDirectives(lines, file);
  const instructions: Instruction[] = [];
  let pending: { line: number; text: string } | undefined;
  for (let i = first; i < lines.length; i++) {
    const raw = lines[i]!;
    // Comment lines are dropped, also in the middle of a continued instruction.
    if (/^\s*#/.test(raw) || (pending && raw.trim() === '')) continue;
    const trimmed = raw.replace(/\s+$/, '');
    const continued = trimmed.endsWith(escape);
    const part = continued ? trimmed.slice(0, -1) : trimmed;
    pending = pending ? { line: pending.line, text: `${pending.text}${part}` } : { line: i + 1, text: part };
    if (continued) continue;
    const instruction = toInstruction(pending, file);
    if (instruction) instructions.push(instruction);
    pending = undefined;
  }
  if (pending) {
    const instruction = toInstruction(pending, file);
    if (instruction) instructions.push(instruction);
  }
  return { file, escape, instructions };
}

function toInstruction(pending: { line: number; text: string }, file: string): Instruction | undefined {
  const text = pending.text.trim();
  if (!text) return undefined;
  const match = /^(\S+)\s*(.*)$/s.exec(text)!;
  const keyword = match[1]!.toUpperCase();
  if (!/^[A-Z]+$/.test(keyword)) throw buildError(file, pending.line, `${JSON.stringify(match[1])} is not an instruction`);
  return { keyword, args: match[2]!.trim(), line: pending.line };
}

/**
 * The JSON ("exec") form of CMD, ENTRYPOINT and COPY: a JSON array of strings. Anything else
 * — including text that only looks like JSON — is the shell form, as Docker reads it.
 */
export function jsonForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(args);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}
