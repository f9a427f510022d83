import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** kubectl 1.20 from Debian's kubernetes-client, unpacked into .cache/ by scripts/setup.sh. */
export const KUBECTL_120 = fileURLToPath(new URL('../../.cache/kubectl-1.20/usr/bin/kubectl', import.meta.url));
/** The machine's kubectl: a dispatcher that runs the build matching the server's minor version. */
export const KUBECTL_DISPATCHER = '/usr/bin/kubectl';

export interface Kubectl {
  label: string;
  binary: string;
}

/** The kubectl builds present here; a test skips, naming what is missing, for the others. */
export function kubectls(): { present: Kubectl[]; missing: string[] } {
  const all: Kubectl[] = [
    { label: 'kubectl 1.20', binary: KUBECTL_120 },
    { label: 'kubectl (dispatcher, 1.31 build)', binary: KUBECTL_DISPATCHER },
  ];
  const present = all.filter((k) => isExecutable(k.binary));
  const missing = all.filter((k) => !present.includes(k)).map((k) => `${k.label} (${k.binary}; scripts/setup.sh fetches it)`);
  return { present, missing };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runKubectl(kubectl: Kubectl, kubeconfig: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl.binary, ['--kubeconfig', kubeconfig, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // kubectl writes its discovery cache under $HOME/.kube; keep it beside the kubeconfig.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.dirname(kubeconfig) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
