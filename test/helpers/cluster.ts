// A small cluster for end-to-end tests: the built server on fixed loopback ports (so it can
// be killed and started again where its agents expect it), agents as separate processes
// with their own data dirs, the API over HTTPS, and each agent's SQLite state read directly.
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import Database from 'better-sqlite3';
import { freePort, isAddressInUse } from './ports.ts';
import { SKERRY, spawnHere, startServer, type ServerProcess, type Spawner } from './skerry.ts';

export { freePort } from './ports.ts';

export interface ClusterServer {
  dataDir: string;
  apiPort: number;
  mqttPort: number;
  tunnelPort: number;
  process: ServerProcess;
  url: string;
  token: string;
  ca: string;
  /** kill -9 and start again on the same ports and data dir. */
  crash(): Promise<void>;
  restart(): Promise<void>;
  stop(): void;
}

export async function startClusterServer(dataDir: string, extraArgs: string[] = []): Promise<ClusterServer> {
  for (let attempt = 1; ; attempt++) {
    const ports = { api: await freePort(), mqtt: await freePort(), tunnel: await freePort() };
    try {
      return await clusterServerOn(dataDir, ports, extraArgs);
    } catch (error) {
      // Another test picked the same port in the moment between our pick and the server's listen.
      if (attempt >= 3 || !isAddressInUse(error)) throw error;
    }
  }
}

async function clusterServerOn(dataDir: string, ports: { api: number; mqtt: number; tunnel: number }, extraArgs: string[]): Promise<ClusterServer> {
  const args = ['--listen', `127.0.0.1:${ports.api}`, '--mqtt-listen', `127.0.0.1:${ports.mqtt}`, '--tunnel-listen', `127.0.0.1:${ports.tunnel}`, ...extraArgs];
  const server: ClusterServer = {
    dataDir,
    apiPort: ports.api,
    mqttPort: ports.mqtt,
    tunnelPort: ports.tunnel,
    process: await startServer(dataDir, args),
    url: `https://127.0.0.1:${ports.api}`,
    token: fs.readFileSync(path.join(dataDir, 'token'), 'utf8').trim(),
    ca: fs.readFileSync(path.join(dataDir, 'tls', 'server-ca.crt'), 'utf8'),
    async crash() {
      server.process.child.kill('SIGKILL');
      await server.process.exited;
    },
    async restart() {
      // The ports are reserved for this test process (ports.ts), but a connection of the old
      // server may still hold one for a moment after kill -9.
      for (let attempt = 1; ; attempt++) {
        try {
          server.process = await startServer(dataDir, args);
          return;
        } catch (error) {
          if (attempt >= 5 || !isAddressInUse(error)) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    },
    stop: () => void server.process.child.kill('SIGKILL'),
  };
  return server;
}

/** The password the server's own MQTT client uses, derived from the cluster secret as the server derives it. */
export function serverMqttPassword(token: string): string {
  const secret = token.slice(token.indexOf('::server:') + '::server:'.length);
  return crypto.createHmac('sha256', secret).update('skerry mqtt server').digest('hex');
}

export interface AgentProcess {
  child: ChildProcess;
  dataDir: string;
  logs: () => Array<Record<string, unknown>>;
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number, after?: number): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * An agent process. Without a --flannel-backend among `extraArgs` it runs with `none`: agents
 * in the host's namespace must not add a bridge or addresses there (lab nodes pass their own).
 */
export function startAgentProcess(server: { url: string; token: string }, node: string, dataDir: string, extraArgs: string[] = [], spawner: Spawner = spawnHere): AgentProcess {
  const network = extraArgs.includes('--flannel-backend') ? [] : ['--flannel-backend', 'none'];
  const child = spawner([process.execPath, SKERRY, 'agent', '--server', server.url, '--token', server.token, '--node-name', node, '--data-dir', dataDir, ...network, ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const parsed: Array<Record<string, unknown>> = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk;
    const lines = stderr.split('\n');
    stderr = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      // A line another writer cut into (a child's output on the same pipe) is kept as text, not thrown on.
      try {
        parsed.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        parsed.push({ msg: 'unparsed log line', line });
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    child,
    dataDir,
    logs: () => parsed,
    async waitForLog(match, timeoutMs = 20_000, after = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = parsed.slice(after).find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`agent ${node}: no matching log within ${timeoutMs} ms; last lines:\n${parsed.slice(-8).map((l) => JSON.stringify(l)).join('\n')}`);
        await sleep(50);
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** The agent's view as it is on disk: key → {rev, object}, and the revision it is current to. */
export function agentView(dataDir: string): { revision: number; entries: Map<string, { rev: number; object: Record<string, unknown> }> } {
  const file = path.join(dataDir, 'state', 'agent.db');
  if (!fs.existsSync(file)) return { revision: 0, entries: new Map() };
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const revision = (db.prepare("SELECT value FROM view_meta WHERE name = 'revision'").get() as { value: number } | undefined)?.value ?? 0;
    const rows = db.prepare('SELECT key, rev, value FROM view').all() as Array<{ key: string; rev: number; value: string }>;
    return { revision, entries: new Map(rows.map((r) => [r.key, { rev: r.rev, object: JSON.parse(r.value) as Record<string, unknown> }])) };
  } finally {
    db.close();
  }
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Where the API answers: 127.0.0.1:apiPort, or through a Unix socket relay with TLS checked against `host` (helpers/netlab.ts). */
export interface ApiTarget {
  apiPort: number;
  token: string;
  ca: string;
  socketPath?: string;
  host?: string;
}

/** One API call with the cluster token, trusting only the cluster CA. */
export function api(server: ApiTarget, method: string, urlPath: string, body?: unknown): Promise<ApiAnswer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: server.host ?? '127.0.0.1',
        port: server.apiPort,
        socketPath: server.socketPath,
        method,
        path: urlPath,
        ca: server.ca,
        headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json', ...(payload ? { 'Content-Length': Buffer.byteLength(payload) } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
      },
    );
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.end(payload);
  });
}

export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function pod(name: string, node: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  // imagePullPolicy Never: a test never reaches for a registry outside the machine.
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never' }], ...spec } };
}

export function secret(name: string, value: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, stringData: { value } };
}

/** Waits until the node's Ready condition is True. */
export async function waitForReadyNode(server: ApiTarget, node: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  return waitUntil(`node ${node} Ready`, async () => {
    const answer = await api(server, 'GET', `/api/v1/nodes/${node}`);
    const conditions = ((answer.body.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []);
    return conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? answer.body : undefined;
  }, timeoutMs);
}

/** Collects the watch events of one object until closed; `events` grows as they arrive. */
export function watchObject(server: { apiPort: number; token: string; ca: string }, collectionPath: string, name: string): { events: Array<{ type: string; object: Record<string, any> }>; close(): void } { // eslint-disable-line @typescript-eslint/no-explicit-any
  const events: Array<{ type: string; object: Record<string, any> }> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  const req = https.get({ host: '127.0.0.1', port: server.apiPort, path: `${collectionPath}?watch=true&fieldSelector=metadata.name%3D${encodeURIComponent(name)}`, ca: server.ca, headers: { Authorization: `Bearer ${server.token}` } }, (res) => {
    let buffer = '';
    res.on('data', (chunk: Buffer) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        if (newline > 0) events.push(JSON.parse(buffer.slice(0, newline)));
        buffer = buffer.slice(newline + 1);
      }
    });
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  return { events, close: () => req.destroy() };
}
