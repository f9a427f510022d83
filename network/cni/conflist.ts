// Reading a network configuration list: the spec's fields checked up front, so a bad file is
// reported when the agent starts, naming the file and the field, not when the first pod comes.
import fs from 'node:fs';
import path from 'node:path';
import { SkerryError } from '../../common/index.ts';
import { BUILTIN_TYPE, parseBuiltinConfig } from './builtin/config.ts';
import { builtinChain, type BuiltinChainOptions } from './chains.ts';
import type { Chain, PluginConf } from './types.ts';
import { SUPPORTED_VERSIONS } from './versions.ts';

// libcni's rule for network names (ValidateNetworkName).
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function parsePlugin(raw: unknown, at: string, invalid: (field: string, reason: string) => SkerryError): PluginConf {
  if (!isObject(raw)) throw invalid(at, 'must be an object');
  const type = raw.type;
  if (typeof type !== 'string' || type === '') throw invalid(`${at}.type`, 'must be a non-empty string');
  if (type.includes('/') || type === '.' || type === '..') throw invalid(`${at}.type`, `${JSON.stringify(type)} must be a plain executable name, not a path`);
  if (raw.capabilities !== undefined) {
    if (!isObject(raw.capabilities) || !Object.values(raw.capabilities).every((on) => typeof on === 'boolean')) {
      throw invalid(`${at}.capabilities`, 'must be an object of booleans, e.g. {"portMappings": true}');
    }
  }
  return { ...raw, type } as PluginConf;
}

/**
 * Checks a parsed `.conflist` and returns it as a chain; `source` names it in errors
 * ("Configuration is not valid: /etc/cni/net.d/10-x.conflist: plugins[1].type: …").
 */
export function parseConflist(value: unknown, source: string): Chain {
  const invalid = (field: string, reason: string) => new SkerryError('CONFIG_INVALID', `${source}: ${field}: ${reason}`, { source, field });
  if (!isObject(value)) throw invalid('(top level)', 'must be a JSON object');
  const { cniVersion, name, disableCheck, plugins } = value;
  if (typeof cniVersion !== 'string') throw invalid('cniVersion', 'must be a string such as "1.0.0"');
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(cniVersion)) throw invalid('cniVersion', `${cniVersion} is not supported (supported: ${SUPPORTED_VERSIONS.join(', ')})`);
  if (typeof name !== 'string' || !NETWORK_NAME.test(name)) throw invalid('name', `${JSON.stringify(name)} must start with a letter or digit and hold only letters, digits, _ . -`);
  if (disableCheck !== undefined && typeof disableCheck !== 'boolean') throw invalid('disableCheck', 'must be true or false');
  if (!Array.isArray(plugins) || plugins.length === 0) throw invalid('plugins', 'must be a non-empty array (a single-plugin .conf is not a list)');
  const parsed = plugins.map((plugin, i) => parsePlugin(plugin, `plugins[${i}]`, invalid));
  parsed.forEach((plugin, i) => {
    if (plugin.type === BUILTIN_TYPE) parseBuiltinConfig(plugin, `${source}: plugins[${i}].`);
  });
  return { cniVersion, name, ...(disableCheck !== undefined ? { disableCheck } : {}), plugins: parsed, source };
}

/** Reads and checks one `.conflist` file. */
export function readConflist(file: string): Chain {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new SkerryError('CONFIG_INVALID', `${file}: cannot be read: ${(error as Error).message}`, { source: file }, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SkerryError('CONFIG_INVALID', `${file}: is not JSON: ${(error as Error).message}`, { source: file }, { cause: error });
  }
  return parseConflist(value, file);
}

/**
 * The chain the agent runs: the lexically first `*.conflist` in `confDir`, or the built-in
 * chain when there is no such directory, no such file, or no `confDir` at all.
 */
export function loadChain(confDir: string | undefined, builtinDefaults: BuiltinChainOptions): Chain {
  if (confDir) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(confDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new SkerryError('CONFIG_INVALID', `${confDir}: the CNI configuration directory cannot be read: ${(error as Error).message}`, { source: confDir }, { cause: error });
      }
    }
    const first = names.filter((entry) => entry.endsWith('.conflist')).sort()[0];
    if (first) return readConflist(path.join(confDir, first));
  }
  return { ...builtinChain(builtinDefaults), source: 'built-in' };
}
