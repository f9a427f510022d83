// Runs Debian's skopeo without leaving anything on the host. skopeo keeps a blob-info cache
// in /var/lib/containers for root: each run gets a private mount namespace with a fresh
// temp dir bound over /var/lib, removed afterwards (test/helpers/registry-push.ts keeps one
// per test instead, where the cache must live across runs to drive cross-repo mounts).
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function command(args: string[], stateDir: string): [string, string[]] {
  if (process.getuid?.() !== 0) return ['skopeo', ['--insecure-policy', ...args]];
  return ['unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$0" /var/lib && exec skopeo --insecure-policy "$@"', stateDir, ...args]];
}

function withStateDir<T>(use: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-skopeo-'));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const result = use(dir);
    if (result instanceof Promise) return result.finally(cleanup) as T;
    cleanup();
    return result;
  } catch (error) {
    cleanup();
    throw error;
  }
}

/** skopeo ARGS; throws with skopeo's stderr on failure. Returns stdout. */
export function skopeoSync(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): string {
  return withStateDir((dir) => {
    const [file, argv] = command(args, dir);
    return execFileSync(file, argv, { encoding: 'utf8', env: { ...process.env, ...options.env, HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  });
}

export async function skopeoAsync(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return withStateDir(async (dir) => {
    const [file, argv] = command(args, dir);
    const { stdout } = await run(file, argv, { env: { ...process.env, ...options.env, HOME: dir }, maxBuffer: 64 << 20 });
    return stdout;
  });
}

/** Whether Debian's skopeo is installed; tests that need it skip (saying so) when not. */
export const HAS_SKOPEO = (() => {
  try {
    execFileSync('skopeo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
