// The overlay's tool runs (ip and bridge batches, nft scripts, one sh line) must all succeed:
// a failure rejects naming the tool, its arguments and namespace, and quotes the batch line
// the tool names, so a long batch need not be read to find it.
import { namespaceName, runTool, type Tool } from '../host/index.ts';

/** Runs `tool args` (feeding `input` on stdin) in `netns` and resolves with its stdout. */
export async function toolOutput(netns: string | undefined, tool: Tool, args: string[], input?: string): Promise<string> {
  const result = await runTool(netns, tool, args, input);
  if (result.code === 0) return result.stdout;
  throw new Error(`${tool} ${args.join(' ')} in ${namespaceName(netns)} failed (${result.signal ?? `exit ${result.code}`}): ${describeFailure(result.stderr, input)}`);
}

/** The tool's complaint, with the batch line it names ("Command failed -:3") quoted. */
function describeFailure(stderr: string, input: string | undefined): string {
  const text = stderr.trim() || 'no message';
  const line = /Command failed -:(\d+)/.exec(text)?.[1];
  const failed = line && input ? input.split('\n')[Number(line) - 1] : undefined;
  return failed ? `${text} (line: "${failed}")` : text;
}
