// The pod network step: a CNI 1.0 chain runner (ADD, DEL, CHECK; external plugins from a bin
// dir, skerry's built-in plugin in-process) and the chains a node can run.
export { addNetwork, cachedResult, checkNetwork, delNetwork } from './chain.ts';
export { builtinChain, referenceChain, type BuiltinChainOptions, type ReferenceChainOptions } from './chains.ts';
export { loadChain, parseConflist, readConflist } from './conflist.ts';
export { CNI_CODES, CniError, isCniError } from './errors.ts';
export { hostVethName } from './builtin/names.ts';
export { SUPPORTED_VERSIONS } from './versions.ts';
export type { Chain, ChainOptions, CniDns, CniErrorBody, CniInterface, CniIpConfig, CniResult, CniRoute, Conflist, PluginConf, PodNetworkRequest } from './types.ts';
