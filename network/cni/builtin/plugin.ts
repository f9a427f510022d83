// The built-in plugin ("type": "skerry"), run in-process by the chain runner: the same
// contract as an executable plugin (configuration in, result or CNI error out), without a
// process per pod. ADD allocates the pod's address and plumbs bridge, veth and routes; DEL
// removes the veth and frees the address and succeeds when both are gone already; CHECK
// compares what is there with the ADD result.
import { componentLogger, isSkerryError } from '../../../common/index.ts';
import { AddressesExhaustedError, openAllocator, type PodAddress } from '../../ipam/index.ts';
import { CNI_CODES, CniError, isCniError } from '../errors.ts';
import { parseResult } from '../result.ts';
import type { CniCommand, CniResult } from '../types.ts';
import { attachmentProblems } from './check.ts';
import { BUILTIN_TYPE, parseBuiltinConfig, type BuiltinConfig } from './config.ts';
import { hostVethName } from './names.ts';
import { InterfaceTakenError, plumb, unplumb, type Attachment, type PlumbedLinks } from './plumb.ts';

const log = componentLogger('cni-builtin');

export interface BuiltinCall {
  command: CniCommand;
  /** The plugin's configuration as the runner built it: name, cniVersion and prevResult injected. */
  config: Record<string, unknown>;
  containerId: string;
  netns: string;
  ifName: string;
  /** The runner's host netns; the plugin's own `hostNetns` field wins. */
  hostNetns?: string;
}

function fail(command: CniCommand, code: number, msg: string, cause?: unknown): CniError {
  return new CniError(BUILTIN_TYPE, command, { code, msg }, cause === undefined ? undefined : { cause });
}

/** Any error as the spec's error, with the code that fits it. */
function asCniError(command: CniCommand, error: unknown): CniError {
  if (isCniError(error)) return error;
  const message = (error as Error).message ?? String(error);
  if (isSkerryError(error, 'CONFIG_INVALID')) return fail(command, CNI_CODES.invalidConfig, message, error);
  if (error instanceof AddressesExhaustedError) return fail(command, CNI_CODES.tryAgainLater, message, error);
  if (error instanceof InterfaceTakenError) return fail(command, CNI_CODES.invalidEnvironment, message, error);
  return fail(command, CNI_CODES.internal, message, error);
}

function resultOf(call: BuiltinCall, address: PodAddress, links: PlumbedLinks, prev: CniResult | undefined): CniResult {
  const interfaces = [...(prev?.interfaces ?? [])];
  const podIndex = interfaces.length + 2;
  interfaces.push({ name: links.bridge.name, mac: links.bridge.mac }, { name: links.host.name, mac: links.host.mac }, { name: call.ifName, mac: links.peer.mac, sandbox: call.netns });
  return {
    cniVersion: String(call.config.cniVersion),
    interfaces,
    ips: [...(prev?.ips ?? []), { address: address.cidr, gateway: address.gateway, interface: podIndex }],
    routes: [...(prev?.routes ?? []), { dst: '0.0.0.0/0', gw: address.gateway }],
    ...(prev?.dns ? { dns: prev.dns } : {}),
  };
}

function attachmentOf(config: BuiltinConfig, call: BuiltinCall): Attachment {
  return { hostNetns: config.hostNetns ?? call.hostNetns ?? '', podNetns: call.netns, ifName: call.ifName, containerId: call.containerId };
}

const prevResultOf = (call: BuiltinCall) => (call.config.prevResult === undefined ? undefined : parseResult(call.config.prevResult, `${BUILTIN_TYPE} prevResult`, call.command));

async function add(config: BuiltinConfig, call: BuiltinCall): Promise<CniResult> {
  if (!call.netns) throw fail('ADD', CNI_CODES.invalidEnvironment, 'CNI_NETNS is empty: ADD needs the path of the pod network namespace');
  const prev = prevResultOf(call);
  const address = openAllocator({ subnet: config.subnet.cidr, dataDir: config.dataDir }).allocate(call.containerId);
  try {
    return resultOf(call, address, await plumb(config, attachmentOf(config, call), address), prev);
  } catch (error) {
    // Leave nothing half made: the veth (if any) and the address go, as a DEL would take them.
    await del(config, call).catch((cleanup: unknown) => log.warn({ containerId: call.containerId, err: cleanup }, 'cleaning up after a failed ADD failed'));
    throw error;
  }
}

async function del(config: BuiltinConfig, call: BuiltinCall): Promise<void> {
  const removed = await unplumb(attachmentOf(config, call));
  const released = openAllocator({ subnet: config.subnet.cidr, dataDir: config.dataDir }).release(call.containerId);
  log.debug({ containerId: call.containerId, veth: removed ? hostVethName(call.containerId) : undefined, released }, 'pod network removed');
}

async function check(config: BuiltinConfig, call: BuiltinCall): Promise<void> {
  const prev = prevResultOf(call);
  if (!prev) throw fail('CHECK', CNI_CODES.invalidConfig, 'CHECK needs prevResult (the result of the ADD)');
  if (!call.netns) throw fail('CHECK', CNI_CODES.invalidEnvironment, 'CNI_NETNS is empty: CHECK needs the path of the pod network namespace');
  const problems = await attachmentProblems(config, attachmentOf(config, call), prev);
  if (problems.length > 0) throw fail('CHECK', CNI_CODES.internal, problems.join('; '));
}

/** Runs one command of the built-in plugin; ADD resolves the result. Rejects with a CniError. */
export async function runBuiltin(call: BuiltinCall): Promise<CniResult | undefined> {
  try {
    const config = parseBuiltinConfig(call.config);
    if (call.command === 'ADD') return await add(config, call);
    if (call.command === 'DEL') return void (await del(config, call));
    return void (await check(config, call));
  } catch (error) {
    throw asCniError(call.command, error);
  }
}
