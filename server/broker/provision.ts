// Keeps an external Mosquitto's users in step with the cluster's nodes. The server writes
// Mosquitto's configuration into its data dir (the operator starts Mosquitto with it); when
// a node joins or is removed, the password file is rewritten and the running Mosquitto,
// found through the pid file its configuration names, is asked to reread it (SIGHUP).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { componentLogger } from '../../common/index.ts';
import { reloadMosquitto, writeMosquittoConfig, type MosquittoConfigFiles } from './mosquitto.ts';

const log = componentLogger('broker');

export interface ProvisionerOptions {
  dir: string;
  /** The broker's URL as given with --broker; its host and port become the listener. */
  brokerUrl: string;
  tls: { caFile: string; certFile: string; keyFile: string };
  users(): Promise<Array<{ username: string; password: string }>>;
  intervalMs?: number;
}

export interface MosquittoProvisioner {
  files: MosquittoConfigFiles;
  /** Rewrites and reloads now if the users changed (also runs on its own every interval). */
  sync(): Promise<void>;
  stop(): void;
}

export async function startMosquittoProvisioner(options: ProvisionerOptions): Promise<MosquittoProvisioner> {
  const url = new URL(options.brokerUrl);
  const listen = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || (url.protocol === 'mqtts:' || url.protocol === 'ssl:' ? 8883 : 1883)) };
  let written = '';
  let files: MosquittoConfigFiles | undefined;
  let running: Promise<void> | undefined;

  async function sync(): Promise<void> {
    const users = await options.users();
    const fingerprint = crypto.createHash('sha256').update(JSON.stringify(users)).digest('hex');
    if (fingerprint === written) return;
    files = writeMosquittoConfig(options.dir, { listen, tls: options.tls, users });
    written = fingerprint;
    const pid = readPid(files.pidFile);
    if (pid === undefined) return log.info({ config: files.configFile, users: users.length }, 'Mosquitto configuration written; start Mosquitto with it');
    try {
      reloadMosquitto(pid);
      log.info({ pid, users: users.length }, 'Mosquitto asked to reload its users');
    } catch (error) {
      log.warn({ pid, reason: (error as Error).message }, 'Mosquitto could not be asked to reload; is it running?');
    }
  }
  const once = () => (running ??= sync().finally(() => (running = undefined)));

  await once();
  const timer = setInterval(() => void once().catch((error: unknown) => log.warn({ err: error }, 'Mosquitto provisioning failed')), options.intervalMs ?? 1_000);
  return { files: files!, sync: once, stop: () => clearInterval(timer) };
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
