// Runs the host's network tools (iproute2, nft, conntrack) in the current network namespace
// or, through nsenter, in the one a namespace file names. Only --net is entered: the tools
// need nothing else of the target. Tools are looked up by absolute path in the system
// directories only: npx puts node_modules/.bin first on PATH, where @vercel/nft installs an
// unrelated `nft`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export type Tool = 'ip' | 'bridge' | 'nft' | 'conntrack' | 'nsenter' | 'sh';

const SBIN_FIRST = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

const TOOLS: Record<Tool, { dirs: string[]; debianPackage: string }> = {
  ip: { dirs: SBIN_FIRST, debianPackage: 'iproute2' },
  bridge: { dirs: SBIN_FIRST, debianPackage: 'iproute2' },
  nft: { dirs: SBIN_FIRST, debianPackage: 'nftables' },
  conntrack: { dirs: SBIN_FIRST, debianPackage: 'conntrack' },
  nsenter: { dirs: ['/usr/bin', '/bin', '/usr/sbin', '/sbin'], debianPackage: 'util-linux' },
  sh: { dirs: ['/bin', '/usr/bin'], debianPackage: 'dash' },
};

const found = new Map<Tool, string>();

/** The tool's absolute path, or undefined when it is not installed. */
export function findTool(tool: Tool): string | undefined {
  const known = found.get(tool);
  if (known) return known;
  const path = TOOLS[tool].dirs.map((dir) => `${dir}/${tool}`).find((candidate) => fs.existsSync(candidate));
  if (path) found.set(tool, path);
  return path;
}

/** The tool's absolute path; a missing tool is named with the Debian package that has it. */
export function toolPath(tool: Tool): string {
  const path = findTool(tool);
  if (!path) throw new Error(`${tool} not found in ${TOOLS[tool].dirs.join(', ')} (Debian package ${TOOLS[tool].debianPackage})`);
  return path;
}

/** How errors name a namespace argument. */
export function namespaceName(netns: string | undefined): string {
  return netns ?? 'the current network namespace';
}

export interface ToolResult {
  /** The exit status; 128 when a signal ended the tool. */
  code: number;
  /** The signal that ended the tool (SIGKILL after a timeout), or null. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /**
   * Feed stdin through a real pipe: Node gives a child a socket as stdin, which a tool that
   * opens /dev/stdin (conntrack -R -) cannot open.
   */
  pipe?: boolean;
  /** Kill the tool (SIGKILL) when it runs longer; default: no limit. */
  timeoutMs?: number;
}

function commandLine(netns: string | undefined, tool: Tool, args: string[], pipe: boolean): string[] {
  const command = pipe ? [toolPath('sh'), '-c', 'cat | "$0" "$@"', toolPath(tool), ...args] : [toolPath(tool), ...args];
  return netns ? [toolPath('nsenter'), `--net=${netns}`, '--', ...command] : command;
}

/**
 * Runs `tool args` in `netns` with `input` on stdin; resolves with the exit status whatever it
 * is. Rejects only when the tool is missing or cannot be started.
 */
export async function runTool(netns: string | undefined, tool: Tool, args: string[], input = '', options: RunOptions = {}): Promise<ToolResult> {
  const argv = commandLine(netns, tool, args, options.pipe ?? false);
  return new Promise((resolve, reject) => {
    const timeout = options.timeoutMs ? { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const } : {};
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], ...timeout });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => undefined); // a tool that exits early says so through its status
    child.once('error', (error) => reject(new Error(`${tool} in ${namespaceName(netns)}: ${error.message}`, { cause: error })));
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), signal, stdout, stderr }));
    child.stdin.end(input);
  });
}
