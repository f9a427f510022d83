// Runs the host's storage tools (util-linux, e2fsprogs) by absolute path: npx puts
// node_modules/.bin first on PATH, and a volume must never be formatted by a stray binary.
// Output is read in the C locale so that messages like "No space left on device" are stable.
import { execFile } from 'node:child_process';
import fs from 'node:fs';

export type Tool = 'losetup' | 'mount' | 'umount' | 'fallocate' | 'mkfs.ext4' | 'resize2fs' | 'e2fsck' | 'dumpe2fs';

const SBIN_FIRST = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];
const BIN_FIRST = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];

const TOOLS: Record<Tool, { dirs: string[]; debianPackage: string }> = {
  losetup: { dirs: SBIN_FIRST, debianPackage: 'mount' },
  mount: { dirs: BIN_FIRST, debianPackage: 'mount' },
  umount: { dirs: BIN_FIRST, debianPackage: 'mount' },
  fallocate: { dirs: BIN_FIRST, debianPackage: 'util-linux' },
  'mkfs.ext4': { dirs: SBIN_FIRST, debianPackage: 'e2fsprogs' },
  resize2fs: { dirs: SBIN_FIRST, debianPackage: 'e2fsprogs' },
  e2fsck: { dirs: SBIN_FIRST, debianPackage: 'e2fsprogs' },
  dumpe2fs: { dirs: SBIN_FIRST, debianPackage: 'e2fsprogs' },
};

const found = new Map<Tool, string>();

/** The tool's absolute path; a missing tool is named with the Debian package that has it. */
export function toolPath(tool: Tool): string {
  const known = found.get(tool);
  if (known) return known;
  const path = TOOLS[tool].dirs.map((dir) => `${dir}/${tool}`).find((candidate) => fs.existsSync(candidate));
  if (!path) throw new Error(`${tool} not found in ${TOOLS[tool].dirs.join(', ')} (Debian package ${TOOLS[tool].debianPackage})`);
  found.set(tool, path);
  return path;
}

export interface ToolResult {
  /** The exit status; 128 when a signal ended the tool. */
  code: number;
  stdout: string;
  stderr: string;
}

/** A tool that exited with a failure status; the message is its command line and stderr. */
export class ToolError extends Error {
  constructor(readonly tool: Tool, readonly args: string[], readonly result: ToolResult) {
    const said = (result.stderr.trim() || result.stdout.trim()).replace(/\s*\n\s*/g, '; ');
    super(`${tool} ${args.join(' ')} exited with status ${result.code}${said ? `: ${said}` : ''}`);
    this.name = 'ToolError';
  }
}

/** Runs `tool args`; resolves with the exit status whatever it is. Rejects only when it cannot start. */
export function runTool(tool: Tool, args: string[], timeoutMs = 120_000): Promise<ToolResult> {
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  return new Promise((resolve, reject) => {
    execFile(toolPath(tool), args, { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 << 20 }, (error, stdout, stderr) => {
      const status = (error as { code?: unknown } | null)?.code;
      if (error && typeof status !== 'number' && !error.signal) return reject(error);
      resolve({ code: error ? (typeof status === 'number' ? status : 128) : 0, stdout, stderr });
    });
  });
}

/** Runs `tool args` and throws a ToolError unless it exits 0; resolves with stdout. */
export async function mustRun(tool: Tool, args: string[]): Promise<string> {
  const result = await runTool(tool, args);
  if (result.code !== 0) throw new ToolError(tool, args, result);
  return result.stdout;
}
