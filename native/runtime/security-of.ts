import { capabilityMask, compileSeccomp } from '../security/index.ts';
import type { CapabilityMasks } from './plan.ts';
import type { OciSpec } from './spec.ts';

/**
 * The capability masks and seccomp program a spec asks for. As in runc and crun, a spec
 * without capabilities gets none and one without `linux.seccomp` gets no filter: the
 * defaults (Docker's 14 capabilities, the default profile) are put in the spec by whoever
 * writes it — the agent for pods, `skerry runtime spec` for hand-made bundles.
 */
export function securityOf(spec: OciSpec): { capabilities: CapabilityMasks; seccompProgram?: Buffer } {
  const caps = spec.process.capabilities ?? {};
  const capabilities: CapabilityMasks = {
    bounding: capabilityMask(caps.bounding ?? [], 'process.capabilities.bounding'),
    effective: capabilityMask(caps.effective ?? [], 'process.capabilities.effective'),
    permitted: capabilityMask(caps.permitted ?? [], 'process.capabilities.permitted'),
  };
  const seccomp = spec.linux?.seccomp;
  return seccomp ? { capabilities, seccompProgram: compileSeccomp(seccomp as never) } : { capabilities };
}
