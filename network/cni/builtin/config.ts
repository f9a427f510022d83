// The built-in plugin's configuration: {"type":"skerry","bridge":"skerry0","subnet":"10.42.3.0/24",
// "mtu":1450,"dataDir":"/var/lib/skerry","hostNetns":"/run/netns/node","hairpinMode":true}.
import path from 'node:path';
import { SkerryError } from '../../../common/index.ts';
import { parseSubnet, type Subnet } from '../../ipam/index.ts';

export const BUILTIN_TYPE = 'skerry';

export interface BuiltinConfig {
  bridge: string;
  subnet: Subnet;
  mtu: number;
  dataDir: string;
  /** The node's netns as a path; undefined means the runner's (or this process's). */
  hostNetns?: string;
  /** Lets a pod reach itself through a Service address (the frame leaves the port it came in on). */
  hairpinMode: boolean;
}

/** Linux interface names: 1-15 bytes, not . or .., no slash, colon or whitespace (the CNI spec's rule). */
export function interfaceNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'must be a non-empty string';
  if (Buffer.byteLength(name) > 15) return `${JSON.stringify(name)} is longer than 15 bytes`;
  if (name === '.' || name === '..' || /[/:\s]/.test(name)) return `${JSON.stringify(name)} is not a valid interface name`;
  return undefined;
}

/** Checks the plugin's fields; errors name the field as `at` + field ("plugins[0].subnet: …"). */
export function parseBuiltinConfig(raw: Record<string, unknown>, at = ''): BuiltinConfig {
  const invalid = (field: string, reason: string) => new SkerryError('CONFIG_INVALID', `${at}${field}: ${reason}`, { field: `${at}${field}` });
  const bridge = raw.bridge ?? 'skerry0';
  const bridgeProblem = interfaceNameProblem(bridge);
  if (bridgeProblem) throw invalid('bridge', bridgeProblem);
  const subnet = parseSubnet(raw.subnet, `${at}subnet`);
  const mtu = raw.mtu ?? 1500;
  if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 576 || mtu > 65535) throw invalid('mtu', `${JSON.stringify(mtu)} must be a whole number from 576 to 65535`);
  if (typeof raw.dataDir !== 'string' || !path.isAbsolute(raw.dataDir)) throw invalid('dataDir', `must be an absolute path, got ${JSON.stringify(raw.dataDir)}`);
  if (raw.hostNetns !== undefined && (typeof raw.hostNetns !== 'string' || !path.isAbsolute(raw.hostNetns))) {
    throw invalid('hostNetns', `must be the absolute path of a network namespace file, got ${JSON.stringify(raw.hostNetns)}`);
  }
  if (raw.hairpinMode !== undefined && typeof raw.hairpinMode !== 'boolean') throw invalid('hairpinMode', 'must be true or false');
  return {
    bridge: bridge as string,
    subnet,
    mtu,
    dataDir: raw.dataDir,
    ...(raw.hostNetns ? { hostNetns: raw.hostNetns as string } : {}),
    hairpinMode: raw.hairpinMode ?? true,
  };
}
