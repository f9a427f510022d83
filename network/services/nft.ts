// Runs one nft script as one transaction (`nft -f -`), inside a network namespace when asked
// (`nsenter --net=PATH`). A failure names the namespace, nft's first complaint and the
// script lines it points at, so the failing part is readable without the whole script.
import { runTool } from '../host/index.ts';

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
export async function runNft(script: string[], netns?: string): Promise<void> {
  const where = netns ? `netns ${netns}` : 'the current netns';
  // nft (or nsenter) missing or not started is an NftError too: nothing was applied either way.
  const result = await runTool(netns, 'nft', ['-f', '-'], `${script.join('\n')}\n`, { timeoutMs: TIMEOUT_MS }).catch((error: Error) => {
    throw new NftError(error.message, [], '');
  });
  if (result.code === 0) return;
  if (result.signal) throw new NftError(`nft -f - in ${where} was killed by ${result.signal}${result.signal === 'SIGKILL' ? ` (timeout ${TIMEOUT_MS} ms?)` : ''}`, [], result.stderr);
  throw nftFailure(where, result.code, result.stderr, script);
}
