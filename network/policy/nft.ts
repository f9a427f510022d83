// NetworkPolicy's nft transactions. A plan's script runs to thousands of lines, so a refusal
// quotes the line nft names rather than leaving the script to be read.
import { namespaceName, runTool } from '../host/index.ts';

/** Runs an nft script as one transaction; a refusal names the failing line of the script. */
export async function runNft(netns: string | undefined, script: string): Promise<void> {
  const result = await runTool(netns, 'nft', ['-f', '-'], script);
  if (result.code === 0) return;
  // nft quotes each failing line under its complaint; a long script may fail on many, the first ones tell.
  const text = result.stderr.trim().slice(0, 2000) || `exit ${result.code}`;
  const line = /(?:^|\/dev\/stdin|-):(\d+):/m.exec(text)?.[1];
  const failed = line ? script.split('\n')[Number(line) - 1] : undefined;
  const quote = failed && !text.includes(failed) ? ` (line ${line}: ${failed.slice(0, 300)})` : '';
  throw new Error(`nft -f - in ${namespaceName(netns)} failed: ${text}${quote}`);
}
