// Capabilities and seccomp for containers: names checked and turned into what the kernel
// takes (capability masks, BPF programs). Nothing here touches the kernel; the runtime
// passes the results to the shim, and the tests load them through native child steps.
import { componentLogger } from '../../common/index.ts';
import { defaultSeccompProfile } from './default-profile.ts';
import { compileProfile, type CompiledSeccomp, type SeccompArch } from './seccomp-compile.ts';
import { parseProfile, type OciSeccomp } from './seccomp-profile.ts';

export { CAPABILITIES, DEFAULT_CAPABILITIES, capabilityMask, capabilityNames } from './capabilities.ts';
export { defaultSeccompProfile } from './default-profile.ts';
export { ARCH_INFO, type CompiledSeccomp, type SeccompArch } from './seccomp-compile.ts';
export { parseProfile, type OciSeccomp, type OciSeccompArg, type OciSeccompSyscall } from './seccomp-profile.ts';

const log = componentLogger('security');

/** The default profile for Docker's 14 capabilities, OCI-shaped, for writing into config.json. */
export const DEFAULT_SECCOMP_PROFILE: OciSeccomp = defaultSeccompProfile();

export interface SeccompOptions {
  /** The architecture whose syscall numbers to use; this machine's by default. */
  arch?: SeccompArch;
  /** For 'default' only: the container's capabilities, which unlock syscalls as in Docker. */
  capabilities?: readonly string[];
}

/** The seccomp architecture of this process, or an error on one we have no table for. */
export function hostSeccompArch(): SeccompArch {
  if (process.arch === 'x64') return 'x86_64';
  if (process.arch === 'arm64') return 'aarch64';
  throw new RangeError(`seccomp filters are not supported on ${process.arch}`);
}

/**
 * Compiles an OCI `linux.seccomp` object, or skerry's default profile, into a BPF program
 * with the flags it asks for. Unknown syscall names are skipped and returned in `skipped`
 * (and logged, except for the default profile, which lists names of both architectures).
 * Throws CONFIG_INVALID naming the JSON path of an unknown action, operator, flag or arch.
 */
export function compileSeccompDetailed(spec: OciSeccomp | Readonly<Record<string, unknown>> | 'default', options: SeccompOptions = {}): CompiledSeccomp {
  const arch = options.arch ?? hostSeccompArch();
  const profile = parseProfile(spec === 'default' ? defaultSeccompProfile(options.capabilities) : spec);
  const compiled = compileProfile(profile, arch);
  if (spec !== 'default' && compiled.skipped.length) {
    log.warn({ arch, skipped: compiled.skipped }, `linux.seccomp names ${compiled.skipped.length} syscalls unknown on ${arch}; their rules are skipped`);
  }
  return compiled;
}

/** compileSeccompDetailed's program alone: struct sock_filter[] for seccomp(2). */
export function compileSeccomp(spec: OciSeccomp | Readonly<Record<string, unknown>> | 'default', options: SeccompOptions = {}): Buffer {
  return compileSeccompDetailed(spec, options).program;
}
