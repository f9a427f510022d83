// Checking what a plugin printed: a result must hold what the spec says before it is passed
// on as the next plugin's prevResult or given to the runtime.
import { isIP } from 'node:net';
import { CNI_CODES, CniError } from './errors.ts';
import type { CniCommand, CniDns, CniInterface, CniIpConfig, CniResult, CniRoute } from './types.ts';

type Fail = (field: string, reason: string) => CniError;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function isCidr(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const [address = '', bits, ...rest] = value.split('/');
  const family = isIP(address);
  return family !== 0 && rest.length === 0 && bits !== undefined && /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

function list<T>(value: unknown, field: string, fail: Fail, each: (item: Record<string, unknown>, at: string) => T): T[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw fail(field, 'must be an array');
  return value.map((item, i) => {
    if (!isObject(item)) throw fail(`${field}[${i}]`, 'must be an object');
    return each(item, `${field}[${i}]`);
  });
}

function optionalString(item: Record<string, unknown>, key: string, at: string, fail: Fail): string | undefined {
  const value = item[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw fail(`${at}.${key}`, 'must be a string');
  return value;
}

function interfaceOf(item: Record<string, unknown>, at: string, fail: Fail): CniInterface {
  if (typeof item.name !== 'string' || item.name === '') throw fail(`${at}.name`, 'must be a non-empty string');
  const mac = optionalString(item, 'mac', at, fail);
  const sandbox = optionalString(item, 'sandbox', at, fail);
  return { ...item, name: item.name, ...(mac ? { mac } : {}), ...(sandbox ? { sandbox } : {}) } as CniInterface;
}

function ipOf(item: Record<string, unknown>, at: string, fail: Fail, interfaces: number): CniIpConfig {
  if (!isCidr(item.address)) throw fail(`${at}.address`, `${JSON.stringify(item.address)} is not an address in CIDR form`);
  const gateway = optionalString(item, 'gateway', at, fail);
  if (gateway && !isIP(gateway)) throw fail(`${at}.gateway`, `${JSON.stringify(gateway)} is not an IP address`);
  const index = item.interface;
  if (index !== undefined && !(Number.isInteger(index) && (index as number) >= 0 && (index as number) < interfaces)) {
    throw fail(`${at}.interface`, `${JSON.stringify(index)} is not an index into interfaces (${interfaces} of them)`);
  }
  return { address: item.address, ...(gateway ? { gateway } : {}), ...(index !== undefined ? { interface: index as number } : {}) };
}

function routeOf(item: Record<string, unknown>, at: string, fail: Fail): CniRoute {
  if (!isCidr(item.dst)) throw fail(`${at}.dst`, `${JSON.stringify(item.dst)} is not a destination in CIDR form`);
  const gw = optionalString(item, 'gw', at, fail);
  if (gw && !isIP(gw)) throw fail(`${at}.gw`, `${JSON.stringify(gw)} is not an IP address`);
  return { ...item, dst: item.dst, ...(gw ? { gw } : {}) } as CniRoute;
}

function dnsOf(value: unknown, fail: Fail): CniDns | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw fail('dns', 'must be an object');
  const strings = (key: string) => {
    const items = value[key];
    if (items === undefined || items === null) return undefined;
    if (!Array.isArray(items) || !items.every((s) => typeof s === 'string')) throw fail(`dns.${key}`, 'must be an array of strings');
    return items as string[];
  };
  const dns: CniDns = {};
  for (const key of ['nameservers', 'search', 'options'] as const) {
    const items = strings(key);
    if (items && items.length > 0) dns[key] = items;
  }
  if (typeof value.domain === 'string' && value.domain) dns.domain = value.domain;
  return Object.keys(dns).length > 0 ? dns : undefined;
}

/** The result a plugin printed for ADD, checked and in the 1.0 shape; a CniError naming the plugin and field when it is not one. */
export function parseResult(value: unknown, plugin: string, command: CniCommand = 'ADD'): CniResult {
  const fail: Fail = (field, reason) => new CniError(plugin, command, { code: CNI_CODES.decodeFailure, msg: `printed a result that is not valid: ${field}: ${reason}` });
  if (!isObject(value)) throw fail('result', 'must be a JSON object');
  if (typeof value.cniVersion !== 'string') throw fail('cniVersion', 'must be a string');
  const interfaces = list(value.interfaces, 'interfaces', fail, (item, at) => interfaceOf(item, at, fail));
  const ips = list(value.ips, 'ips', fail, (item, at) => ipOf(item, at, fail, interfaces?.length ?? 0));
  const routes = list(value.routes, 'routes', fail, (item, at) => routeOf(item, at, fail));
  const dns = dnsOf(value.dns, fail);
  return {
    cniVersion: value.cniVersion,
    ...(interfaces ? { interfaces } : {}),
    ...(ips ? { ips } : {}),
    ...(routes ? { routes } : {}),
    ...(dns ? { dns } : {}),
  };
}
