// The subset of the OCI runtime-spec config.json that skerry runs, read and checked here so
// the shim never meets a value it would have to judge. Every refusal names the JSON path.
import fs from 'node:fs';
import path from 'node:path';
import { SkerryError } from '../../common/index.ts';

export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';
export const NAMESPACE_TYPES: readonly NamespaceType[] = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup'];

export interface OciUser { uid: number; gid: number; additionalGids: number[]; umask?: number }
export interface OciCapabilities { bounding?: string[]; effective?: string[]; permitted?: string[]; inheritable?: string[]; ambient?: string[] }
/** soft/hard as given; values ≥ 2^64-1 (RLIM_INFINITY) lose precision in JSON, so compare with isInfinite(). */
export interface OciRlimit { type: string; soft: number; hard: number }
export interface OciProcess {
  terminal: false;
  user: OciUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: OciCapabilities;
  rlimits: OciRlimit[];
  noNewPrivileges: boolean;
}
export interface OciMount { destination: string; type?: string; source?: string; options: string[] }
export interface OciNamespace { type: NamespaceType; path?: string }
export interface OciIdMapping { containerID: number; hostID: number; size: number }
/** Passed through untouched to native/security's compileSeccomp. */
export type OciSeccomp = Record<string, unknown>;
export interface OciLinux {
  namespaces: OciNamespace[];
  uidMappings: OciIdMapping[];
  gidMappings: OciIdMapping[];
  /** undefined means Docker's defaults (see plan.ts); [] means none. */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  /** Passed through to native/cgroups. */
  resources?: Record<string, unknown>;
  seccomp?: OciSeccomp;
}
export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: OciMount[];
  linux: OciLinux;
}

type Json = Record<string, unknown>;

function invalid(where: string, problem: string): never {
  throw new SkerryError('CONFIG_INVALID', `${where} ${problem}`, { field: where });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, where: string): Json {
  return isObject(value) ? value : invalid(where, 'must be an object');
}

function optionalObject(value: unknown, where: string): Json {
  return value === undefined ? {} : object(value, where);
}

function string(value: unknown, where: string): string {
  return typeof value === 'string' ? value : invalid(where, 'must be a string');
}

function absolutePath(value: unknown, where: string): string {
  const text = string(value, where);
  if (!path.posix.isAbsolute(text) || text.includes('\0')) invalid(where, `must be an absolute path (got ${JSON.stringify(text)})`);
  return path.posix.normalize(text);
}

function strings(value: unknown, where: string, nonEmpty = false): string[] {
  const ok = Array.isArray(value) && value.every((v) => typeof v === 'string' && !v.includes('\0'));
  if (!ok || (nonEmpty && value.length === 0)) invalid(where, `must be ${nonEmpty ? 'a non-empty' : 'an'} array of strings`);
  return [...(value as string[])];
}

function optionalStrings(value: unknown, where: string): string[] | undefined {
  return value === undefined ? undefined : strings(value, where);
}

function id(value: unknown, where: string): number {
  const ok = typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** 32 - 1;
  return ok ? value : invalid(where, 'must be an integer from 0 to 4294967294');
}

function limit(value: unknown, where: string): number {
  const ok = typeof value === 'number' && Number.isInteger(value) && value >= 0;
  return ok ? value : invalid(where, 'must be a non-negative integer');
}

function bool(value: unknown, where: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return typeof value === 'boolean' ? value : invalid(where, 'must be true or false');
}

function emptyOrAbsent(value: unknown, where: string): void {
  const empty = value === undefined || (Array.isArray(value) && value.length === 0) || (isObject(value) && Object.keys(value).length === 0);
  if (!empty) invalid(where, 'is not supported by skerry yet');
}

function readUser(raw: unknown): OciUser {
  const user = object(raw, 'process.user');
  const additionalGids = user.additionalGids === undefined ? [] : user.additionalGids;
  if (!Array.isArray(additionalGids)) invalid('process.user.additionalGids', 'must be an array of integers');
  const result: OciUser = {
    uid: id(user.uid, 'process.user.uid'),
    gid: id(user.gid, 'process.user.gid'),
    additionalGids: additionalGids.map((g, i) => id(g, `process.user.additionalGids[${i}]`)),
  };
  if (user.umask !== undefined) {
    const ok = typeof user.umask === 'number' && Number.isInteger(user.umask) && user.umask >= 0 && user.umask <= 0o777;
    result.umask = ok ? (user.umask as number) : invalid('process.user.umask', 'must be an integer from 0 to 0o777');
  }
  return result;
}

function readCapabilities(raw: unknown): OciCapabilities | undefined {
  if (raw === undefined) return undefined;
  const caps = object(raw, 'process.capabilities');
  const result: OciCapabilities = {};
  for (const set of ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const) {
    const names = optionalStrings(caps[set], `process.capabilities.${set}`);
    names?.forEach((n, i) => /^CAP_[A-Z_]+$/.test(n) || invalid(`process.capabilities.${set}[${i}]`, `must be a capability name like CAP_CHOWN (got ${JSON.stringify(n)})`));
    if (names) result[set] = names;
  }
  return result;
}

function readRlimits(raw: unknown): OciRlimit[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) invalid('process.rlimits', 'must be an array');
  return raw.map((item, i) => {
    const where = `process.rlimits[${i}]`;
    const r = object(item, where);
    const type = string(r.type, `${where}.type`);
    if (!/^RLIMIT_[A-Z]+$/.test(type)) invalid(`${where}.type`, `must be an RLIMIT_* name (got ${JSON.stringify(type)})`);
    const soft = limit(r.soft, `${where}.soft`);
    const hard = limit(r.hard, `${where}.hard`);
    if (soft > hard) invalid(where, `has soft limit ${soft} above its hard limit ${hard}`);
    return { type, soft, hard };
  });
}

function readProcess(raw: unknown): OciProcess {
  const p = object(raw, 'process');
  if (p.terminal === true) invalid('process.terminal', 'must be false: skerry does not allocate terminals yet');
  emptyOrAbsent(p.apparmorProfile, 'process.apparmorProfile');
  emptyOrAbsent(p.selinuxLabel, 'process.selinuxLabel');
  const env = p.env === undefined ? [] : strings(p.env, 'process.env');
  env.forEach((e, i) => e.includes('=') || invalid(`process.env[${i}]`, `must look like NAME=value (got ${JSON.stringify(e)})`));
  return {
    terminal: false,
    user: readUser(p.user ?? { uid: 0, gid: 0 }),
    args: strings(p.args, 'process.args', true),
    env,
    cwd: absolutePath(p.cwd ?? '/', 'process.cwd'),
    capabilities: readCapabilities(p.capabilities),
    rlimits: readRlimits(p.rlimits),
    noNewPrivileges: bool(p.noNewPrivileges, 'process.noNewPrivileges', false),
  };
}

function readMounts(raw: unknown): OciMount[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) invalid('mounts', 'must be an array');
  return raw.map((item, i) => {
    const m = object(item, `mounts[${i}]`);
    const mount: OciMount = {
      destination: absolutePath(m.destination, `mounts[${i}].destination`),
      options: m.options === undefined ? [] : strings(m.options, `mounts[${i}].options`),
    };
    if (m.type !== undefined) mount.type = string(m.type, `mounts[${i}].type`);
    if (m.source !== undefined) mount.source = string(m.source, `mounts[${i}].source`);
    return mount;
  });
}

function readNamespaces(raw: unknown): OciNamespace[] {
  if (!Array.isArray(raw)) invalid('linux.namespaces', 'must be an array');
  const seen = new Set<string>();
  const result = raw.map((item, i) => {
    const n = object(item, `linux.namespaces[${i}]`);
    const type = string(n.type, `linux.namespaces[${i}].type`) as NamespaceType;
    if (!NAMESPACE_TYPES.includes(type)) invalid(`linux.namespaces[${i}].type`, `must be one of ${NAMESPACE_TYPES.join(', ')} (got ${JSON.stringify(type)})`);
    if (seen.has(type)) invalid(`linux.namespaces[${i}].type`, `repeats ${type}`);
    seen.add(type);
    const ns: OciNamespace = { type };
    if (n.path !== undefined) ns.path = absolutePath(n.path, `linux.namespaces[${i}].path`);
    if (type === 'mount' && ns.path) invalid(`linux.namespaces[${i}].path`, 'cannot be set: a container needs its own mount namespace');
    return ns;
  });
  if (!seen.has('mount')) invalid('linux.namespaces', 'must include mount: pivot_root needs a private mount namespace');
  return result;
}

function readMappings(raw: unknown, where: string): OciIdMapping[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) invalid(where, 'must be an array');
  return raw.map((item, i) => {
    const m = object(item, `${where}[${i}]`);
    return { containerID: id(m.containerID, `${where}[${i}].containerID`), hostID: id(m.hostID, `${where}[${i}].hostID`), size: id(m.size, `${where}[${i}].size`) };
  });
}

function readLinux(raw: unknown): OciLinux {
  const l = object(raw, 'linux');
  emptyOrAbsent(l.devices, 'linux.devices');
  emptyOrAbsent(l.sysctl, 'linux.sysctl');
  const linux: OciLinux = {
    namespaces: readNamespaces(l.namespaces),
    uidMappings: readMappings(l.uidMappings, 'linux.uidMappings'),
    gidMappings: readMappings(l.gidMappings, 'linux.gidMappings'),
    maskedPaths: optionalStrings(l.maskedPaths, 'linux.maskedPaths'),
    readonlyPaths: optionalStrings(l.readonlyPaths, 'linux.readonlyPaths'),
  };
  linux.maskedPaths?.forEach((p, i) => absolutePath(p, `linux.maskedPaths[${i}]`));
  linux.readonlyPaths?.forEach((p, i) => absolutePath(p, `linux.readonlyPaths[${i}]`));
  if (l.resources !== undefined) linux.resources = object(l.resources, 'linux.resources');
  if (l.seccomp !== undefined) linux.seccomp = object(l.seccomp, 'linux.seccomp');
  const user = linux.namespaces.find((n) => n.type === 'user');
  if (user && !user.path && (linux.uidMappings.length === 0 || linux.gidMappings.length === 0))
    invalid('linux.uidMappings', 'and linux.gidMappings must both be set for a new user namespace');
  if ((!user || user.path) && (linux.uidMappings.length || linux.gidMappings.length))
    invalid('linux.uidMappings', 'needs a new user namespace in linux.namespaces');
  return linux;
}

/** Checks a `process` object (as in config.json; an exec's process too) and returns it typed. */
export function validateProcess(raw: unknown): OciProcess {
  return readProcess(raw);
}

/** Checks a parsed config.json and returns it typed, with defaults applied. */
export function validateSpec(raw: unknown): OciSpec {
  const spec = object(raw, 'config.json');
  const version = string(spec.ociVersion, 'ociVersion');
  if (!/^1\.\d+\.\d+/.test(version)) invalid('ociVersion', `must be 1.x.y (got ${JSON.stringify(version)})`);
  emptyOrAbsent(spec.hooks, 'hooks');
  const root = object(spec.root, 'root');
  const linux = readLinux(spec.linux);
  const result: OciSpec = {
    ociVersion: version,
    process: readProcess(spec.process),
    root: { path: string(root.path, 'root.path'), readonly: bool(root.readonly, 'root.readonly', false) },
    mounts: readMounts(spec.mounts),
    linux,
  };
  optionalObject(spec.annotations, 'annotations');
  if (spec.hostname !== undefined) {
    result.hostname = string(spec.hostname, 'hostname');
    const uts = linux.namespaces.find((n) => n.type === 'uts');
    if (!uts || uts.path) invalid('hostname', 'needs a new uts namespace in linux.namespaces');
  }
  return result;
}

function readConfigText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new SkerryError('CONFIG_INVALID', `cannot read ${file}: ${(error as Error).message}`, { file }, { cause: error });
  }
}

function parseConfigText(file: string, text: string): OciSpec {
  try {
    return validateSpec(JSON.parse(text));
  } catch (error) {
    if (error instanceof SyntaxError) throw new SkerryError('CONFIG_INVALID', `${file} is not JSON: ${error.message}`, { file });
    throw error;
  }
}

/** Reads and checks <bundle>/config.json. */
export function readSpec(bundle: string): OciSpec {
  const file = path.join(bundle, 'config.json');
  return parseConfigText(file, readConfigText(file));
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}

// Bundles an agent starts often; the oldest entry goes when a new one would exceed this.
const SHARED_SPECS_LIMIT = 64;
const sharedSpecs = new Map<string, { text: string; spec: OciSpec }>();

/**
 * readSpec for the runtime's own starts: the file is read every time, but while its text
 * stays the same the same frozen spec object comes back, so whatever is derived from it
 * (capability masks, the compiled seccomp filter, see security-of.ts) is computed once per
 * bundle rather than once per container. Parsing, checking and compiling a default spec
 * cost about 1 ms; comparing the text costs microseconds.
 */
export function readSharedSpec(bundle: string): OciSpec {
  const file = path.join(bundle, 'config.json');
  const text = readConfigText(file);
  const known = sharedSpecs.get(file);
  sharedSpecs.delete(file);
  const entry = known?.text === text ? known : { text, spec: deepFreeze(parseConfigText(file, text)) };
  sharedSpecs.set(file, entry);
  if (sharedSpecs.size > SHARED_SPECS_LIMIT) sharedSpecs.delete(sharedSpecs.keys().next().value!);
  return entry.spec;
}
