import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SkerryError } from '../../../common/index.ts';
import { DEFAULT_SERVER_DATA_DIR } from '../../config.ts';

export interface Connection {
  server: URL;
  ca: string;
  token: string;
  namespace: string;
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Array<{ name: string; context: { cluster: string; user: string; namespace?: string } }>;
  clusters?: Array<{ name: string; cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string } }>;
  users?: Array<{ name: string; user: { token?: string } }>;
}

/**
 * Where the client verbs find the API, as kubectl does: --kubeconfig, then $KUBECONFIG, then
 * ~/.kube/config; on the server's own machine, without any of them, its data dir (as
 * `k3s kubectl` reads the server's own kubeconfig).
 */
export function connectionFrom(kubeconfig: string | undefined, dataDir: string | undefined): Connection {
  const file = kubeconfig ?? process.env.KUBECONFIG?.split(':')[0] ?? path.join(os.homedir(), '.kube', 'config');
  if (!dataDir && fs.existsSync(file)) return fromKubeconfig(file);
  const dir = dataDir ?? DEFAULT_SERVER_DATA_DIR;
  try {
    const ca = fs.readFileSync(path.join(dir, 'tls', 'server-ca.crt'), 'utf8');
    const token = fs.readFileSync(path.join(dir, 'token'), 'utf8').trim();
    return { server: new URL('https://127.0.0.1:6443'), ca, token, namespace: 'default' };
  } catch (error) {
    throw new SkerryError('CONFIG_INVALID', `no kubeconfig at ${file} and no server data dir at ${dir} (${(error as NodeJS.ErrnoException).code ?? ''}); pass --kubeconfig`, { field: '--kubeconfig' });
  }
}

function fromKubeconfig(file: string): Connection {
  const config = parseYaml(fs.readFileSync(file, 'utf8')) as KubeconfigFile;
  const context = config.contexts?.find((c) => c.name === config['current-context'])?.context;
  const cluster = config.clusters?.find((c) => c.name === context?.cluster)?.cluster;
  const user = config.users?.find((u) => u.name === context?.user)?.user;
  if (!context || !cluster || !user?.token) throw new SkerryError('CONFIG_INVALID', `${file}: the current context needs a cluster and a user with a token`, { field: '--kubeconfig' });
  const ca = cluster['certificate-authority-data'] ? Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8') : fs.readFileSync(cluster['certificate-authority']!, 'utf8');
  return { server: new URL(cluster.server), ca, token: user.token, namespace: context.namespace ?? 'default' };
}

export interface Answer {
  status: number;
  body: string;
}

export function request(connection: Connection, method: string, urlPath: string, options: { body?: string; accept?: string; contentType?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: connection.server.hostname,
        port: connection.server.port || 443,
        path: urlPath,
        method,
        ca: connection.ca,
        headers: {
          Authorization: `Bearer ${connection.token}`,
          Accept: options.accept ?? 'application/json',
          // Node sends a DELETE body neither chunked nor sized unless told its length.
          ...(options.body !== undefined ? { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(options.body) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', (error) => reject(new SkerryError('CONFIG_INVALID', `cannot reach ${connection.server.origin}: ${(error as NodeJS.ErrnoException).code ?? error.message}`, {}, { cause: error })));
    req.end(options.body);
  });
}

/** A non-2xx answer as kubectl prints it: "Error from server (NotFound): pods "x" not found". */
export function serverError(answer: Answer): SkerryError {
  let reason = 'Unknown';
  let message = answer.body;
  try {
    const status = JSON.parse(answer.body) as { reason?: string; message?: string };
    reason = status.reason ?? reason;
    message = status.message ?? message;
  } catch {
    // not a Status: keep the raw body
  }
  return new SkerryError('API_ERROR', `Error from server (${reason}): ${message}`, { status: answer.status });
}

/** The line kubectl prints for a failed object, without skerry's own error prefix. */
export function kubectlLine(error: unknown): string {
  const message = (error as Error).message;
  return error instanceof SkerryError && error.code === 'API_ERROR' ? message.slice(message.indexOf(': ') + 2) : message;
}

/** A GET whose 200 body is handed over as a stream; anything else is the server's error. */
export function streamGet(connection: Connection, urlPath: string, accept = '*/*'): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host: connection.server.hostname, port: connection.server.port || 443, path: urlPath, ca: connection.ca, headers: { Authorization: `Bearer ${connection.token}`, Accept: accept } },
      (res) => {
        if (res.statusCode === 200) return resolve(res);
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => reject(serverError({ status: res.statusCode ?? 0, body })));
      },
    );
    req.on('error', (error) => reject(new SkerryError('CONFIG_INVALID', `cannot reach ${connection.server.origin}: ${(error as NodeJS.ErrnoException).code ?? error.message}`, {}, { cause: error })));
  });
}
