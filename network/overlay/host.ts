// Runs iproute2 and nft, in the current network namespace or, through nsenter, in the one a
// namespace file names. Only --net is entered: the tools need nothing else of the target.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

type Tool = 'ip' | 'bridge' | 'nft' | 'nsenter' | 'sh';

const TOOLS: Record<Tool, { dirs: string[]; debianPackage: string }> = {
  ip: { dirs: ['/usr/sbin', '/sbin', '/usr/bin', '/bin'], debianPackage: 'iproute2' },
  bridge: { dirs: ['/usr/sbin', '/sbin', '/usr/bin', '/bin'], debianPackage: 'iproute2' },
  nft: { dirs: ['/usr/sbin', '/sbin', '/usr/bin', '/bin'], debianPackage: 'nftables' },
  nsenter: { dirs: ['/usr/bin', '/bin', '/usr/sbin', '/sbin'], debianPackage: 'util-linux' },
  sh: { dirs: ['/bin', '/usr/bin'], debianPackage: 'dash' },
};

const found = new Map<Tool, string>();

/** The tool's absolute path; a missing tool is named with the package that has it. */
export function toolPath(tool: Tool): string {
  const known = found.get(tool);
  if (known) return known;
  const path = TOOLS[tool].dirs.map((dir) => `${dir}/${tool}`).find((candidate) => fs.existsSync(candidate));
  if (!path) throw new Error(`${tool} not found in ${TOOLS[tool].dirs.join(', ')} (Debian package ${TOOLS[tool].debianPackage})`);
  found.set(tool, path);
  return path;
}

/** Runs `tool args` (feeding `input` on stdin) in `netns` and resolves with its stdout. */
export function runTool(netns: string | undefined, tool: Tool, args: string[], input?: string): Promise<string> {
  const argv = netns ? [toolPath('nsenter'), `--net=${netns}`, '--', toolPath(tool), ...args] : [toolPath(tool), ...args];
  const where = netns ?? 'the current network namespace';
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.stdin.on('error', () => undefined); // a tool that exits early reports it through its exit status
    child.once('error', (error) => reject(new Error(`${tool} in ${where}: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) return resolve(stdout);
      reject(new Error(`${tool} ${args.join(' ')} in ${where} failed (${signal ?? `exit ${code}`}): ${describeFailure(stderr, input)}`));
    });
    child.stdin.end(input ?? '');
  });
}

/** The tool's complaint, with the batch line it names ("Command failed -:3") quoted. */
function describeFailure(stderr: string, input: string | undefined): string {
  const text = stderr.trim() || 'no message';
  const line = /Command failed -:(\d+)/.exec(text)?.[1];
  const failed = line && input ? input.split('\n')[Number(line) - 1] : undefined;
  return failed ? `${text} (line: "${failed}")` : text;
}
