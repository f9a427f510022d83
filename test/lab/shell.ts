// The host tools the lab drives, by absolute path; `ip -n` for namespaces by name and
// nsenter --net for anything else (never `ip netns exec`: it also remounts /sys, which hides
// /sys/fs/cgroup from the agents run inside).
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const find = (name: string, dirs = ['/usr/sbin', '/sbin', '/usr/bin', '/bin']) => dirs.map((d) => `${d}/${name}`).find((p) => fs.existsSync(p));

export const TOOLS = {
  ip: find('ip'),
  nft: find('nft'),
  nsenter: find('nsenter'),
  mount: find('mount'),
  umount: find('umount'),
  python: find('python3', ['/usr/bin', '/bin']),
};
export const WIRE_SCRIPT = fileURLToPath(new URL('./wire.py', import.meta.url));
export const PING_SCRIPT = fileURLToPath(new URL('./ping.py', import.meta.url));

const PACKAGES: Record<keyof typeof TOOLS, string> = { ip: 'iproute2', nft: 'nftables', nsenter: 'util-linux', mount: 'mount', umount: 'mount', python: 'python3' };

/** Why a lab cannot be made here, or undefined when it can. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, TAP devices, tmpfs mounts)';
  const missing = (Object.keys(TOOLS) as Array<keyof typeof TOOLS>).filter((k) => !TOOLS[k]).map((k) => `${k} (${PACKAGES[k]})`);
  if (!fs.existsSync('/dev/net/tun')) missing.push('/dev/net/tun');
  return missing.length > 0 ? `missing ${missing.join(', ')}` : undefined;
}

export function tool(name: keyof typeof TOOLS): string {
  const path = TOOLS[name];
  if (!path) throw new Error(`lab: ${name} not found (Debian package ${PACKAGES[name]})`);
  return path;
}

/** Runs a tool to its end; a failure names the command and quotes its stderr. */
export function run(argv: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(argv[0]!, argv.slice(1), { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${argv.join(' ')}: ${String(stderr).trim() || error.message}`));
      else resolve(String(stdout));
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

export function runSync(argv: string[]): void {
  try {
    execFileSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  } catch {
    // best effort: used while the process exits
  }
}

export const ip = (netns: string, ...args: string[]) => run([tool('ip'), '-n', netns, ...args]);
export const ipBatch = (netns: string, lines: string[]) => run([tool('ip'), '-n', netns, '-batch', '-'], lines.join('\n') + '\n');
export const inNetns = (netnsPath: string, argv: string[], input?: string) => run([tool('nsenter'), `--net=${netnsPath}`, '--', ...argv], input);
export const nft = (netnsPath: string, script: string) => inNetns(netnsPath, [tool('nft'), '-f', '-'], script);
/** /proc/sys/net shows the namespace of the process that opens it, hence a shell inside. */
export const sysctl = (netnsPath: string, key: string, value: string) => inNetns(netnsPath, ['/bin/sh', '-c', `echo ${value} > /proc/sys/${key.replaceAll('.', '/')}`]);
