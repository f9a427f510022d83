import { capabilityMask, compileSeccomp } from '../security/index.ts';
import type { CapabilityMasks } from './plan.ts';
import type { OciSpec } from './spec.ts';

export interface SpecSecurity {
  capabilities: CapabilityMasks;
  seccompProgram?: Buffer;
}

// Compiling the default seccomp profile takes about half a millisecond; a spec object from
// readSharedSpec is the same for every start of its bundle, so its result is kept with it.
const derived = new WeakMap<OciSpec, Readonly<SpecSecurity>>();

/**
 * The capability masks and seccomp program a spec asks for. As in runc and crun, a spec
 * without capabilities gets none and one without `linux.seccomp` gets no filter: the
 * defaults (Docker's 14 capabilities, the default profile) are put in the spec by whoever
 * writes it — the agent for pods, `skerry runtime spec` for hand-made bundles. The result
 * is shared between calls with the same spec object: callers must not change it.
 */
export function securityOf(spec: OciSpec): Readonly<SpecSecurity> {
  let security = derived.get(spec);
  if (!security) {
    security = Object.freeze(compute(spec));
    derived.set(spec, security);
  }
  return security;
}

function compute(spec: OciSpec): SpecSecurity {
  const caps = spec.process.capabilities ?? {};
  const capabilities: CapabilityMasks = {
    bounding: capabilityMask(caps.bounding ?? [], 'process.capabilities.bounding'),
    effective: capabilityMask(caps.effective ?? [], 'process.capabilities.effective'),
    permitted: capabilityMask(caps.permitted ?? [], 'process.capabilities.permitted'),
  };
  const seccomp = spec.linux?.seccomp;
  return seccomp ? { capabilities, seccompProgram: compileSeccomp(seccomp as never) } : { capabilities };
}
