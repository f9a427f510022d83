// Running a chain (CNI spec section 3): ADD through the plugins in order, each given the
// previous one's result; DEL in reverse with the cached ADD result; CHECK in order with it.
// Every plugin gets the list's name and cniVersion, and the runtime values its capabilities
// ask for; the built-in plugin runs in-process, any other type from the bin dirs.
import path from 'node:path';
import { componentLogger, SkerryError } from '../../common/index.ts';
import { BUILTIN_TYPE, interfaceNameProblem } from './builtin/config.ts';
import { runBuiltin } from './builtin/plugin.ts';
import { readCachedResult, removeCachedResult, writeCachedResult, type CacheKey } from './cache.ts';
import { CNI_CODES, CniError } from './errors.ts';
import { DEFAULT_BIN_DIRS, execPlugin } from './exec.ts';
import type { Chain, ChainOptions, CniCommand, CniResult, Conflist, PluginConf, PodNetworkRequest } from './types.ts';
import { hasCheck, resultForVersion } from './versions.ts';

const log = componentLogger('cni');
const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const DEFAULT_TIMEOUT_MS = 60_000;

/** The request with its defaults, checked: a bad one never reaches a plugin. */
function checkedRequest(request: PodNetworkRequest, command: CniCommand): Required<Omit<PodNetworkRequest, 'capabilityArgs'>> & Pick<PodNetworkRequest, 'capabilityArgs'> {
  const invalid = (field: string, reason: string) => new SkerryError('CONFIG_INVALID', `pod network request: ${field}: ${reason}`, { field });
  if (typeof request.containerId !== 'string' || !CONTAINER_ID.test(request.containerId)) {
    throw invalid('containerId', `${JSON.stringify(request.containerId)} must start with a letter or digit and hold only letters, digits, _ . -`);
  }
  const ifName = request.ifName ?? 'eth0';
  const ifProblem = interfaceNameProblem(ifName);
  if (ifProblem) throw invalid('ifName', ifProblem);
  if (typeof request.netns !== 'string') throw invalid('netns', 'must be a string');
  if (request.netns === '' ? command !== 'DEL' : !path.isAbsolute(request.netns)) throw invalid('netns', `must be the absolute path of the pod's network namespace, got ${JSON.stringify(request.netns)}`);
  for (const field of ['podNamespace', 'podName', 'podUid'] as const) {
    if (typeof request[field] !== 'string' || /[;=]/.test(request[field])) throw invalid(field, 'must be a string without ; or =');
  }
  return { ...request, ifName };
}

/** CNI_ARGS as containerd and CRI-O pass them; IgnoreUnknown lets plugins that parse CNI_ARGS skip keys they do not know. */
function cniArgs(request: PodNetworkRequest): Array<[string, string]> {
  return [
    ['IgnoreUnknown', '1'],
    ['K8S_POD_NAMESPACE', request.podNamespace],
    ['K8S_POD_NAME', request.podName],
    ['K8S_POD_INFRA_CONTAINER_ID', request.containerId],
    ['K8S_POD_UID', request.podUid],
  ];
}

/** The plugin's stdin: its own fields, the list's name and version, prevResult, and runtimeConfig for its capabilities. */
function pluginConfig(chain: Conflist, plugin: PluginConf, prev: CniResult | undefined, request: PodNetworkRequest): Record<string, unknown> {
  const config: Record<string, unknown> = { ...plugin, name: chain.name, cniVersion: chain.cniVersion };
  delete config.runtimeConfig;
  if (prev) config.prevResult = resultForVersion(prev, chain.cniVersion);
  const runtimeConfig: Record<string, unknown> = {};
  for (const [capability, on] of Object.entries(plugin.capabilities ?? {})) {
    if (on && request.capabilityArgs && capability in request.capabilityArgs) runtimeConfig[capability] = request.capabilityArgs[capability];
  }
  if (Object.keys(runtimeConfig).length > 0) config.runtimeConfig = runtimeConfig;
  return config;
}

async function invoke(command: CniCommand, chain: Conflist, plugin: PluginConf, prev: CniResult | undefined, request: ReturnType<typeof checkedRequest>, options: ChainOptions): Promise<CniResult | undefined> {
  const config = pluginConfig(chain, plugin, prev, request);
  const started = performance.now();
  const result =
    plugin.type === BUILTIN_TYPE
      ? await runBuiltin({ command, config, containerId: request.containerId, netns: request.netns, ifName: request.ifName, ...(options.hostNetns ? { hostNetns: options.hostNetns } : {}) })
      : await execPlugin(
          {
            command,
            type: plugin.type,
            containerId: request.containerId,
            netns: request.netns,
            ifName: request.ifName,
            args: cniArgs(request).map(([key, value]) => `${key}=${value}`).join(';'),
            binDirs: options.binDirs ?? DEFAULT_BIN_DIRS,
            timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
            ...(options.hostNetns ? { hostNetns: options.hostNetns } : {}),
          },
          config,
        );
  log.debug({ command, plugin: plugin.type, containerId: request.containerId, ms: Math.round((performance.now() - started) * 100) / 100 }, 'CNI plugin ran');
  if (command === 'ADD' && !result) throw new CniError(plugin.type, command, { code: CNI_CODES.decodeFailure, msg: 'printed no result for ADD' });
  return result;
}

const cacheKey = (chain: Conflist, request: ReturnType<typeof checkedRequest>): CacheKey => ({ network: chain.name, containerId: request.containerId, ifName: request.ifName });

/**
 * ADD: attaches the pod to the network and returns the chain's result (cached for DEL and
 * CHECK). When a plugin fails, the plugins that ran (and the failing one) are sent DEL in
 * reverse, so nothing is left half made, and the plugin's CniError is thrown.
 *
 * ADD of a pod that is attached already (a retry, an agent restart) returns the cached result
 * when CHECK finds the attachment intact, and otherwise DELs it and adds it again: the spec
 * forbids a second ADD without a DEL, and the reference plugins refuse one.
 */
export async function addNetwork(chain: Chain, request: PodNetworkRequest, options: ChainOptions): Promise<CniResult> {
  const checked = checkedRequest(request, 'ADD');
  const cached = readCachedResult(options.cacheDir, cacheKey(chain, checked));
  if (cached) {
    const intact = await attachmentIntact(chain, checked, options);
    if (intact) return cached;
    await delNetwork(chain, checked, options);
  }
  let result: CniResult | undefined;
  for (const [i, plugin] of chain.plugins.entries()) {
    try {
      result = await invoke('ADD', chain, plugin, result, checked, options);
    } catch (error) {
      await undoAdd(chain, chain.plugins.slice(0, i + 1), result, checked, options);
      throw error;
    }
  }
  writeCachedResult(options.cacheDir, { chain, key: cacheKey(chain, checked), netns: checked.netns, cniArgs: cniArgs(checked), ...(checked.capabilityArgs ? { capabilityArgs: checked.capabilityArgs } : {}), result: result! });
  return result!;
}

/** Whether CHECK passes; false also when the chain cannot CHECK (then it is re-added to be sure). */
async function attachmentIntact(chain: Chain, request: ReturnType<typeof checkedRequest>, options: ChainOptions): Promise<boolean> {
  if (!hasCheck(chain.cniVersion) || chain.disableCheck) return false;
  try {
    await checkNetwork(chain, request, options);
    return true;
  } catch (error) {
    log.info({ containerId: request.containerId, err: error }, 'the pod is attached already but CHECK fails: adding it again');
    return false;
  }
}

async function undoAdd(chain: Chain, ran: PluginConf[], prev: CniResult | undefined, request: ReturnType<typeof checkedRequest>, options: ChainOptions): Promise<void> {
  for (const plugin of [...ran].reverse()) {
    try {
      await invoke('DEL', chain, plugin, hasCheck(chain.cniVersion) ? prev : undefined, request, options);
    } catch (error) {
      log.warn({ plugin: plugin.type, containerId: request.containerId, err: error }, 'DEL after a failed ADD failed');
    }
  }
}

/**
 * DEL: detaches the pod, plugins in reverse order, each given the cached ADD result. A plugin
 * that fails does not stop the others (each frees what it holds); the first failure is then
 * thrown, naming every plugin that failed, and the cached result is kept for a retry.
 * Deleting what is gone already succeeds.
 */
export async function delNetwork(chain: Chain, request: PodNetworkRequest, options: ChainOptions): Promise<void> {
  const checked = checkedRequest(request, 'DEL');
  const key = cacheKey(chain, checked);
  const cached = hasCheck(chain.cniVersion) ? readCachedResult(options.cacheDir, key) : undefined;
  const failures: CniError[] = [];
  for (const plugin of [...chain.plugins].reverse()) {
    try {
      await invoke('DEL', chain, plugin, cached, checked, options);
    } catch (error) {
      failures.push(error instanceof CniError ? error : new CniError(plugin.type, 'DEL', { code: CNI_CODES.internal, msg: (error as Error).message }, { cause: error }));
    }
  }
  if (failures.length > 0) {
    const [first, ...others] = failures;
    if (others.length > 0) first!.message += `; also failed: ${others.map((other) => other.message).join('; ')}`;
    throw first;
  }
  removeCachedResult(options.cacheDir, key);
}

/**
 * CHECK: asks every plugin, in order, whether the pod's network is still as its ADD left it
 * (the cached result). Throws the first plugin's CniError; does nothing when the list has
 * disableCheck. Needs cniVersion 0.4.0 or later, and a cached ADD result.
 */
export async function checkNetwork(chain: Chain, request: PodNetworkRequest, options: ChainOptions): Promise<void> {
  const checked = checkedRequest(request, 'CHECK');
  if (!hasCheck(chain.cniVersion)) throw new CniError(chain.name, 'CHECK', { code: CNI_CODES.incompatibleVersion, msg: `CHECK needs cniVersion 0.4.0 or later; ${chain.source} has ${chain.cniVersion}` });
  if (chain.disableCheck) return;
  const cached = readCachedResult(options.cacheDir, cacheKey(chain, checked));
  if (!cached) {
    throw new CniError(chain.name, 'CHECK', { code: CNI_CODES.unknownContainer, msg: `no cached ADD result for container ${checked.containerId} (${checked.ifName}) on network ${chain.name}` });
  }
  for (const plugin of chain.plugins) await invoke('CHECK', chain, plugin, cached, checked, options);
}

/** The cached result of the pod's last ADD, e.g. its IP after an agent restart; undefined when none. */
export function cachedResult(chain: Chain, request: Pick<PodNetworkRequest, 'containerId' | 'ifName'>, options: Pick<ChainOptions, 'cacheDir'>): CniResult | undefined {
  return readCachedResult(options.cacheDir, { network: chain.name, containerId: request.containerId, ifName: request.ifName ?? 'eth0' });
}
