// Runs one nft script as one transaction (`nft -f -`), inside a network namespace when asked
// (`nsenter --net=PATH`). A failure names the namespace, nft's first complaint and the
// script lines it points at, so the failing part is readable without the whole script.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

// Absolute paths only: a PATH lookup could find something else called nft (npx puts
// node_modules/.bin first, where @vercel/nft installs one).
const NFT = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft', '/usr/local/sbin/nft'].find((p) => fs.existsSync(p)) ?? '/usr/sbin/nft';
const NSENTER = ['/usr/bin/nsenter', '/bin/nsenter', '/usr/sbin/nsenter'].find((p) => fs.existsSync(p)) ?? '/usr/bin/nsenter';
const TIMEOUT_MS = 60_000;
const SHOWN_CHARS = 300;

export class NftError extends Error {
  /** The 1-based script lines nft complained about. */
  readonly lines: number[];
  readonly stderr: string;

  constructor(message: string, lines: number[], stderr: string) {
    super(message);
    this.name = 'NftError';
    this.lines = lines;
    this.stderr = stderr;
  }
}

const SHOWN_LINES = 3;
const cut = (text: string, chars = SHOWN_CHARS) => (text.length > chars ? `${text.slice(0, chars)}…` : text);

/** The error for a failed run: nft's first error and the first script lines it names. */
export function nftFailure(where: string, code: number | null, stderr: string, script: string[]): NftError {
  const lines = [...new Set([...stderr.matchAll(/^(?:\/dev\/stdin|-):(\d+):/gm)].map((m) => Number(m[1])))];
  const first = stderr.split('\n').find((line) => line.includes('Error:')) ?? stderr.trim().split('\n')[0] ?? '';
  const parts = lines.slice(0, SHOWN_LINES).map((n) => `line ${n}: ${cut(script[n - 1] ?? '?', 160)}`);
  if (lines.length > SHOWN_LINES) parts.push(`and ${lines.length - SHOWN_LINES} more lines`);
  const detail = [cut(first.replace(/^(?:\/dev\/stdin|-):[\d:-]+ /, '')), ...parts].join('; ');
  return new NftError(`nft -f - in ${where} failed (exit ${code}): ${detail || 'no message'}`, lines, stderr);
}

/** Runs the script as one nft transaction; rejects with an NftError naming the failing part. */
export function runNft(script: string[], netns?: string): Promise<void> {
  const argv = netns ? [NSENTER, `--net=${netns}`, NFT, '-f', '-'] : [NFT, '-f', '-'];
  const where = netns ? `netns ${netns}` : 'the current netns';
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'ignore', 'pipe'], timeout: TIMEOUT_MS, killSignal: 'SIGKILL' });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => undefined); // an early exit closes the pipe; the exit code tells why
    child.once('error', (error: NodeJS.ErrnoException) => reject(new NftError(`cannot run ${argv[0]} for nft in ${where}: ${error.code ?? error.message} (is nftables installed?)`, [], '')));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else if (signal) reject(new NftError(`nft -f - in ${where} was killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${TIMEOUT_MS} ms?)` : ''}`, [], stderr));
      else reject(nftFailure(where, code, stderr, script));
    });
    child.stdin.end(`${script.join('\n')}\n`);
  });
}
