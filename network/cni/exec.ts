// Running an external plugin as the spec says: the executable named by `type` from the bin
// dirs, the runtime parameters in CNI_* variables, the network configuration on stdin, the
// result (or the error object) on stdout. With a host netns path the plugin is started
// through nsenter, so everything it does on the "host" side happens in that namespace.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findTool } from '../host/index.ts';
import { CNI_CODES, CniError } from './errors.ts';
import { parseResult } from './result.ts';
import type { CniCommand, CniErrorBody, CniResult } from './types.ts';

export const DEFAULT_BIN_DIRS = ['/usr/lib/cni', '/opt/cni/bin'];
const OUTPUT_LIMIT = 1 << 20;

/** Everything one plugin execution needs besides its configuration. */
export interface PluginCall {
  command: CniCommand;
  type: string;
  containerId: string;
  netns: string;
  ifName: string;
  /** CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAMESPACE=…". */
  args: string;
  binDirs: string[];
  hostNetns?: string;
  timeoutMs: number;
}

/** The plugin's executable: the first bin dir that has one. */
export function findPlugin(call: Pick<PluginCall, 'type' | 'binDirs' | 'command'>): string {
  for (const dir of call.binDirs) {
    const file = path.join(dir, call.type);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // Not in this directory: try the next.
    }
  }
  throw new CniError(call.type, call.command, { code: CNI_CODES.invalidConfig, msg: `no executable ${call.type} in ${call.binDirs.join(', ')}` });
}

function pluginEnv(call: PluginCall): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('CNI_')) env[key] = value;
  return {
    ...env,
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId,
    CNI_NETNS: call.netns,
    CNI_IFNAME: call.ifName,
    CNI_ARGS: call.args,
    CNI_PATH: call.binDirs.join(':'),
  };
}

function commandLine(call: PluginCall, file: string): [string, string[]] {
  if (!call.hostNetns) return [file, []];
  const nsenter = findTool('nsenter');
  if (!nsenter) throw new CniError(call.type, call.command, { code: CNI_CODES.internal, msg: `nsenter (util-linux) is needed to run plugins in ${call.hostNetns} and is not installed` });
  return [nsenter, [`--net=${call.hostNetns}`, '--', file]];
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function run(call: PluginCall, file: string, config: Record<string, unknown>): Promise<Exit> {
  const [program, args] = commandLine(call, file);
  return new Promise((resolve, reject) => {
    const child = spawn(program, [...args], { env: pluginEnv(call), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, call.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => void (stdout.length < OUTPUT_LIMIT && (stdout += String(chunk))));
    child.stderr.on('data', (chunk: Buffer) => void (stderr.length < OUTPUT_LIMIT && (stderr += String(chunk))));
    child.stdin.on('error', () => undefined); // a plugin that exits before reading: its exit says why
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new CniError(call.type, call.command, { code: CNI_CODES.internal, msg: `cannot start ${program}: ${error.message}` }, { cause: error }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    child.stdin.end(JSON.stringify(config));
  });
}

function errorBody(exit: Exit, timeoutMs: number): CniErrorBody {
  if (exit.timedOut) return { code: CNI_CODES.internal, msg: `did not finish within ${timeoutMs} ms and was killed` };
  try {
    const body = JSON.parse(exit.stdout) as Partial<CniErrorBody>;
    if (typeof body.code === 'number' && typeof body.msg === 'string') {
      return { code: body.code, msg: body.msg, ...(typeof body.details === 'string' && body.details ? { details: body.details } : {}) };
    }
  } catch {
    // Not the spec's error object: report the exit and whatever it printed.
  }
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
  const printed = (exit.stderr.trim() || exit.stdout.trim()).slice(0, 2000);
  return { code: CNI_CODES.internal, msg: how, ...(printed ? { details: printed } : {}) };
}

/** Runs the plugin; ADD resolves its checked result, DEL and CHECK nothing. Rejects with a CniError naming it. */
export async function execPlugin(call: PluginCall, config: Record<string, unknown>): Promise<CniResult | undefined> {
  const exit = await run(call, findPlugin(call), config);
  if (exit.code !== 0 || exit.timedOut) throw new CniError(call.type, call.command, errorBody(exit, call.timeoutMs));
  if (call.command !== 'ADD') return undefined;
  let printed: unknown;
  try {
    printed = JSON.parse(exit.stdout);
  } catch {
    throw new CniError(call.type, call.command, { code: CNI_CODES.decodeFailure, msg: 'printed no JSON result', details: exit.stdout.trim().slice(0, 2000) || '(nothing)' });
  }
  return parseResult(printed, call.type);
}
