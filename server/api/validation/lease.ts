import { forbidden, invalid, notSupported, type Causes } from './errors.ts';
import { type Obj } from './json.ts';
import { validateObjectMeta } from './metadata.ts';
import { spec } from './workloads.ts';

/** coordination.k8s.io Leases: leader election and node heartbeats. */

export function validateLease(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'subdomain' });
  const s = spec(errs, o);
  const duration = s.int('leaseDurationSeconds');
  if (duration !== undefined && duration <= 0) errs.push(invalid(s.path('leaseDurationSeconds'), duration, 'must be greater than 0'));
  const transitions = s.int('leaseTransitions');
  if (transitions !== undefined && transitions < 0) errs.push(invalid(s.path('leaseTransitions'), transitions, 'must be greater than or equal to 0'));
  s.str('holderIdentity');
  s.str('acquireTime');
  s.str('renewTime');
  const strategy = s.str('strategy');
  if (strategy !== undefined && strategy !== 'OldestEmulationVersion') errs.push(notSupported(s.path('strategy'), strategy, ['OldestEmulationVersion']));
  if ((s.str('preferredHolder') ?? '') && !strategy) errs.push(forbidden(s.path('preferredHolder'), 'may only be specified if `strategy` is defined'));
}
