// ADD results kept for DEL and CHECK, as libcni keeps them: <cacheDir>/results/
// <network>-<containerId>-<ifName>, a "cniCacheV1" record (so tools that read libcni's cache
// read ours). Written in place, as libcni does, not to a temporary name and renamed: that
// would cost every ADD a second file creation, and a record torn by a crash only reads as
// none, after which DEL runs without prevResult, which plugins must handle anyway.
import fs from 'node:fs';
import path from 'node:path';
import { parseResult } from './result.ts';
import type { Chain, CniResult } from './types.ts';

const KIND = 'cniCacheV1';

export interface CacheKey {
  network: string;
  containerId: string;
  ifName: string;
}

interface CachedAttachment {
  kind: typeof KIND;
  containerId: string;
  /** The conflist, base64 (Go's encoding of []byte, as libcni writes it). */
  config: string;
  ifName: string;
  networkName: string;
  netns?: string;
  cniArgs?: Array<[string, string]>;
  capabilityArgs?: Record<string, unknown>;
  result: CniResult;
}

export function cacheFile(cacheDir: string, key: CacheKey): string {
  return path.join(cacheDir, 'results', `${key.network}-${key.containerId}-${key.ifName}`);
}

export interface CacheEntry {
  chain: Chain;
  key: CacheKey;
  netns: string;
  cniArgs: Array<[string, string]>;
  capabilityArgs?: Record<string, unknown>;
  result: CniResult;
}

export function writeCachedResult(cacheDir: string, entry: CacheEntry): void {
  const { source: _source, ...conflist } = entry.chain;
  const record: CachedAttachment = {
    kind: KIND,
    containerId: entry.key.containerId,
    config: Buffer.from(JSON.stringify(conflist)).toString('base64'),
    ifName: entry.key.ifName,
    networkName: entry.key.network,
    ...(entry.netns ? { netns: entry.netns } : {}),
    cniArgs: entry.cniArgs,
    ...(entry.capabilityArgs ? { capabilityArgs: entry.capabilityArgs } : {}),
    result: entry.result,
  };
  const file = cacheFile(cacheDir, entry.key);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, JSON.stringify(record), { mode: 0o600 });
}

/** The cached ADD result, or undefined when there is none or it cannot be read as one. */
export function readCachedResult(cacheDir: string, key: CacheKey): CniResult | undefined {
  let record: Partial<CachedAttachment>;
  try {
    record = JSON.parse(fs.readFileSync(cacheFile(cacheDir, key), 'utf8')) as Partial<CachedAttachment>;
  } catch {
    return undefined;
  }
  if (record.kind !== KIND || record.containerId !== key.containerId) return undefined;
  try {
    return parseResult(record.result, 'cache');
  } catch {
    return undefined;
  }
}

export function removeCachedResult(cacheDir: string, key: CacheKey): void {
  fs.rmSync(cacheFile(cacheDir, key), { force: true });
}
