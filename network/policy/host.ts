// Runs nft, conntrack and ip in the current network namespace or, through nsenter, in the one
// a namespace file names. Tools are looked up in the system directories only: npm puts
// packages' own commands on PATH (@vercel/nft installs an `nft`).
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export type Tool = 'nft' | 'conntrack' | 'ip' | 'nsenter';

const DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];
const PACKAGES: Record<Tool, string> = { nft: 'nftables', conntrack: 'conntrack', ip: 'iproute2', nsenter: 'util-linux' };

/** The tool's absolute path, or undefined when it is not installed. */
export function findTool(tool: Tool): string | undefined {
  return DIRS.map((dir) => `${dir}/${tool}`).find((candidate) => fs.existsSync(candidate));
}

function toolPath(tool: Tool): string {
  const path = findTool(tool);
  if (!path) throw new Error(`${tool} not found in ${DIRS.join(', ')} (Debian package ${PACKAGES[tool]})`);
  return path;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /**
   * Feed stdin through a real pipe: Node gives a child a socket as stdin, which a tool that
   * opens /dev/stdin (conntrack -R -) cannot open.
   */
  pipe?: boolean;
}

/** Runs `tool args` in `netns` with `input` on stdin; resolves with the exit status whatever it is. */
export function runTool(netns: string | undefined, tool: Tool, args: string[], input = '', options: RunOptions = {}): Promise<ToolResult> {
  const command = options.pipe ? ['/bin/sh', '-c', 'cat | "$0" "$@"', toolPath(tool), ...args] : [toolPath(tool), ...args];
  const argv = netns ? [toolPath('nsenter'), `--net=${netns}`, '--', ...command] : command;
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.stdin.on('error', () => undefined); // a tool that exits early says so through its status
    child.once('error', (error) => reject(new Error(`${tool} in ${netns ?? 'the current network namespace'}: ${error.message}`)));
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Runs an nft script as one transaction; a refusal names the failing line of the script. */
export async function runNft(netns: string | undefined, script: string): Promise<void> {
  const result = await runTool(netns, 'nft', ['-f', '-'], script);
  if (result.code === 0) return;
  // nft quotes each failing line under its complaint; a long script may fail on many, the first ones tell.
  const text = result.stderr.trim().slice(0, 2000) || `exit ${result.code}`;
  const line = /(?:^|\/dev\/stdin|-):(\d+):/m.exec(text)?.[1];
  const failed = line ? script.split('\n')[Number(line) - 1] : undefined;
  const quote = failed && !text.includes(failed) ? ` (line ${line}: ${failed.slice(0, 300)})` : '';
  throw new Error(`nft -f - in ${netns ?? 'the current network namespace'} failed: ${text}${quote}`);
}
