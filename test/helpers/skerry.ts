import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built executable: end-to-end tests drive what users run. */
export const SKERRY = fileURLToPath(new URL('../../dist/skerry.js', import.meta.url));

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runSkerry(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SKERRY, ...args], { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `skerry-${label}-`));
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** The embedded broker's port (mqtts on 127.0.0.1). */
  mqttPort: number;
  /** The log/exec tunnel's port (gRPC over TLS on 127.0.0.1). */
  tunnelPort: number;
  /** JSON log lines seen so far. */
  logs: Array<Record<string, unknown>>;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts argv as a process; a test may start it elsewhere, e.g. inside a network namespace (helpers/netlab.ts). */
export type Spawner = (argv: string[], options: SpawnOptions) => ChildProcess;
export const spawnHere: Spawner = (argv, options) => spawn(argv[0]!, argv.slice(1), options);

/** Starts `skerry server` on a free loopback port and resolves once the API listens. */
export function startServer(dataDir: string, extraArgs: string[] = [], spawner: Spawner = spawnHere): Promise<ServerProcess> {
  const child = spawner([process.execPath, SKERRY, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--mqtt-listen', '127.0.0.1:0', '--tunnel-listen', '127.0.0.1:0', '--disable-agent', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const logs: Array<Record<string, unknown>> = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not listen within 20 s:\n${stderr}`)), 20_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk;
      // Only whole lines: a chunk may end in the middle of one.
      const lines = stderr.split('\n').slice(0, -1);
      logs.length = 0;
      for (const line of lines.filter((l) => l.startsWith('{'))) {
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          logs.push({ msg: 'unparsed log line', line });
        }
      }
      const listening = logs.find((l) => l.msg === 'API listening');
      if (listening) {
        clearTimeout(timer);
        resolve({ child, port: Number(String(listening.listen).split(':').pop()), mqttPort: Number(String(listening.mqtt).split(':').pop()), tunnelPort: Number(String(listening.tunnel).split(':').pop()), logs, stderr: () => stderr, exited });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${stderr}`));
    });
  });
}
